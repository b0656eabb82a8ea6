package dev.cifederation.operator.api.v1alpha1;

/** Severity of a finding, worst first. */
public enum Severity {
  Critical,
  High,
  Medium,
  Low
}
