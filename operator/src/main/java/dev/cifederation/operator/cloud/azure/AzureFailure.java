package dev.cifederation.operator.cloud.azure;

import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.cloud.CloudFailure;
import java.time.Duration;
import java.util.Optional;

/**
 * A failed ARM call, classified by {@link ArmError}: the reason the condition shows, the server's
 * {@code Retry-After} as the retry hint, and the ARM error itself, by which the client tells an
 * expected answer (404 of a missing identity, 409 RoleAssignmentExists) from a failure.
 */
final class AzureFailure extends CloudFailure {

  private final ArmError error;

  AzureFailure(CloudReason reason, String message, Optional<Duration> retryHint, ArmError error) {
    super(reason, message, retryHint, null);
    this.error = error;
  }

  boolean is(int status, String code) {
    return error.is(status, code);
  }

  boolean hasStatus(int status) {
    return error.status() == status;
  }
}
