package dev.cifederation.operator.trust;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The desired GCP side of an identity: an OIDC provider in the (shared) workload identity pool and
 * the {@code roles/iam.workloadIdentityUser} member on the service account.
 *
 * @param providerName {@code
 *     projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/ID}
 * @param issuerUri the issuer URL
 * @param allowedAudiences empty means the provider's default audience (its own resource URL)
 * @param attributeCondition a CEL expression pinning repository and subject; GCP rejects GitHub and
 *     GitLab providers without one
 * @param principal the member to bind on the service account
 * @param audience what the workflow's auth action must send: the override, or {@code
 *     https://iam.googleapis.com/} + providerName
 */
public record GcpTrust(
    String projectId,
    String projectNumber,
    String poolId,
    String providerId,
    String providerName,
    String issuerUri,
    List<String> allowedAudiences,
    SortedMap<String, String> attributeMapping,
    String attributeCondition,
    String principal,
    String audience,
    String serviceAccount) {

  public GcpTrust {
    allowedAudiences = List.copyOf(allowedAudiences);
    attributeMapping =
        Collections.unmodifiableSortedMap(
            new TreeMap<>(Objects.requireNonNull(attributeMapping, "attributeMapping")));
  }

  /** This trust in the shape the GCP adapter reads it: the provider and the one bound member. */
  public LiveTrust.Gcp asLive() {
    return new LiveTrust.Gcp(
        providerName,
        issuerUri,
        allowedAudiences,
        attributeMapping,
        attributeCondition,
        List.of(principal));
  }
}
