package dev.cifederation.operator.api.v1alpha1;

/** Reasons of the {@link ConditionType#Ready} condition of a CIIssuer. */
public enum IssuerReadyReason implements Reason {
  /** The issuer is reachable and its thumbprints are current (or not required). */
  Ready,
  /** Discovery or TLS failed; IssuerReachable says why. */
  IssuerUnreachable,
  /** ThumbprintsCurrent is False; it says why. */
  ThumbprintsNotCurrent
}
