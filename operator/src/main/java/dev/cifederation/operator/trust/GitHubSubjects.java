package dev.cifederation.operator.trust;

import dev.cifederation.operator.api.v1alpha1.GitHubClaim;
import dev.cifederation.operator.api.v1alpha1.SubjectKind;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code sub} GitHub issues under a subject template: the claims of {@code include_claim_keys}
 * in their order, each as {@code key:value} ({@code context} contributes its value alone, which
 * already has the {@code environment:}/{@code ref:} key), joined with {@code :}. The default
 * template is {@code [repo, context]}. A claim whose value the spec does not fix makes the selector
 * inexpressible: a trust with it could never match, or would have to guess.
 */
final class GitHubSubjects {

  static final List<String> DEFAULT_KEYS = List.of("repo", "context");

  /** The claim names GitHub accepts in include_claim_keys (its OIDC reference). */
  static final List<String> CLAIM_KEYS =
      Arrays.stream(GitHubClaim.values()).map(Enum::name).toList();

  /** The claims that carry each selector's value: the template must include one of them. */
  private static final Map<SubjectKind, Set<String>> CARRIERS =
      Map.of(
          SubjectKind.environment, Set.of("context", "environment"),
          SubjectKind.branch, Set.of("context", "ref"),
          SubjectKind.tag, Set.of("context", "ref"),
          SubjectKind.workflowRef, Set.of("job_workflow_ref"),
          SubjectKind.pullRequest, Set.of("context", "event_name"));

  /** What the spec says about the repository and the run. */
  record Facts(
      String owner,
      String repo,
      String ownerId,
      String repositoryId,
      boolean immutable,
      SubjectKind kind,
      String value) {}

  private GitHubSubjects() {}

  /**
   * @param keys include_claim_keys, or null for the default template
   * @throws TrustCompilationException naming the claim the spec cannot fix
   */
  static String render(List<GitHubClaim> keys, Facts facts) throws TrustCompilationException {
    List<String> template =
        keys == null || keys.isEmpty() ? DEFAULT_KEYS : keys.stream().map(Enum::name).toList();
    String field = "spec.subject." + facts.kind().name();
    Set<String> carriers = CARRIERS.get(facts.kind());
    if (carriers == null) {
      throw new TrustCompilationException(
          field
              + " cannot be expressed for a GitHub issuer: GitHub's sub has no such claim; use"
              + " environment, branch, tag, workflowRef or pullRequest");
    }
    if (template.stream().noneMatch(carriers::contains)) {
      throw new TrustCompilationException(
          field
              + " cannot be expressed under the GitHub subject template "
              + template
              + ": no token's sub carries it without the claim "
              + String.join(" or ", carriers.stream().sorted().toList())
              + (keys == null || keys.isEmpty()
                  ? " (declare the repository's include_claim_keys in subjectTemplate on the"
                      + " CIIssuer or the identity, e.g. [repo, job_workflow_ref])"
                  : " in include_claim_keys"));
    }
    StringBuilder sub = new StringBuilder();
    for (String key : template) {
      if (!sub.isEmpty()) {
        sub.append(':');
      }
      String value = value(key, facts, template, field);
      sub.append(key.equals("context") ? value : key + ":" + value);
    }
    return sub.toString();
  }

  private static String value(String key, Facts facts, List<String> template, String field)
      throws TrustCompilationException {
    String v = facts.value();
    SubjectKind kind = facts.kind();
    String value =
        switch (key) {
          case "repo" ->
              facts.immutable()
                  ? facts.owner()
                      + "@"
                      + facts.ownerId()
                      + "/"
                      + facts.repo()
                      + "@"
                      + facts.repositoryId()
                  : facts.owner() + "/" + facts.repo();
          case "repository" -> facts.owner() + "/" + facts.repo();
          case "repository_owner" -> facts.owner();
          case "repository_id" -> facts.repositoryId();
          case "repository_owner_id" -> facts.ownerId();
          case "context" ->
              switch (kind) {
                case environment -> "environment:" + v;
                case branch -> "ref:refs/heads/" + v;
                case tag -> "ref:refs/tags/" + v;
                case pullRequest -> "pull_request";
                default -> null;
              };
          case "ref" ->
              switch (kind) {
                case branch -> "refs/heads/" + v;
                case tag -> "refs/tags/" + v;
                default -> null;
              };
          case "ref_type" ->
              switch (kind) {
                case branch -> "branch";
                case tag -> "tag";
                default -> null;
              };
          case "environment" -> kind == SubjectKind.environment ? v : null;
          case "job_workflow_ref" -> kind == SubjectKind.workflowRef ? v : null;
          case "event_name" -> kind == SubjectKind.pullRequest ? "pull_request" : null;
          default -> null;
        };
    if (value == null) {
      String need =
          switch (key) {
            case "repository_id" -> " needs spec.repositoryId";
            case "repository_owner_id" -> " needs spec.ownerId";
            default -> " is not fixed by " + field + ", so no exact subject exists";
          };
      throw new TrustCompilationException(
          field
              + " cannot be expressed under the GitHub subject template "
              + template
              + ": the claim "
              + key
              + need);
    }
    return value;
  }
}
