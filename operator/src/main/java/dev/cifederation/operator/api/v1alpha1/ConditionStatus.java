package dev.cifederation.operator.api.v1alpha1;

/** The status of a condition, as metav1.Condition spells it. */
public enum ConditionStatus {
  True,
  False,
  Unknown
}
