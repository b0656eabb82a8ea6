package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A window during which a GitHub identity admits both its name-based and its immutable-ID subject,
 * so a repository can switch to immutable subjects without a failed deploy.
 */
public class SubjectMigration {

  @Required
  @Size(max = 20)
  @ValidationRule(
      value = "self.matches('^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$')",
      message =
          "spec.subjectMigration.dropNamesAfter is an RFC 3339 UTC time, e.g. 2026-09-01T00:00:00Z")
  @JsonPropertyDescription(
      "Until this time (RFC 3339, UTC) both subjects are admitted (AWS: both values; GCP: both principals;"
          + " Azure: a second federated credential); afterwards only the immutable-ID subject. Enable"
          + " immutable subjects on the repository and run a workflow within the window.")
  private String dropNamesAfter;

  public String getDropNamesAfter() {
    return dropNamesAfter;
  }

  public void setDropNamesAfter(String dropNamesAfter) {
    this.dropNamesAfter = dropNamesAfter;
  }
}
