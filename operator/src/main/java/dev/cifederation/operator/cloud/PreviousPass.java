package dev.cifederation.operator.cloud;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CloudIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * What the last pass left for one cloud, read once from the resource by the identity reconciler and
 * handed to the adapter as data: the cloud's status block (the ids of what it made), the reason of
 * its {@code <Cloud>Ready} condition, and whether that pass left the cloud in sync at the
 * identity's current generation. A difference found when that is true is drift: someone changed the
 * cloud.
 *
 * @param generation the identity's {@code metadata.generation} now
 * @param status the cloud's status block as the last pass wrote it
 * @param reason the reason of the last pass's condition, when it is one of ours
 * @param syncedAtGeneration the condition says {@code True}/{@code Synced} for this generation
 */
public record PreviousPass(
    long generation,
    Optional<CloudIdentityStatus> status,
    Optional<CloudReason> reason,
    boolean syncedAtGeneration) {

  public PreviousPass {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
  }

  /** No pass before: a new identity. */
  public static PreviousPass none(long generation) {
    return new PreviousPass(generation, Optional.empty(), Optional.empty(), false);
  }

  /** What the identity's status says the last pass left in {@code cloud}. */
  public static PreviousPass of(CIFederatedIdentity identity, Cloud cloud) {
    Long storedGeneration = identity.getMetadata().getGeneration();
    long generation = storedGeneration == null ? 0 : storedGeneration;
    CIFederatedIdentityStatus status = identity.getStatus();
    if (status == null) {
      return none(generation);
    }
    Optional<Condition> condition =
        status.getConditions() == null
            ? Optional.empty()
            : status.getConditions().stream()
                .filter(c -> cloud.condition().name().equals(c.getType()))
                .findFirst();
    Optional<CloudReason> reason = condition.flatMap(c -> reasonOf(c.getReason()));
    boolean synced =
        condition.isPresent()
            && ConditionStatus.True.name().equals(condition.get().getStatus())
            && reason.filter(CloudReason.Synced::equals).isPresent()
            && Objects.equals(condition.get().getObservedGeneration(), storedGeneration);
    return new PreviousPass(generation, cloud.blockIn(status), reason, synced);
  }

  /** The status block as the adapter's own type; empty when none was recorded. */
  public <S extends CloudIdentityStatus> Optional<S> status(Class<S> type) {
    return status.filter(type::isInstance).map(type::cast);
  }

  /** Whether the last pass ended with {@code expected}. */
  public boolean ended(CloudReason expected) {
    return reason.filter(expected::equals).isPresent();
  }

  /** Corrections counted so far, carried into the next block. */
  public long driftCorrections() {
    return status.map(CloudIdentityStatus::getDriftCorrections).orElse(0L);
  }

  private static Optional<CloudReason> reasonOf(String name) {
    return Arrays.stream(CloudReason.values()).filter(r -> r.name().equals(name)).findFirst();
  }
}
