package dev.cifederation.operator.api.v1alpha1;

/** Whether the operator writes to the clouds. */
public enum ManagementPolicy {
  /** Create and drift-correct. */
  Enforce,
  /** Never write; report drift and findings only. */
  Observe
}
