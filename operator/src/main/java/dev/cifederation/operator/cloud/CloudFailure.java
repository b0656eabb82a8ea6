package dev.cifederation.operator.cloud;

import dev.cifederation.operator.api.v1alpha1.CloudReason;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A cloud call or a pass that failed, already classified: the reason the condition shows and the
 * delay the cloud asked for, if it did. Each adapter turns its SDK's exceptions into this type at
 * the edge; when to retry is then decided once for every cloud by {@link RetryPolicy}.
 */
public class CloudFailure extends RuntimeException {

  private final CloudReason reason;
  private final Optional<Duration> retryHint;

  public CloudFailure(CloudReason reason, String message) {
    this(reason, message, Optional.empty(), null);
  }

  public CloudFailure(
      CloudReason reason, String message, Optional<Duration> retryHint, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.retryHint = Objects.requireNonNull(retryHint, "retryHint");
  }

  public CloudReason reason() {
    return reason;
  }

  /** The delay the cloud asked for (Retry-After), when it said one. */
  public Optional<Duration> retryHint() {
    return retryHint;
  }
}
