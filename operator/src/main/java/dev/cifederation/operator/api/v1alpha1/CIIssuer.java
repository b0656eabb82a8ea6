package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A CI provider's OIDC issuer (GitHub Actions, GitLab CI) that identities trust. Cluster-scoped.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames("ciissuer")
@AdditionalPrinterColumn(
    name = "URL",
    jsonPath = ".spec.url",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Dialect",
    jsonPath = ".spec.dialect",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Thumbprints",
    jsonPath = ".status.conditions[?(@.type==\"ThumbprintsCurrent\")].reason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class CIIssuer extends CustomResource<CIIssuerSpec, CIIssuerStatus> {

  @Override
  protected CIIssuerStatus initStatus() {
    return new CIIssuerStatus();
  }

  @Override
  @JsonPropertyDescription(
      "The issuer URL, its dialect, audience overrides and how AWS thumbprints are managed.")
  public CIIssuerSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "Discovery and TLS health of the issuer, its thumbprints and its AWS OIDC providers.")
  public CIIssuerStatus getStatus() {
    return super.getStatus();
  }
}
