package dev.cifederation.operator.api.v1alpha1;

/** Reasons of the {@link ConditionType#TrustActive} condition. */
public enum TrustActiveReason implements Reason {
  /** The clouds trust the subject as the spec says. */
  Active,
  /** spec.suspend of the identity, or spec.suspend of a CIFederationPolicy selecting it. */
  Suspended,
  /** The identity stopped complying with policy; what it was granted is withdrawn in place. */
  Revoked
}
