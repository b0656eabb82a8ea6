package dev.cifederation.operator.cloud;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
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

  public boolean isConfigured(CIFederatedIdentitySpec spec) {
    return switch (this) {
      case AWS -> spec.getAws() != null;
      case GCP -> spec.getGcp() != null;
      case Azure -> spec.getAzure() != null;
    };
  }
}
