package dev.cifederation.operator.trust;

import java.util.LinkedHashMap;
import java.util.Map;

/** Token claims shaped like the ones GitHub Actions and GitLab CI mint, for evaluator tests. */
final class Tokens {

  static final String GITHUB = "https://token.actions.githubusercontent.com";
  static final String AWS_AUDIENCE = "sts.amazonaws.com";
  static final String AZURE_AUDIENCE = "api://AzureADTokenExchange";

  private Tokens() {}

  /** A deploy job of my-org/my-app in environment production, on main, pushed. */
  static Map<String, Object> production() {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", GITHUB);
    claims.put("aud", AWS_AUDIENCE);
    claims.put("sub", "repo:my-org/my-app:environment:production");
    claims.put("repository", "my-org/my-app");
    claims.put("repository_owner", "my-org");
    claims.put("repository_id", "123456789");
    claims.put("repository_owner_id", "987654");
    claims.put("ref", "refs/heads/main");
    claims.put("ref_type", "branch");
    claims.put("environment", "production");
    claims.put("event_name", "push");
    claims.put("job_workflow_ref", "my-org/my-app/.github/workflows/deploy.yml@refs/heads/main");
    return claims;
  }

  /** A pull request opened from a fork: GitHub's sub is {@code repo:OWNER/REPO:pull_request}. */
  static Map<String, Object> forkPullRequest() {
    Map<String, Object> claims = production();
    claims.put("sub", "repo:my-org/my-app:pull_request");
    claims.put("ref", "refs/pull/42/merge");
    claims.put("event_name", "pull_request");
    claims.put("head_ref", "attacker:patch-1");
    claims.remove("environment");
    claims.put("job_workflow_ref", "my-org/my-app/.github/workflows/ci.yml@refs/pull/42/merge");
    return claims;
  }

  /** A push to a side branch, no environment. */
  static Map<String, Object> sideBranch() {
    Map<String, Object> claims = production();
    claims.put("sub", "repo:my-org/my-app:ref:refs/heads/feature-x");
    claims.put("ref", "refs/heads/feature-x");
    claims.remove("environment");
    claims.put(
        "job_workflow_ref", "my-org/my-app/.github/workflows/deploy.yml@refs/heads/feature-x");
    return claims;
  }

  /** Another repository of the same organisation, production environment. */
  static Map<String, Object> otherRepository() {
    Map<String, Object> claims = production();
    claims.put("sub", "repo:my-org/other-app:environment:production");
    claims.put("repository", "my-org/other-app");
    claims.put("repository_id", "555");
    return claims;
  }

  /** A GitLab CI job of group/project on main. */
  static Map<String, Object> gitLabMain() {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", "https://gitlab.com");
    claims.put("aud", "https://gitlab.com");
    claims.put("sub", "project_path:my-group/my-project:ref_type:branch:ref:main");
    claims.put("project_path", "my-group/my-project");
    claims.put("namespace_path", "my-group");
    claims.put("ref", "main");
    claims.put("ref_type", "branch");
    claims.put("ref_protected", "true");
    claims.put("pipeline_source", "push");
    return claims;
  }

  static Map<String, Object> with(Map<String, Object> claims, String name, Object value) {
    Map<String, Object> changed = new LinkedHashMap<>(claims);
    if (value == null) {
      changed.remove(name);
    } else {
      changed.put(name, value);
    }
    return changed;
  }
}
