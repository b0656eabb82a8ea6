package dev.cifederation.operator.cloud.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cifederation.operator.cloud.azure.Ownership.Verdict;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OwnershipTest {

  private static final String UID = "0c5e2a8e-1d7f-4a8e-9a55-6f1d2c3b4a01";
  private static final String EARLIER_UID = "7f00aa11-2b3c-4d5e-8f90-123456789abc";
  private static final Ownership OURS = new Ownership("team-a/deploy", "prod-cluster", UID);
  private static final String PRINCIPAL = "6d3c1f1e-5b8a-4c61-9d1e-1c3f1f0b6a11";
  private static final String OTHER_PRINCIPAL = "11111111-5b8a-4c61-9d1e-1c3f1f0b6a11";

  @Test
  void tagNamesAreLegalInAzure() {
    // Azure rejects <, >, %, &, \, ? and / in tag names
    assertThat(OURS.tags().keySet())
        .allSatisfy(name -> assertThat(name).doesNotContainPattern("[<>%&\\\\?/]"));
    assertThat(OURS.tags())
        .containsEntry("cifederation.dev_owner", "team-a/deploy")
        .containsEntry("cifederation.dev_cluster", "prod-cluster")
        .containsEntry("cifederation.dev_uid", UID)
        .hasSize(3);
  }

  @Test
  void anOwnerWithoutUidIsRefused() {
    assertThatThrownBy(() -> new Ownership("team-a/deploy", "prod-cluster", " "))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void allThreeTagsMakeItOurs() {
    assertThat(OURS.judge(OURS.tags(), PRINCIPAL, null)).isEqualTo(Verdict.OWNED);
    assertThat(
            OURS.judge(
                Map.of(
                    "CIFEDERATION.DEV_OWNER",
                    "team-a/deploy",
                    "cifederation.dev_Cluster",
                    "prod-cluster",
                    "Cifederation.Dev_Uid",
                    UID),
                PRINCIPAL,
                null))
        .as("tag names are case-insensitive")
        .isEqualTo(Verdict.OWNED);
  }

  @Test
  void anotherOwnerOrClusterIsNeverOursEvenWithOurPrincipalRecorded() {
    assertThat(OURS.judge(tags("team-b/deploy", "prod-cluster", UID), PRINCIPAL, PRINCIPAL))
        .isEqualTo(Verdict.OTHER_OWNER);
    assertThat(OURS.judge(tags("team-a/deploy", "staging", UID), PRINCIPAL, PRINCIPAL))
        .as("same namespace/name and even UID, but another cluster's operator")
        .isEqualTo(Verdict.OTHER_CLUSTER);
    assertThat(Verdict.OTHER_OWNER.adoptable()).isFalse();
    assertThat(Verdict.OTHER_CLUSTER.adoptable()).isFalse();
  }

  @Test
  void aNamesakeMadeForAnEarlierObjectIsNotInherited() {
    assertThat(OURS.judge(tags("team-a/deploy", "prod-cluster", EARLIER_UID), PRINCIPAL, PRINCIPAL))
        .as("another UID wins over a recorded principal")
        .isEqualTo(Verdict.EARLIER_NAMESAKE);
    assertThat(OURS.judge(tags("team-a/deploy", "prod-cluster", null), PRINCIPAL, null))
        .as("a legacy object this resource never recorded")
        .isEqualTo(Verdict.EARLIER_NAMESAKE);
    assertThat(OURS.judge(tags("team-a/deploy", "prod-cluster", null), PRINCIPAL, OTHER_PRINCIPAL))
        .isEqualTo(Verdict.EARLIER_NAMESAKE);
    assertThat(OURS.judge(Map.of(Ownership.OWNER_TAG, "team-a/deploy"), PRINCIPAL, null))
        .as("our owner tag alone proves nothing")
        .isEqualTo(Verdict.EARLIER_NAMESAKE);
    assertThat(Verdict.EARLIER_NAMESAKE.ours()).isFalse();
    assertThat(Verdict.EARLIER_NAMESAKE.adoptable()).isTrue();
  }

  @Test
  void aLegacyObjectIsOursOnlyWhenThisResourceRecordedIt() {
    assertThat(
            OURS.judge(
                tags("team-a/deploy", "prod-cluster", null), PRINCIPAL, PRINCIPAL.toUpperCase()))
        .isEqualTo(Verdict.LEGACY);
    assertThat(Verdict.LEGACY.ours()).isTrue();
  }

  @Test
  void untaggedIsUnmarkedUnlessItIsThePrincipalThisResourceRecorded() {
    assertThat(OURS.judge(Map.of(), PRINCIPAL, null)).isEqualTo(Verdict.UNMARKED);
    assertThat(OURS.judge(Map.of("env", "prod"), PRINCIPAL, OTHER_PRINCIPAL))
        .isEqualTo(Verdict.UNMARKED);
    assertThat(
            OURS.judge(Map.of(Ownership.OWNER_TAG, "", Ownership.CLUSTER_TAG, ""), PRINCIPAL, null))
        .as("emptied tags are no tags")
        .isEqualTo(Verdict.UNMARKED);
    assertThat(OURS.judge(Map.of(), PRINCIPAL, PRINCIPAL.toUpperCase()))
        .isEqualTo(Verdict.OWNED_TAGS_DRIFTED);
    assertThat(OURS.judge(Map.of(Ownership.UID_TAG, UID), PRINCIPAL, null))
        .as("our UID with the other tags removed")
        .isEqualTo(Verdict.OWNED_TAGS_DRIFTED);
    assertThat(Verdict.UNMARKED.ours()).isFalse();
    assertThat(Verdict.UNMARKED.adoptable()).isTrue();
  }

  @Test
  void tagEditsKeepEveryoneElsesTags() {
    Map<String, String> live =
        Map.of("env", "prod", "CIFEDERATION.DEV_OWNER", "stale", "cifederation.dev_UID", "x");
    assertThat(OURS.withOwnership(live))
        .containsEntry("env", "prod")
        .containsEntry(Ownership.OWNER_TAG, "team-a/deploy")
        .containsEntry(Ownership.CLUSTER_TAG, "prod-cluster")
        .containsEntry(Ownership.UID_TAG, UID)
        .hasSize(4);
    assertThat(Ownership.withoutOwnership(OURS.withOwnership(live)))
        .containsExactly(Map.entry("env", "prod"));
  }

  @Test
  void ownerValuesLongerThanAzureAllowsAreShortenedAndStayDistinct() {
    String longName = "n".repeat(253);
    Ownership a = new Ownership("namespace-a/" + longName, "c", UID);
    Ownership b = new Ownership("namespace-b/" + longName, "c", UID);
    assertThat(a.owner()).hasSize(Ownership.TAG_VALUE_MAX);
    assertThat(a.owner()).isNotEqualTo(b.owner());
    assertThat(new Ownership("namespace-a/" + longName, "c", UID).owner()).isEqualTo(a.owner());
  }

  @Test
  void adoptionIsGrantedByPatternOverTheWholeResourceId() {
    String id =
        "/subscriptions/0000/resourcegroups/my-rg/providers/"
            + "Microsoft.ManagedIdentity/userAssignedIdentities/legacy-deploy";
    assertThat(
            Ownership.grantedAdoption(
                List.of(
                    "/subscriptions/0000/resourceGroups/other-rg/*",
                    "/subscriptions/0000/resourceGroups/my-rg/providers/"
                        + "Microsoft.ManagedIdentity/userAssignedIdentities/legacy-*"),
                id))
        .as("ARM IDs compare case-insensitively; '*' matches a run of characters")
        .hasValueSatisfying(p -> assertThat(p).contains("legacy-*"));
    assertThat(Ownership.grantedAdoption(List.of("/subscriptions/0000/*"), id)).isPresent();
    assertThat(Ownership.grantedAdoption(List.of("/subscriptions/0000"), id))
        .as("a pattern without '*' is the whole ID, not a prefix")
        .isEmpty();
    assertThat(Ownership.grantedAdoption(List.of("/subscriptions/0000/*/legacy-deploy.x"), id))
        .as("'.' is literal")
        .isEmpty();
    assertThat(Ownership.grantedAdoption(List.of(), id)).isEmpty();
  }

  private static Map<String, String> tags(String owner, String cluster, String uid) {
    Map<String, String> tags = new java.util.LinkedHashMap<>();
    tags.put(Ownership.OWNER_TAG, owner);
    tags.put(Ownership.CLUSTER_TAG, cluster);
    if (uid != null) {
      tags.put(Ownership.UID_TAG, uid);
    }
    return tags;
  }
}
