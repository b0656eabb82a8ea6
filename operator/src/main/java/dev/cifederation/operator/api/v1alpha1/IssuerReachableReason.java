package dev.cifederation.operator.api.v1alpha1;

/** Reasons of the {@link ConditionType#IssuerReachable} condition of a CIIssuer. */
public enum IssuerReachableReason implements Reason {
  /** Discovery and JWKS were fetched over trusted TLS and the document names this issuer. */
  Reachable,
  /** spec.caBundle (or CIFED_EXTRA_CA_FILE) holds no parseable PEM certificate. */
  InvalidCaBundle,
  /** The host could not be resolved or refused or dropped the connection. */
  ConnectionFailed,
  /** No complete answer within the check's one deadline (discovery and JWKS together). */
  Timeout,
  /** Discovery or JWKS (or their headers) exceeded the size cap; the fetch stopped there. */
  TooLarge,
  /**
   * The host resolves to an address issuers may not use: link-local or metadata, unspecified,
   * multicast, and without CIFED_ISSUER_ALLOW_PRIVATE=true loopback or private.
   */
  AddressNotAllowed,
  /** Discovery or JWKS answered with a redirect, which is never followed. */
  Redirected,
  /** The TLS chain is not trusted by the anchors, or does not name the host. */
  UntrustedCertificate,
  /** Discovery or JWKS answered with an HTTP status other than 200. */
  HttpError,
  /**
   * The discovery document or the JWKS is not what OIDC prescribes (JSON, https jwks_uri, keys).
   */
  InvalidDocument,
  /** The discovery document's issuer is not spec.url. */
  IssuerMismatch
}
