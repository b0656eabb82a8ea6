package dev.cifederation.operator.cloud;

import dev.cifederation.operator.api.v1alpha1.CloudReason;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a failed pass is tried again, the same on every cloud: throttling waits the longer of the
 * cloud's Retry-After and {@code throttled}; a transient failure the cloud's hint or {@code
 * transientFailure}; an object still being made {@code reconciling}. Everything else — refused
 * credentials, a conflict, an invalid spec, a missing target — waits for a change of the spec or of
 * the cloud, which the next resync sees: retrying sooner would repeat the same answer. Every delay
 * is spread by up to half again, so that identities failing together do not return together, and
 * none is longer than the resync, which reconciles every identity anyway.
 */
public record RetryPolicy(
    Duration transientFailure, Duration throttled, Duration reconciling, Duration resync) {

  private static final Duration TRANSIENT = Duration.ofSeconds(30);
  private static final Duration THROTTLED = Duration.ofSeconds(60);
  private static final Duration RECONCILING = Duration.ofSeconds(5);

  public RetryPolicy {
    for (Duration d : new Duration[] {transientFailure, throttled, reconciling, resync}) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("retry delays must be positive");
      }
    }
  }

  public static RetryPolicy forResync(Duration resync) {
    return new RetryPolicy(TRANSIENT, THROTTLED, RECONCILING, resync);
  }

  /** The delay before the next attempt after a pass that ended with {@code reason}, if any. */
  public Optional<Duration> after(CloudReason reason, Optional<Duration> cloudHint) {
    Optional<Duration> base =
        switch (reason) {
          case Throttled -> Optional.of(longer(cloudHint.orElse(Duration.ZERO), throttled));
          case Transient -> Optional.of(cloudHint.orElse(transientFailure));
          case Reconciling -> Optional.of(cloudHint.orElse(reconciling));
          default -> Optional.empty();
        };
    return base.map(RetryPolicy::spread).map(d -> d.compareTo(resync) > 0 ? resync : d);
  }

  public Optional<Duration> after(CloudFailure failure) {
    return after(failure.reason(), failure.retryHint());
  }

  /** Up to half again as long. */
  public static Duration spread(Duration base) {
    return base.plusMillis(ThreadLocalRandom.current().nextLong(base.toMillis() / 2 + 1));
  }

  private static Duration longer(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
