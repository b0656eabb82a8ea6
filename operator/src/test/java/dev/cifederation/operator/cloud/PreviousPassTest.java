package dev.cifederation.operator.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.AwsIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.GcpIdentityStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreviousPassTest {

  @Test
  void syncedAtGenerationIsTrueSyncedForThisVeryGeneration() {
    assertThat(pass(3, condition("AWSReady", "True", "Synced", 3L)).syncedAtGeneration()).isTrue();
    // an older generation: the spec changed since, a difference is the change, not drift
    assertThat(pass(3, condition("AWSReady", "True", "Synced", 2L)).syncedAtGeneration()).isFalse();
    assertThat(pass(3, condition("AWSReady", "False", "Transient", 3L)).syncedAtGeneration())
        .isFalse();
    assertThat(pass(3, condition("AWSReady", "True", "Observed", 3L)).syncedAtGeneration())
        .isFalse();
    // another cloud's condition says nothing about AWS
    assertThat(pass(3, condition("GCPReady", "True", "Synced", 3L)).syncedAtGeneration()).isFalse();
  }

  @Test
  void theReasonAndTheCloudsOwnBlockAreHandedOver() {
    PreviousPass previous = pass(1, condition("AWSReady", "False", "Revoked", 1L));
    assertThat(previous.ended(CloudReason.Revoked)).isTrue();
    assertThat(previous.status(AwsIdentityStatus.class).map(AwsIdentityStatus::getRoleArn))
        .contains("arn:aws:iam::111122223333:role/r");
    assertThat(previous.status(GcpIdentityStatus.class)).isEmpty();
    assertThat(previous.driftCorrections()).isEqualTo(4);
  }

  @Test
  void anUnknownReasonIsNoReasonAndANewIdentityHasNoPreviousPass() {
    assertThat(pass(1, condition("AWSReady", "False", "SomethingElse", 1L)).reason()).isEmpty();
    CIFederatedIdentity fresh = new CIFederatedIdentity();
    fresh.setMetadata(new ObjectMetaBuilder().withName("x").withGeneration(1L).build());
    PreviousPass none = PreviousPass.of(fresh, Cloud.AWS);
    assertThat(none.status()).isEmpty();
    assertThat(none.syncedAtGeneration()).isFalse();
    assertThat(none.driftCorrections()).isZero();
  }

  private static PreviousPass pass(long generation, Condition condition) {
    CIFederatedIdentity identity = new CIFederatedIdentity();
    identity.setMetadata(new ObjectMetaBuilder().withName("x").withGeneration(generation).build());
    CIFederatedIdentityStatus status = new CIFederatedIdentityStatus();
    status.setConditions(List.of(condition));
    AwsIdentityStatus aws = new AwsIdentityStatus();
    aws.setRoleArn("arn:aws:iam::111122223333:role/r");
    aws.setDriftCorrections(4L);
    status.setAws(aws);
    identity.setStatus(status);
    return PreviousPass.of(identity, Cloud.AWS);
  }

  private static Condition condition(String type, String status, String reason, Long generation) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withObservedGeneration(generation)
        .build();
  }
}
