package dev.cifederation.operator.api.v1alpha1;

/** Condition types the operator writes. */
public enum ConditionType {
  /** Summary of the others; what kubectl, Argo CD and users wait on. */
  Ready,
  AWSReady,
  GCPReady,
  AzureReady,
  /** No unsafe trust condition in the spec or the live clouds. */
  TrustHealthy,
  /**
   * Whether the clouds trust the subject: False with reason Suspended or Revoked while the trust is
   * withdrawn in place.
   */
  TrustActive,
  /** The identity satisfies the CIFederationPolicy that selects its namespace. */
  PolicyCompliant,
  /** The issuer's discovery document and JWKS are reachable over trusted TLS. */
  IssuerReachable,
  /** The AWS providers' thumbprints match the issuer's live TLS chains. */
  ThumbprintsCurrent
}
