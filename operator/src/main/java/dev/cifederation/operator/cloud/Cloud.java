package dev.cifederation.operator.cloud;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.ConditionType;

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
    if (status == null) {
      return false;
    }
    return switch (this) {
      case AWS -> status.getAws() != null;
      case GCP -> status.getGcp() != null;
      case Azure -> status.getAzure() != null;
    };
  }

  /**
   * Carries this cloud's status block over unchanged, while its objects are still being removed.
   */
  public void carryStatus(CIFederatedIdentityStatus from, CIFederatedIdentityStatus to) {
    switch (this) {
      case AWS -> to.setAws(from.getAws());
      case GCP -> to.setGcp(from.getGcp());
      case Azure -> to.setAzure(from.getAzure());
    }
  }

  public boolean isConfigured(CIFederatedIdentitySpec spec) {
    return switch (this) {
      case AWS -> spec.getAws() != null;
      case GCP -> spec.getGcp() != null;
      case Azure -> spec.getAzure() != null;
    };
  }
}
