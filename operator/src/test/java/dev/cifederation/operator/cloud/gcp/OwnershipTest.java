package dev.cifederation.operator.cloud.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.cloud.gcp.Ownership.Verdict;
import org.junit.jupiter.api.Test;

class OwnershipTest {

  @Test
  void providerMarksNameTheOwnerAndTheCluster() {
    String description = Ownership.providerDescription("team-a/deploy", "prod");

    assertThat(description)
        .isEqualTo("cifederation.dev/owner=team-a/deploy cifederation.dev/cluster=prod");
    assertThat(Ownership.provider(description, "team-a/deploy", "prod")).isEqualTo(Verdict.OURS);
    assertThat(Ownership.provider(description, "team-a/other", "prod"))
        .isEqualTo(Verdict.OTHER_OWNER);
    assertThat(Ownership.provider(description, "team-a/deploy", "staging"))
        .isEqualTo(Verdict.OTHER_CLUSTER);
  }

  @Test
  void missingOrForeignDescriptionsAreUnmarked() {
    assertThat(Ownership.provider(null, "team-a/deploy", "prod")).isEqualTo(Verdict.UNMARKED);
    assertThat(Ownership.provider("", "team-a/deploy", "prod")).isEqualTo(Verdict.UNMARKED);
    assertThat(Ownership.provider("GitHub provider made by hand", "team-a/deploy", "prod"))
        .isEqualTo(Verdict.UNMARKED);
    assertThat(
            Ownership.provider(
                "owner=team-a/deploy cluster=prod (not our keys)", "team-a/deploy", "prod"))
        .isEqualTo(Verdict.UNMARKED);
  }

  @Test
  void aMarkInTheMiddleOfOtherTextStillCounts() {
    String description =
        "edited by alice: " + Ownership.providerDescription("team-a/deploy", "prod") + " thanks";

    assertThat(Ownership.provider(description, "team-a/deploy", "prod")).isEqualTo(Verdict.OURS);
  }

  @Test
  void longOwnersAreHashedToFitGooglesDescriptionLimit() {
    String owner = "a".repeat(63) + "/" + "b".repeat(253);

    String description = Ownership.providerDescription(owner, "prod");

    assertThat(description).hasSizeLessThanOrEqualTo(Ownership.DESCRIPTION_MAX);
    assertThat(description).startsWith("cifederation.dev/owner-sha256=");
    assertThat(Ownership.provider(description, owner, "prod")).isEqualTo(Verdict.OURS);
    assertThat(Ownership.provider(description, owner.replace('b', 'c'), "prod"))
        .isEqualTo(Verdict.OTHER_OWNER);
  }

  @Test
  void poolsCreatedByThisClustersOperatorAreRecognised() {
    String ours = Ownership.poolDescription("prod");

    assertThat(Ownership.poolCreatedByUs(ours, "prod")).isTrue();
    assertThat(Ownership.poolCreatedByUs(ours, "staging")).isFalse();
    assertThat(Ownership.poolCreatedByUs("Terraform-managed pool", "prod")).isFalse();
    assertThat(Ownership.poolCreatedByUs(null, "prod")).isFalse();
  }

  @Test
  void clusterMarksAreRecognisedWhateverTheOwner() {
    assertThat(Ownership.markedByCluster(Ownership.providerDescription("x/y", "prod"), "prod"))
        .isTrue();
    assertThat(Ownership.markedByCluster(Ownership.providerDescription("x/y", "dev"), "prod"))
        .isFalse();
    assertThat(Ownership.markedByCluster(Ownership.poolDescription("prod"), "prod")).isFalse();
  }
}
