package dev.cifederation.operator.api.v1alpha1;

/** What happens to the cloud objects when the resource is deleted. */
public enum DeletionPolicy {
  /** Remove what the operator created. */
  Delete,
  /** Leave the cloud objects and remove the ownership tags, so another owner can adopt them. */
  Orphan
}
