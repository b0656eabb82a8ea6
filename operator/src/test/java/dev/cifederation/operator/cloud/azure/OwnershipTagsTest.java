package dev.cifederation.operator.cloud.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.cloud.CloudFailure;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.Owner.Verdict;
import dev.cifederation.operator.cloud.azure.ArmClient.LiveIdentity;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Azure's ownership tags, read into the shared {@link Owner} rule. */
class OwnershipTagsTest {

  private static final String UID = "0c5e2a8e-1d7f-4a8e-9a55-6f1d2c3b4a01";
  private static final String EARLIER_UID = "7f00aa11-2b3c-4d5e-8f90-123456789abc";
  private static final Owner OURS =
      OwnershipTags.ownerOf(request("team-a", "deploy", UID), "prod-cluster");
  private static final String PRINCIPAL = "6d3c1f1e-5b8a-4c61-9d1e-1c3f1f0b6a11";
  private static final String OTHER_PRINCIPAL = "11111111-5b8a-4c61-9d1e-1c3f1f0b6a11";

  @Test
  void tagNamesAreLegalInAzure() {
    // Azure rejects <, >, %, &, \, ? and / in tag names
    assertThat(OwnershipTags.tags(OURS).keySet())
        .allSatisfy(name -> assertThat(name).doesNotContainPattern("[<>%&\\\\?/]"));
    assertThat(OwnershipTags.tags(OURS))
        .containsEntry("cifederation.dev_owner", "team-a/deploy")
        .containsEntry("cifederation.dev_cluster", "prod-cluster")
        .containsEntry("cifederation.dev_uid", UID)
        .hasSize(3);
  }

  @Test
  void aResourceWithoutUidCannotMarkItsObjects() {
    assertThatThrownBy(() -> OwnershipTags.ownerOf(request("team-a", "deploy", null), "c"))
        .isInstanceOfSatisfying(
            CloudFailure.class,
            f -> {
              assertThat(f.reason()).isEqualTo(CloudReason.InvalidSpec);
              assertThat(f.getMessage()).contains("metadata.uid");
            });
  }

  @Test
  void allThreeTagsMakeItOurs() {
    assertThat(judge(OwnershipTags.tags(OURS), null)).isEqualTo(Verdict.OURS);
    assertThat(
            judge(
                Map.of(
                    "CIFEDERATION.DEV_OWNER",
                    "team-a/deploy",
                    "cifederation.dev_Cluster",
                    "prod-cluster",
                    "Cifederation.Dev_Uid",
                    UID),
                null))
        .as("tag names are case-insensitive")
        .isEqualTo(Verdict.OURS);
  }

  @Test
  void anotherOwnerOrClusterIsNeverOursEvenWithOurPrincipalRecorded() {
    assertThat(judge(tags("team-b/deploy", "prod-cluster", UID), PRINCIPAL))
        .isEqualTo(Verdict.OTHER_OWNER);
    assertThat(judge(tags("team-a/deploy", "staging", UID), PRINCIPAL))
        .as("same namespace/name and even UID, but another cluster's operator")
        .isEqualTo(Verdict.OTHER_CLUSTER);
  }

  @Test
  void aNamesakeMadeForAnEarlierObjectIsNotInherited() {
    assertThat(judge(tags("team-a/deploy", "prod-cluster", EARLIER_UID), PRINCIPAL))
        .as("another UID wins over a recorded principal")
        .isEqualTo(Verdict.EARLIER_NAMESAKE);
    assertThat(judge(tags("team-a/deploy", "prod-cluster", null), null))
        .as("a legacy object this resource never recorded")
        .isEqualTo(Verdict.EARLIER_NAMESAKE);
    assertThat(judge(tags("team-a/deploy", "prod-cluster", null), OTHER_PRINCIPAL))
        .isEqualTo(Verdict.EARLIER_NAMESAKE);
    assertThat(judge(Map.of(OwnershipTags.OWNER_TAG, "team-a/deploy"), null))
        .as("our owner tag alone proves nothing")
        .isEqualTo(Verdict.EARLIER_NAMESAKE);
  }

  @Test
  void aLegacyObjectIsOursOnlyWhenThisResourceRecordedItsPrincipal() {
    assertThat(judge(tags("team-a/deploy", "prod-cluster", null), PRINCIPAL.toUpperCase()))
        .as("principal IDs compare case-insensitively")
        .isEqualTo(Verdict.LEGACY);
  }

