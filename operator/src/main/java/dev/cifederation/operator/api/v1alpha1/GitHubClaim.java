package dev.cifederation.operator.api.v1alpha1;

/**
 * The claims GitHub accepts in a subject template's include_claim_keys (its OIDC reference); the
 * names are the claim names.
 */
public enum GitHubClaim {
  repo,
  context,
  ref,
  ref_type,
  environment,
  job_workflow_ref,
  workflow_ref,
  repository,
  repository_owner,
  repository_id,
  repository_owner_id,
  event_name,
  job_workflow_sha,
  workflow_sha,
  repository_visibility,
  runner_environment,
  enterprise,
  enterprise_id,
  actor,
  actor_id,
  head_ref,
  base_ref,
  workflow
}
