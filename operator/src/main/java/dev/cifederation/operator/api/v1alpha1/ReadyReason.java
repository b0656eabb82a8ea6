package dev.cifederation.operator.api.v1alpha1;

/**
 * Reasons of the {@link ConditionType#Ready} condition of a CIFederatedIdentity (a CIIssuer has
 * {@link IssuerReadyReason}).
 */
public enum ReadyReason implements Reason {
  /** Every configured cloud is in sync. */
  Ready,
  /** The referenced CIIssuer does not exist. */
  IssuerNotFound,
  /**
   * The spec cannot be compiled into trust (e.g. a selector the issuer's dialect cannot express).
   */
  InvalidSpec,
  /** A cloud is not in sync yet or failed; the cloud's own condition says why. */
  CloudNotReady,
  /**
   * A CIFederationPolicy (or the operator's default) forbids the spec; no cloud is called until it
   * complies. PolicyCompliant says which rule.
   */
  PolicyViolation,
  /** spec.suspend or a CIFederationPolicy's spec.suspend: trust withdrawn, objects kept. */
  Suspended,
  /**
   * The identity no longer complies with policy: what it was granted is withdrawn in place, objects
   * kept.
   */
  Revoked,
  /** A cloud is configured whose support is not implemented yet. */
  NotImplemented
}
