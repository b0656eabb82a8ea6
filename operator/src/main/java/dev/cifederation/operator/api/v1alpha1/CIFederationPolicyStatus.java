package dev.cifederation.operator.api.v1alpha1;

/** Status of a policy: observedGeneration and conditions. */
public class CIFederationPolicyStatus extends ConditionedStatus {}
