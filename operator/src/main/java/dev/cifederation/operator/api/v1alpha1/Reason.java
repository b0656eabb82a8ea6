package dev.cifederation.operator.api.v1alpha1;

/**
 * A condition reason: CamelCase, from a closed set per condition type. Enums implement this so that
 * a reason is never free text or an exception class name.
 */
public interface Reason {
  /** The reason as written into the condition. */
  String name();
}