  @Test
  void untaggedIsUnmarkedUnlessItIsThePrincipalThisResourceRecorded() {
    assertThat(judge(Map.of(), null)).isEqualTo(Verdict.UNMARKED);
    assertThat(judge(Map.of("env", "prod"), OTHER_PRINCIPAL)).isEqualTo(Verdict.UNMARKED);
    assertThat(judge(Map.of(OwnershipTags.OWNER_TAG, "", OwnershipTags.CLUSTER_TAG, ""), null))
        .as("emptied tags are no tags")
        .isEqualTo(Verdict.UNMARKED);
    assertThat(judge(Map.of(), PRINCIPAL.toUpperCase())).isEqualTo(Verdict.MARKS_DRIFTED);
    assertThat(judge(Map.of(OwnershipTags.UID_TAG, UID), null))
        .as("our UID with the other tags removed")
        .isEqualTo(Verdict.MARKS_DRIFTED);
  }

  @Test
  void tagEditsKeepEveryoneElsesTags() {
    Map<String, String> live =
        Map.of("env", "prod", "CIFEDERATION.DEV_OWNER", "stale", "cifederation.dev_UID", "x");
    assertThat(OwnershipTags.withOwnership(live, OURS))
        .containsEntry("env", "prod")
        .containsEntry(OwnershipTags.OWNER_TAG, "team-a/deploy")
        .containsEntry(OwnershipTags.CLUSTER_TAG, "prod-cluster")
        .containsEntry(OwnershipTags.UID_TAG, UID)
        .hasSize(4);
    assertThat(OwnershipTags.withoutOwnership(OwnershipTags.withOwnership(live, OURS)))
        .containsExactly(Map.entry("env", "prod"));
  }

  @Test
  void ownerValuesLongerThanAzureAllowsAreShortenedAndStayDistinct() {
    String longName = "n".repeat(253);
    Owner a = OwnershipTags.ownerOf(request("namespace-a", longName, UID), "c");
    Owner b = OwnershipTags.ownerOf(request("namespace-b", longName, UID), "c");
    assertThat(a.owner()).hasSize(OwnershipTags.TAG_VALUE_MAX);
    assertThat(a.owner()).isNotEqualTo(b.owner());
    assertThat(OwnershipTags.ownerOf(request("namespace-a", longName, UID), "c").owner())
        .isEqualTo(a.owner());
    assertThat(a.judge(OwnershipTags.marks(OwnershipTags.tags(a)), false))
        .as("the shortened marks Azure stores are read back as ours")
        .isEqualTo(Verdict.OURS);
    assertThat(b.judge(OwnershipTags.marks(OwnershipTags.tags(a)), true))
        .isEqualTo(Verdict.OTHER_OWNER);
  }

  @Test
  void adoptionIsGrantedByPatternOverTheWholeResourceId() {
    String id =
        "/subscriptions/0000/resourcegroups/my-rg/providers/"
            + "Microsoft.ManagedIdentity/userAssignedIdentities/legacy-deploy";
    assertThat(
            OwnershipTags.grantedAdoption(
                List.of(
                    "/subscriptions/0000/resourceGroups/other-rg/*",
                    "/subscriptions/0000/resourceGroups/my-rg/providers/"
                        + "Microsoft.ManagedIdentity/userAssignedIdentities/legacy-*"),
                id))
        .as("ARM IDs compare case-insensitively; '*' matches a run of characters")
        .hasValueSatisfying(p -> assertThat(p).contains("legacy-*"));
    assertThat(OwnershipTags.grantedAdoption(List.of("/subscriptions/0000/*"), id)).isPresent();
    assertThat(OwnershipTags.grantedAdoption(List.of("/subscriptions/0000"), id))
        .as("a pattern without '*' is the whole ID, not a prefix")
        .isEmpty();
    assertThat(OwnershipTags.grantedAdoption(List.of("/subscriptions/0000/*/legacy-deploy.x"), id))
        .as("'.' is literal")
        .isEmpty();
    assertThat(OwnershipTags.grantedAdoption(List.of(), id)).isEmpty();
  }

  private static Verdict judge(Map<String, String> tags, String recordedPrincipalId) {
    LiveIdentity identity =
        new LiveIdentity("id", "deploy", "eastus", tags, "client", PRINCIPAL, "tenant");
    return OwnershipTags.judge(OURS, identity, recordedPrincipalId);
  }

  private static Map<String, String> tags(String owner, String cluster, String uid) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(OwnershipTags.OWNER_TAG, owner);
    tags.put(OwnershipTags.CLUSTER_TAG, cluster);
    if (uid != null) {
      tags.put(OwnershipTags.UID_TAG, uid);
    }
    return tags;
  }

  static CloudRequest request(String namespace, String name, String uid) {
    CIFederatedIdentity identity =
        Serialization.unmarshal(
            """
            apiVersion: cifederation.dev/v1alpha1
            kind: CIFederatedIdentity
            metadata: {name: x, namespace: y}
            spec: {issuerRef: github, repository: my-org/my-app}
            """,
            CIFederatedIdentity.class);
    identity.getMetadata().setNamespace(namespace);
    identity.getMetadata().setName(name);
    identity.getMetadata().setUid(uid);
    return new CloudRequest(identity, null);
  }
}
