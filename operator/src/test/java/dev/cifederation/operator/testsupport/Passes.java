package dev.cifederation.operator.testsupport;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.List;

/** Adapter tests without the identity reconciler: what it would record of one cloud's pass. */
public final class Passes {

  private Passes() {}

  /**
   * Leaves on {@code identity} the status the identity reconciler writes after {@code outcome}: the
   * cloud's block and its {@code <Cloud>Ready} condition at the current generation, so that the
   * next pass's {@code PreviousPass} sees what a real one would.
   *
   * @return the status, for tests that add to it (a migration phase)
   */
  public static CIFederatedIdentityStatus settle(
      CIFederatedIdentity identity, Cloud cloud, CloudOutcome outcome) {
    Long generation = identity.getMetadata().getGeneration();
    CIFederatedIdentityStatus status = new CIFederatedIdentityStatus();
    outcome.writeBlock(cloud, status);
    status.setObservedGeneration(generation);
    status.setConditions(
        List.of(
            new ConditionBuilder()
                .withType(cloud.condition().name())
                .withStatus(outcome.status().name())
                .withReason(outcome.reason().name())
                .withMessage(outcome.message())
                .withObservedGeneration(generation)
                .build()));
    identity.setStatus(status);
    return status;
  }
}
