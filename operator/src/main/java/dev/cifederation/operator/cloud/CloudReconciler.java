package dev.cifederation.operator.cloud;

/**
 * The port between the identity reconciler and one cloud's adapter. An adapter brings the cloud to
 * the desired state compiled from the spec (or, with managementPolicy Observe, only compares), and
 * turns every cloud error into a typed {@link CloudOutcome}: it never lets an SDK exception reach
 * the reconciler.
 */
public interface CloudReconciler {

  Cloud cloud();

  /** Create, drift-correct or observe the cloud objects of one identity. */
  CloudOutcome reconcile(CloudRequest request);

  /**
   * Remove (deletionPolicy Delete) or release (Orphan) what the operator created for the identity.
   * Returns an outcome whose {@link CloudOutcome#done()} is false while something is left to do or
   * the cloud failed (the finalizer stays).
   */
  CloudOutcome cleanup(CloudRequest request);

  /**
   * Starts reading the adapter's scopes on a schedule, once per resync interval ({@link
   * ScopeScans}); an identity whose objects a scan finds changed goes to {@code listener} at once.
   * Without it, passes still read each scope once and then only when the adapter invalidates it.
   */
  default void scanScopes(ScopeScans.DriftListener listener) {}
}
