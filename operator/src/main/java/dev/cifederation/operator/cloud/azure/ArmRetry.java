package dev.cifederation.operator.cloud.azure;

import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.observe.CloudCalls;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each SDK call counted by {@link CloudCalls} and retries what a retry can fix (429, 5xx,
 * timeouts, a concurrent credential write by someone else) with exponential backoff and jitter, or
 * after the server's {@code Retry-After}. A wait longer than the inline limit is not spent blocking
 * a reconcile thread: the call fails at once with the wait as {@code retryAfter}, for the
 * reconciler to reschedule. The SDK's own retry policy is not used, so each attempt is counted.
 */
final class ArmRetry {

  private static final Logger log = LoggerFactory.getLogger(ArmRetry.class);

  /**
   * @param maxAttempts attempts per call, the first included
   * @param baseDelay backoff before the second attempt (doubling, with jitter)
   * @param maxInlineWait the longest wait spent in the reconcile thread
   * @param throttledRetry when to try again after throttling without {@code Retry-After}
   * @param transientRetry when to try again after a transient error
   */
  record Policy(
      int maxAttempts,
      Duration baseDelay,
      Duration maxInlineWait,
      Duration throttledRetry,
      Duration transientRetry) {

    static Policy defaults() {
      return new Policy(
          4,
          Duration.ofMillis(500),
          Duration.ofSeconds(10),
          Duration.ofSeconds(30),
          Duration.ofSeconds(15));
    }
  }

  /** Waits; a seam so that tests need not. */
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private final CloudCalls calls;
  private final Policy policy;
  private final Sleeper sleeper;

  ArmRetry(CloudCalls calls, Policy policy, Sleeper sleeper) {
    this.calls = calls;
    this.policy = policy;
    this.sleeper = sleeper;
  }

  <T> T call(String operation, Supplier<T> sdkCall) {
    for (int attempt = 1; ; attempt++) {
      ArmError error;
      try {
        return calls.call(operation, sdkCall);
      } catch (RuntimeException e) {
        error = ArmError.classify(e);
      }
      String what = "Azure " + operation + ": " + error.detail();
      if (!error.retryable()) {
        throw new AzureFailure(error.reason(), what, Optional.empty(), Optional.of(error));
      }
      Duration giveUpRetry =
          error
              .retryAfter()
              .orElse(
                  error.reason() == CloudReason.Throttled
                      ? policy.throttledRetry()
                      : policy.transientRetry());
      if (attempt >= policy.maxAttempts()) {
        throw new AzureFailure(
            error.reason(),
            what + " (gave up after " + attempt + " attempts)",
            Optional.of(giveUpRetry),
            Optional.of(error));
      }
      Duration wait = error.retryAfter().isPresent() ? error.retryAfter().get() : backoff(attempt);
      if (wait.compareTo(policy.maxInlineWait()) > 0) {
        throw new AzureFailure(
            error.reason(),
            what + " (retry after " + wait.toSeconds() + "s)",
            Optional.of(wait),
            Optional.of(error));
      }
      log.info(
          "{}; retrying in {} ms (attempt {}/{})",
          what,
          wait.toMillis(),
          attempt + 1,
          policy.maxAttempts());
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AzureFailure(
            CloudReason.Transient,
            what + " (interrupted)",
            Optional.of(giveUpRetry),
            Optional.of(error));
      }
    }
  }

  /** Full-jitter exponential backoff: between half and all of base * 2^(attempt-1). */
  private Duration backoff(int attempt) {
    long ceiling = policy.baseDelay().toMillis() << Math.min(attempt - 1, 10);
    long jittered = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    return Duration.ofMillis(jittered);
  }
}
