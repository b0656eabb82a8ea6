package dev.cifederation.operator.api.v1alpha1;

/** The CI provider family of an issuer; decides the `sub` syntax and the claim names. */
public enum IssuerDialect {
  GitHub,
  GitLab
}
