package dev.cifederation.operator.api.v1alpha1;

/**
 * The CI provider family of an issuer; decides the `sub` syntax and the claim names. What each
 * dialect issues is data in the operator's dialect table (trust.Dialect), one entry per value.
 */
public enum IssuerDialect {
  GitHub,
  GitLab,
  CircleCI,
  Buildkite,
  BitbucketPipelines,
  AzureDevOps,
  HCPTerraform,
  Jenkins
}
