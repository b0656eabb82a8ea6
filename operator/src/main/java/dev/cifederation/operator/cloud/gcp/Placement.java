package dev.cifederation.operator.cloud.gcp;

import dev.cifederation.operator.api.v1alpha1.GcpIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.GcpIdentityStatus;
import dev.cifederation.operator.trust.CloudNames;
import dev.cifederation.operator.trust.GcpTrust;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an identity's GCP objects are: the pool, the provider in it, and the member on a service
 * account. Comes from the compiled trust (what should be), from the last status (what the operator
 * made, so a change of pool, subject or service account can release the old objects), or from the
 * spec alone (cleanup when the issuer is gone and nothing was recorded).
 *
 * @param principal null when unknown
 * @param serviceAccount null when unknown
 */
record Placement(
    String projectNumber,
    String poolId,
    String providerId,
    String principal,
    String serviceAccount) {

  private static final Pattern PROVIDER_NAME =
      Pattern.compile(
          "projects/([0-9]+)/locations/global/workloadIdentityPools/([^/]+)/providers/([^/]+)");

  static Placement of(GcpTrust trust) {
    return new Placement(
        trust.projectNumber(),
        trust.poolId(),
        trust.providerId(),
        trust.principal(),
        trust.serviceAccount());
  }

  /** What the last status recorded, if it names a provider. */
  static Optional<Placement> fromStatus(GcpIdentityStatus status) {
    if (status == null || status.getProviderName() == null) {
      return Optional.empty();
    }
    Matcher m = PROVIDER_NAME.matcher(status.getProviderName());
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(
        new Placement(
            m.group(1), m.group(2), m.group(3), status.getPrincipal(), status.getServiceAccount()));
  }

  /** The derived provider of an identity, without its principal (which needs the issuer). */
  static Placement fromSpec(String namespace, String name, String issuerRef, GcpIdentitySpec spec) {
    String poolId =
        spec.getPoolId() == null || spec.getPoolId().isBlank()
            ? CloudNames.gcpPoolId(issuerRef)
            : spec.getPoolId();
    return new Placement(
        spec.getProjectNumber(),
        poolId,
        spec.getProviderId() == null || spec.getProviderId().isBlank()
            ? CloudNames.gcpProviderId(namespace, name)
            : spec.getProviderId(),
        null,
        spec.getServiceAccount());
  }

  String parent() {
    return "projects/" + projectNumber + "/locations/global";
  }

  String poolName() {
    return parent() + "/workloadIdentityPools/" + poolId;
  }

  String providerName() {
    return poolName() + "/providers/" + providerId;
  }

  /** {@code projects/-/serviceAccounts/EMAIL}: IAM finds the project from the email. */
  String serviceAccountResource() {
    return serviceAccountResource(serviceAccount);
  }

  static String serviceAccountResource(String email) {
    return "projects/-/serviceAccounts/" + email;
  }
}
