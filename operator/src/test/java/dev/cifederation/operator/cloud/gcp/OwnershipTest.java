package dev.cifederation.operator.cloud.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.Owner.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

class OwnershipTest {

  private static final String UID = "6f1c2b1e-0d4c-4d8e-9a53-3f3b1b7f0a11";
  private static final String OTHER_UID = "0b8e7c55-31b4-4e0a-8f27-7d0f8c9e2b64";
  private static final String GITHUB = "https://token.actions.githubusercontent.com";

  @Test
  void providerMarksNameTheOwnerTheUidAndTheCluster() {
    String description = Ownership.providerDescription(new Owner("team-a/deploy", "prod", UID));

    assertThat(description)
        .isEqualTo(
            "cifederation.dev/owner=team-a/deploy cifederation.dev/uid="
                + UID
                + " cifederation.dev/cluster=prod");
    assertThat(verdict(description, "team-a/deploy", UID, "prod")).isEqualTo(Verdict.OURS);
    assertThat(verdict(description, "team-a/other", UID, "prod")).isEqualTo(Verdict.OTHER_OWNER);
    assertThat(verdict(description, "team-a/deploy", UID, "staging"))
        .isEqualTo(Verdict.OTHER_CLUSTER);
  }

  @Test
  void aNamesakeWithAnotherUidDoesNotInherit() {
    String description = Ownership.providerDescription(new Owner("team-a/deploy", "prod", UID));

    assertThat(verdict(description, "team-a/deploy", OTHER_UID, "prod"))
        .isEqualTo(Verdict.EARLIER_NAMESAKE);
  }

  @Test
  void marksOfTheEarlierVersionWithoutUidAreLegacy() {
    String legacy = "cifederation.dev/owner=team-a/deploy cifederation.dev/cluster=prod";

    assertThat(recordedVerdict(legacy, "team-a/deploy", UID, "prod")).isEqualTo(Verdict.LEGACY);
    assertThat(verdict(legacy, "team-a/deploy", UID, "prod"))
        .as("not recorded: maybe an earlier namesake's")
        .isEqualTo(Verdict.EARLIER_NAMESAKE);
    assertThat(verdict(legacy, "team-a/deploy", UID, "staging"))
        .as("another cluster's legacy marks stay another cluster's")
        .isEqualTo(Verdict.OTHER_CLUSTER);
  }

  @Test
  void missingOrForeignDescriptionsAreUnmarked() {
    assertThat(verdict(null, "team-a/deploy", UID, "prod")).isEqualTo(Verdict.UNMARKED);
    assertThat(verdict("", "team-a/deploy", UID, "prod")).isEqualTo(Verdict.UNMARKED);
    assertThat(verdict("GitHub provider made by hand", "team-a/deploy", UID, "prod"))
        .isEqualTo(Verdict.UNMARKED);
    assertThat(
            verdict(
                "owner=team-a/deploy cluster=prod (not our keys)", "team-a/deploy", UID, "prod"))
        .isEqualTo(Verdict.UNMARKED);
  }

  @Test
  void aMarkInTheMiddleOfOtherTextStillCounts() {
    String description =
        "edited by alice: "
            + Ownership.providerDescription(new Owner("team-a/deploy", "prod", UID))
            + " thanks";

    assertThat(verdict(description, "team-a/deploy", UID, "prod")).isEqualTo(Verdict.OURS);
  }

  @Test
  void longOwnersAreHashedToFitGooglesDescriptionLimitAndKeepTheUid() {
    String owner = "a".repeat(63) + "/" + "b".repeat(253);

    String description = Ownership.providerDescription(new Owner(owner, "prod", UID));

    assertThat(description).hasSizeLessThanOrEqualTo(Ownership.DESCRIPTION_MAX);
    assertThat(description).startsWith("cifederation.dev/owner-sha256=").contains(UID);
    assertThat(verdict(description, owner, UID, "prod")).isEqualTo(Verdict.OURS);
    assertThat(verdict(description, owner, OTHER_UID, "prod")).isEqualTo(Verdict.EARLIER_NAMESAKE);
    assertThat(verdict(description, owner.replace('b', 'c'), UID, "prod"))
        .isEqualTo(Verdict.OTHER_OWNER);
  }

  @Test
  void poolsCreatedByThisClustersOperatorAreRecognised() {
    String ours = Ownership.poolDescription("prod", GITHUB);

    assertThat(Ownership.poolCreatedByUs(ours, "prod")).isTrue();
    assertThat(Ownership.poolCreatedByUs(ours, "staging")).isFalse();
    assertThat(Ownership.poolCreatedByUs("Terraform-managed pool", "prod")).isFalse();
    assertThat(Ownership.poolCreatedByUs(null, "prod")).isFalse();
  }

