package dev.cifederation.operator.cloud;

import dev.cifederation.operator.api.v1alpha1.AwsIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.AzureIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CloudIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.ConditionType;
import dev.cifederation.operator.api.v1alpha1.GcpIdentityStatus;
import java.util.Optional;

/** The three clouds: their display name, their condition, and whether a spec configures them. */
public enum Cloud {
  AWS(ConditionType.AWSReady),
  GCP(ConditionType.GCPReady),
  Azure(ConditionType.AzureReady);

  private final ConditionType condition;

  Cloud(ConditionType condition) {
    this.condition = condition;
  }

  public ConditionType condition() {
    return condition;
  }

  /**
   * Whether a status records objects the operator made in this cloud (they must go if the block is
   * removed).
   */
  public boolean isRecordedIn(CIFederatedIdentityStatus status) {
    return status != null && blockIn(status).isPresent();
  }

  /** This cloud's block of the identity's status: the ids of what the operator made there. */
  public Optional<CloudIdentityStatus> blockIn(CIFederatedIdentityStatus status) {
    return Optional.ofNullable(
        switch (this) {
          case AWS -> status.getAws();
          case GCP -> status.getGcp();
          case Azure -> status.getAzure();
        });
  }

  /**
   * Writes this cloud's block into the identity's status (null removes it).
   *
   * @throws IllegalArgumentException when the block is another cloud's
   */
  public void putBlock(CIFederatedIdentityStatus status, CloudIdentityStatus block) {
    switch (this) {
      case AWS -> status.setAws(narrow(block, AwsIdentityStatus.class));
      case GCP -> status.setGcp(narrow(block, GcpIdentityStatus.class));
      case Azure -> status.setAzure(narrow(block, AzureIdentityStatus.class));
    }
  }

  /**
   * Carries this cloud's status block over unchanged, while its objects are still being removed.
   */
  public void carryStatus(CIFederatedIdentityStatus from, CIFederatedIdentityStatus to) {
    putBlock(to, blockIn(from).orElse(null));
  }

  public boolean isConfigured(CIFederatedIdentitySpec spec) {
    return switch (this) {
      case AWS -> spec.getAws() != null;
      case GCP -> spec.getGcp() != null;
      case Azure -> spec.getAzure() != null;
    };
  }

  private <S extends CloudIdentityStatus> S narrow(CloudIdentityStatus block, Class<S> type) {
    if (block == null || type.isInstance(block)) {
      return type.cast(block);
    }
    throw new IllegalArgumentException(
        this + " status block expected, got " + block.getClass().getSimpleName());
  }
}
