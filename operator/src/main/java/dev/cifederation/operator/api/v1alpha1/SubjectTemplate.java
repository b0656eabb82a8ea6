package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** The GitHub OIDC subject template in force: which claims GitHub puts in the sub, and how. */
public class SubjectTemplate {

  @Size(min = 1, max = 16)
  @JsonPropertyDescription(
      "GitHub's include_claim_keys as set with PUT /repos/{owner}/{repo}/actions/oidc/customization/sub"
          + " (or the organisation's); absent means GitHub's default template"
          + " (repo:...:environment:... / :ref:... / :pull_request).")
  private List<GitHubClaim> includeClaimKeys;

  @JsonPropertyDescription(
      "Names (repo:owner/name) or ImmutableIds (repo:owner@ID/name@ID, GitHub's default for repositories"
          + " created or renamed on or after 2026-07-15). Default: ImmutableIds when the identity sets"
          + " repositoryId and ownerId, otherwise Names.")
  private SubjectFormat format;

  public List<GitHubClaim> getIncludeClaimKeys() {
    return includeClaimKeys;
  }

  public void setIncludeClaimKeys(List<GitHubClaim> includeClaimKeys) {
    this.includeClaimKeys = includeClaimKeys;
  }

  public SubjectFormat getFormat() {
    return format;
  }

  public void setFormat(SubjectFormat format) {
    this.format = format;
  }
}
