package dev.cifederation.operator.api.v1alpha1;

/** Reasons of the {@link ConditionType#ThumbprintsCurrent} condition of a CIIssuer. */
public enum ThumbprintsReason implements Reason {
  /** Every AWS provider of the issuer lists the live thumbprints (or the pinned ones). */
  Current,
  /** AWS validates this issuer with its own CA library and nothing is pinned. */
  NotRequired,
  /** A provider lacks a live thumbprint and the operator does not (or could not yet) add it. */
  Outdated,
  /** The live chain presents a thumbprint that spec.thumbprints.pinned does not list. */
  PinnedMismatch,
  /** The issuer could not be checked; the providers are left as they are (fail closed). */
  NotChecked,
  /** AWS refused or failed a read or a write of a provider; retried. */
  AwsError
}
