package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Guardrails for multi-tenant clusters: what identities in the selected namespaces may ask for, so
 * that write access to a CIFederatedIdentity does not become a way to grant oneself cloud power.
 * Cluster-scoped.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames("cifpolicy")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class CIFederationPolicy
    extends CustomResource<CIFederationPolicySpec, CIFederationPolicyStatus> {

  @Override
  protected CIFederationPolicyStatus initStatus() {
    return new CIFederationPolicyStatus();
  }

  @Override
  @JsonPropertyDescription("Which namespaces the policy governs and what their identities may use.")
  public CIFederationPolicySpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("Whether the policy is valid and in force.")
  public CIFederationPolicyStatus getStatus() {
    return super.getStatus();
  }
}
