package dev.cifederation.operator.api.v1alpha1;

/** The HCP Terraform run phase a workload identity token is minted for. */
public enum RunPhase {
  plan,
  apply
}
