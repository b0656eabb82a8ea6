package dev.cifederation.operator.cloud.azure;

import dev.cifederation.operator.api.v1alpha1.CloudReason;
import java.time.Duration;
import java.util.Optional;

/**
 * A failed Azure step, carrying the typed reason the condition shows and, for throttling and
 * transient errors, when to try again. Never leaves the package: the adapter turns it into a {@code
 * CloudOutcome}.
 */
final class AzureFailure extends RuntimeException {

  private final CloudReason reason;
  private final Optional<Duration> retryAfter;
  private final Optional<ArmError> error;

  AzureFailure(CloudReason reason, String message, Optional<Duration> retryAfter) {
    this(reason, message, retryAfter, Optional.empty());
  }

  AzureFailure(
      CloudReason reason, String message, Optional<Duration> retryAfter, Optional<ArmError> error) {
    super(message);
    this.reason = reason;
    this.retryAfter = retryAfter;
    this.error = error;
  }

  CloudReason reason() {
    return reason;
  }

  Optional<Duration> retryAfter() {
    return retryAfter;
  }

  /** The ARM error behind the failure, when there was a response. */
  Optional<ArmError> error() {
    return error;
  }

  boolean is(int status, String code) {
    return error.map(e -> e.is(status, code)).orElse(false);
  }

  boolean hasStatus(int status) {
    return error.map(e -> e.status() == status).orElse(false);
  }
}
