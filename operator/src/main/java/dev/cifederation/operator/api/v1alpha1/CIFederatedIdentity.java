package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Which CI repository and subject may act in which cloud with which permissions. The operator
 * compiles the trust, creates the cloud objects and reports in status who can assume the identity.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames("cifi")
@AdditionalPrinterColumn(
    name = "Repository",
    jsonPath = ".spec.repository",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Subject",
    jsonPath = ".status.subject",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "AWS",
    jsonPath = ".status.conditions[?(@.type==\"AWSReady\")].reason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "GCP",
    jsonPath = ".status.conditions[?(@.type==\"GCPReady\")].reason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Azure",
    jsonPath = ".status.conditions[?(@.type==\"AzureReady\")].reason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Trust",
    jsonPath = ".status.conditions[?(@.type==\"TrustActive\")].reason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class CIFederatedIdentity
    extends CustomResource<CIFederatedIdentitySpec, CIFederatedIdentityStatus>
    implements Namespaced {

  @Override
  protected CIFederatedIdentityStatus initStatus() {
    return new CIFederatedIdentityStatus();
  }

  @Override
  @JsonPropertyDescription(
      "What the identity trusts and grants: issuer, repository, one subject selector and a block per cloud.")
  public CIFederatedIdentitySpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "What the operator observed and did: the exact subject, who can assume it, per-cloud objects, findings and conditions.")
  public CIFederatedIdentityStatus getStatus() {
    return super.getStatus();
  }
}
