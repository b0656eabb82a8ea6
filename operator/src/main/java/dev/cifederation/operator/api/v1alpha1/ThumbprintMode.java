package dev.cifederation.operator.api.v1alpha1;

/** How the operator manages the thumbprints of an issuer's AWS OIDC providers. */
public enum ThumbprintMode {
  Track,
  Pinned,
  Off
}
