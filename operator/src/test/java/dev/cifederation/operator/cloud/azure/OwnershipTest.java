package dev.cifederation.operator.cloud.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.cloud.azure.Ownership.Verdict;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OwnershipTest {

  private static final Ownership OURS = new Ownership("team-a/deploy", "prod-cluster");
  private static final String PRINCIPAL = "6d3c1f1e-5b8a-4c61-9d1e-1c3f1f0b6a11";

  @Test
  void tagNamesAreLegalInAzure() {
    // Azure rejects <, >, %, &, \, ? and / in tag names
    assertThat(OURS.tags().keySet())
        .allSatisfy(name -> assertThat(name).doesNotContainPattern("[<>%&\\\\?/]"));
    assertThat(OURS.tags())
        .containsEntry("cifederation.dev_owner", "team-a/deploy")
        .containsEntry("cifederation.dev_cluster", "prod-cluster");
  }

  @Test
  void bothTagsMakeItOurs() {
    assertThat(OURS.judge(OURS.tags(), PRINCIPAL, null)).isEqualTo(Verdict.OWNED);
    assertThat(
            OURS.judge(
                Map.of(
                    "CIFEDERATION.DEV_OWNER",
                    "team-a/deploy",
                    "cifederation.dev_Cluster",
                    "prod-cluster"),
                PRINCIPAL,
                null))
        .as("tag names are case-insensitive")
        .isEqualTo(Verdict.OWNED);
  }

  @Test
  void anotherOwnerOrClusterIsForeignEvenWithOurPrincipalRecorded() {
    assertThat(
            OURS.judge(
                Map.of(Ownership.OWNER_TAG, "team-b/deploy", Ownership.CLUSTER_TAG, "prod-cluster"),
                PRINCIPAL,
                PRINCIPAL))
        .isEqualTo(Verdict.FOREIGN);
    assertThat(
            OURS.judge(
                Map.of(Ownership.OWNER_TAG, "team-a/deploy", Ownership.CLUSTER_TAG, "staging"),
                PRINCIPAL,
                null))
        .isEqualTo(Verdict.FOREIGN);
  }

  @Test
  void untaggedIsForeignUnlessItIsThePrincipalThisResourceRecorded() {
    assertThat(OURS.judge(Map.of(), PRINCIPAL, null)).isEqualTo(Verdict.FOREIGN);
    assertThat(OURS.judge(Map.of("env", "prod"), PRINCIPAL, "11111111-5b8a-4c61-9d1e-1c3f1f0b6a11"))
        .isEqualTo(Verdict.FOREIGN);
    assertThat(OURS.judge(Map.of(), PRINCIPAL, PRINCIPAL.toUpperCase()))
        .isEqualTo(Verdict.OWNED_TAGS_DRIFTED);
    assertThat(OURS.judge(Map.of(Ownership.OWNER_TAG, "team-a/deploy"), PRINCIPAL, null))
        .as("our owner tag with the cluster tag removed")
        .isEqualTo(Verdict.OWNED_TAGS_DRIFTED);
  }

  @Test
  void tagEditsKeepEveryoneElsesTags() {
    Map<String, String> live = Map.of("env", "prod", "CIFEDERATION.DEV_OWNER", "stale");
    assertThat(OURS.withOwnership(live))
        .containsEntry("env", "prod")
        .containsEntry(Ownership.OWNER_TAG, "team-a/deploy")
        .containsEntry(Ownership.CLUSTER_TAG, "prod-cluster")
        .hasSize(3);
    assertThat(Ownership.withoutOwnership(OURS.withOwnership(live)))
        .containsExactly(Map.entry("env", "prod"));
  }

  @Test
  void ownerValuesLongerThanAzureAllowsAreShortenedAndStayDistinct() {
    String longName = "n".repeat(253);
    Ownership a = new Ownership("namespace-a/" + longName, "c");
    Ownership b = new Ownership("namespace-b/" + longName, "c");
    assertThat(a.owner()).hasSize(Ownership.TAG_VALUE_MAX);
    assertThat(a.owner()).isNotEqualTo(b.owner());
    assertThat(new Ownership("namespace-a/" + longName, "c").owner()).isEqualTo(a.owner());
  }
}