  @Test
  void aPoolIsMarkedWithTheOneIssuerItServes() {
    String ours = Ownership.poolDescription("prod", GITHUB);

    assertThat(Ownership.poolServesOther(ours, GITHUB)).contains(false);
    assertThat(Ownership.poolServesOther(ours, "https://ghes.example.com/_services/token"))
        .contains(true);
    assertThat(Ownership.markedIssuer(ours)).isEqualTo(GITHUB);
    assertThat(Ownership.poolServesOther("Terraform-managed pool", GITHUB))
        .as("no mark: the providers decide")
        .isEmpty();
  }

  @Test
  void aLongIssuerIsMarkedByItsHashWithinTheLimit() {
    String issuer = "https://ghes.example.com/" + "x".repeat(300);

    String description = Ownership.poolDescription("prod", issuer);

    assertThat(description).hasSizeLessThanOrEqualTo(Ownership.DESCRIPTION_MAX);
    assertThat(description).contains("cifederation.dev/issuer-sha256=");
    assertThat(Ownership.poolServesOther(description, issuer)).contains(false);
    assertThat(Ownership.poolServesOther(description, GITHUB)).contains(true);
    assertThat(Ownership.poolCreatedByUs(description, "prod")).isTrue();
  }

  @Test
  void anUnmarkedPoolOfOursGetsTheIssuerMarkAppended() {
    String legacy =
        "cifederation.dev/managed-by=cifederation-operator cifederation.dev/cluster=prod";

    String marked = Ownership.withIssuer(legacy, GITHUB);

    assertThat(marked).isEqualTo(Ownership.poolDescription("prod", GITHUB));
    assertThat(Ownership.hasIssuerMark(legacy)).isFalse();
    assertThat(Ownership.hasIssuerMark(marked)).isTrue();
  }

  @Test
  void clusterMarksAreRecognisedWhateverTheOwner() {
    assertThat(
            Ownership.markedByCluster(
                Ownership.providerDescription(new Owner("x/y", "prod", UID)), "prod"))
        .isTrue();
    assertThat(
            Ownership.markedByCluster(
                Ownership.providerDescription(new Owner("x/y", "dev", UID)), "prod"))
        .isFalse();
    assertThat(Ownership.markedByCluster(Ownership.poolDescription("prod", GITHUB), "prod"))
        .isFalse();
  }

  @Test
  void adoptionGrantsArePatternsOverTheFullProviderName() {
    String name =
        "projects/123/locations/global/workloadIdentityPools/cifed-github/providers/legacy-deploy";

    assertThat(Ownership.adoptionGrant(List.of(name), name)).contains(name);
    assertThat(
            Ownership.adoptionGrant(
                List.of("projects/999/*", "projects/123/*/providers/legacy-*"), name))
        .contains("projects/123/*/providers/legacy-*");
    assertThat(Ownership.adoptionGrant(List.of("projects/123/*/providers/other-*"), name))
        .isEmpty();
    assertThat(Ownership.adoptionGrant(List.of("projects/1.3/*"), name))
        .as("a dot is a dot, not any character")
        .isEmpty();
    assertThat(Ownership.adoptionGrant(List.of(), name)).isEmpty();
  }

  @Test
  void theRecordedProviderWithItsMarksRemovedIsOursToMarkAgain() {
    assertThat(recordedVerdict("edited by hand", "team-a/deploy", UID, "prod"))
        .isEqualTo(Verdict.MARKS_DRIFTED);
    assertThat(verdict("cifederation.dev/uid=" + UID, "team-a/deploy", UID, "prod"))
        .as("our uid alone")
        .isEqualTo(Verdict.MARKS_DRIFTED);
  }

  @Test
  void aHashedOwnerReadsAsTheOwnerOnlyWhenTheHashesMatch() {
    Owner owner = new Owner("a".repeat(63) + "/" + "b".repeat(253), "prod", UID);
    String description = Ownership.providerDescription(owner);

    assertThat(Ownership.marksOf(description, owner)).isEqualTo(owner.marks());
    assertThat(Ownership.marksOf(description, new Owner("team-a/deploy", "prod", UID)).owner())
        .startsWith(Ownership.OWNER_HASH + "=");
  }

  /** The verdict on a provider the identity's status does not record. */
  private static Verdict verdict(String description, String owner, String uid, String cluster) {
    Owner me = new Owner(owner, cluster, uid);
    return me.judge(Ownership.marksOf(description, me), false);
  }

  /** The verdict on the provider the identity's status records. */
  private static Verdict recordedVerdict(
      String description, String owner, String uid, String cluster) {
    Owner me = new Owner(owner, cluster, uid);
    return me.judge(Ownership.marksOf(description, me), true);
  }
}
