package dev.cifederation.operator.api.v1alpha1;

/** Reasons of the per-cloud conditions AWSReady, GCPReady and AzureReady. */
public enum CloudReason implements Reason {
  /** The cloud objects match the desired state. */
  Synced,
  /** The cloud objects are being created or updated. */
  Reconciling,
  /** Observe mode: the live state was read and compared, nothing written. */
  Observed,
  /** Observe mode: the live state differs from the desired state. */
  DriftDetected,
  /** An object of the same name exists that the operator does not own; it is left untouched. */
  Conflict,
  /** A referenced cloud object (account, project, role definition…) does not exist. */
  NotFound,
  /** The cloud throttled the operator; retried with backoff. */
  Throttled,
  /** The cloud rejected the request as invalid; not retried until the spec changes. */
  InvalidSpec,
  /** The operator's cloud credentials were refused. */
  Unauthorized,
  /** A transient cloud error (5xx, timeout); retried with backoff. */
  Transient,
  /** A cloud limit was reached (e.g. 20 federated credentials per Azure identity). */
  LimitExceeded,
  /** The spec could not be compiled for this cloud. */
  TrustNotCompiled,
  /**
   * The trust is withdrawn in place (suspended or revoked): the objects are kept, but the cloud
   * admits no token for them.
   */
  Revoked,
  /**
   * Refused by policy at a point only the cloud could decide (e.g. an Azure role given by GUID
   * resolves to a forbidden role, or cannot be resolved); nothing was written.
   */
  ForbiddenByPolicy,
  /** Support for this cloud is not implemented yet. */
  NotImplemented
}
