package dev.cifederation.operator.trust;

import dev.cifederation.operator.api.v1alpha1.SubjectMigrationPhase;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What one {@code CIFederatedIdentity} compiles to: the exact subject and, for every cloud block in
 * the spec, that cloud's desired trust configuration.
 *
 * @param subject the exact {@code sub} claim; for a pattern, the AWS {@code StringLike} value
 * @param subjectIsPattern true only for a branch or tag selector with a trailing {@code *}
 * @param whoCanAssume for people, e.g. {@code my-org/my-app, environment production (GitHub
 *     Actions)}
 * @param aws null when the spec has no aws block
 * @param gcp null when the spec has no gcp block
 * @param azure null when the spec has no azure block
 * @param alternativeSubjects further exact subjects admitted too: during a subject migration, the
 *     name-based subject the repository is moving away from
 * @param migrationPhase the phase of the spec's subject migration, or null without one
 */
public record CompiledTrust(
    String subject,
    boolean subjectIsPattern,
    String whoCanAssume,
    AwsTrust aws,
    GcpTrust gcp,
    AzureTrust azure,
    List<String> alternativeSubjects,
    SubjectMigrationPhase migrationPhase) {

  public CompiledTrust {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(whoCanAssume, "whoCanAssume");
    alternativeSubjects =
        alternativeSubjects == null ? List.of() : List.copyOf(alternativeSubjects);
  }

  public CompiledTrust(
      String subject,
      boolean subjectIsPattern,
      String whoCanAssume,
      AwsTrust aws,
      GcpTrust gcp,
      AzureTrust azure) {
    this(subject, subjectIsPattern, whoCanAssume, aws, gcp, azure, List.of(), null);
  }

  /**
   * Each configured cloud's trust in the shape its adapter reads it live (AWS, GCP, Azure order),
   * so the evaluator and "who can assume this" judge the spec and the clouds with the same code.
   */
  public List<LiveTrust> liveTrusts() {
    List<LiveTrust> live = new ArrayList<>();
    if (aws != null) {
      live.add(aws.asLive());
    }
    if (gcp != null) {
      live.add(gcp.asLive());
    }
    if (azure != null) {
      live.add(azure.asLive());
    }
    return live;
  }
}
