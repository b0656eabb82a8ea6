package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.Owner.Verdict;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** AWS's storage of the ownership marks (IAM tags) under the one rule of {@link Owner}. */
class OwnershipTagsTest {

  private static final Owner OURS = new Owner("team-a/deploy", "prod", "uid-1");
  private static final String ARN = "arn:aws:iam::123456789012:role/cifederation/deploy";

  /**
   * Tags given as owner,cluster,uid ("-" for absent); recorded: status.aws.roleArn is this role.
   */
  @ParameterizedTest(name = "{0},{1},{2} recorded={3} -> {4}")
  @CsvSource({
    "team-a/deploy, prod,    uid-1, false, OURS",
    "team-a/deploy, prod,    -,     true,  LEGACY",
    "team-a/deploy, prod,    -,     false, EARLIER_NAMESAKE",
    "team-a/deploy, prod,    uid-0, true,  EARLIER_NAMESAKE",
    "-,             -,       uid-1, false, MARKS_DRIFTED",
    "team-a/deploy, -,       -,     true,  MARKS_DRIFTED",
    "team-b/deploy, prod,    uid-9, false, OTHER_OWNER",
    "team-b/deploy, -,       -,     false, OTHER_OWNER",
    "team-a/deploy, staging, uid-1, true,  OTHER_CLUSTER",
    "-,             -,       -,     false, UNMARKED",
    // the ARN is made from a name anyone may choose: with no mark at all it vouches for nothing
    "-,             -,       -,     true,  UNMARKED",
  })
  void aRolesTagsAreJudgedByTheOneRule(
      String owner, String cluster, String uid, boolean recorded, Verdict expected) {
    LiveRole role = role(tags(owner, cluster, uid));

    assertThat(OwnershipTags.judge(OURS, role, recorded ? ARN : null)).isEqualTo(expected);
  }

  @Test
  void anotherIdentitysRoleIsNotAdoptableEvenWithoutAClusterTag() {
    Verdict verdict = OwnershipTags.judge(OURS, role(tags("team-b/deploy", "-", "-")), null);

    assertThat(verdict.isOurs()).isFalse();
    assertThat(verdict.isAdoptable()).isFalse();
  }

  @Test
  void aRoleCarriesTheUidTheSharedProviderDoesNot() {
    assertThat(OwnershipTags.tags(OURS))
        .containsExactly(
            Map.entry(OwnershipTags.OWNER_TAG, "team-a/deploy"),
            Map.entry(OwnershipTags.CLUSTER_TAG, "prod"),
            Map.entry(OwnershipTags.UID_TAG, "uid-1"));
    Owner provider = OwnershipTags.ofProvider("prod");
    assertThat(OwnershipTags.tags(provider)).doesNotContainKey(OwnershipTags.UID_TAG);
    assertThat(OwnershipTags.owns(provider, tags("shared", "prod", "-"))).isTrue();
    assertThat(OwnershipTags.owns(provider, tags("shared", "staging", "-"))).isFalse();
    assertThat(OwnershipTags.owns(provider, tags("-", "-", "-"))).isFalse();
  }

  @Test
  void remarkingWritesOnlyWhatIsMissingAndSaysWhy() {
    Map<String, String> legacy = tags("team-a/deploy", "prod", "-");

    Map<String, String> missing = OwnershipTags.missing(OURS, legacy);

    assertThat(missing).containsExactly(Map.entry(OwnershipTags.UID_TAG, "uid-1"));
    assertThat(OwnershipTags.marksWritten(ARN, Verdict.LEGACY, missing))
        .contains(OwnershipTags.UID_TAG + "=uid-1 written")
        .contains("predates UID marks");
    assertThat(
            OwnershipTags.marksWritten(
                ARN, Verdict.MARKS_DRIFTED, OwnershipTags.missing(OURS, tags("-", "-", "uid-1"))))
        .contains("ownership marks " + OwnershipTags.OWNER_TAG + "=team-a/deploy")
        .contains("removed out of band");
  }

  @Test
  void messagesSayWhoseTheRoleIsNeverMore() {
    assertThat(
            OwnershipTags.explain(
                OURS, Verdict.EARLIER_NAMESAKE, tags("team-a/deploy", "prod", "uid-0")))
        .contains("earlier object of the same name")
        .contains("uid-0")
        .contains("uid-1");
    assertThat(
            OwnershipTags.explain(
                OURS, Verdict.EARLIER_NAMESAKE, tags("team-a/deploy", "prod", "-")))
        .contains("does not record it");
    assertThat(OwnershipTags.explain(OURS, Verdict.UNMARKED, Map.of()))
        .isEqualTo("it has no cifederation.dev ownership tags");
    assertThat(OwnershipTags.explain(OURS, Verdict.OTHER_OWNER, tags("team-b/x", "prod", "uid-9")))
        .contains(OwnershipTags.OWNER_TAG + "=team-b/x")
        .doesNotContain("uid-9");
  }

  private static LiveRole role(Map<String, String> tags) {
    return new LiveRole(
        "deploy",
        "/cifederation/",
        ARN,
        JsonNodeFactory.instance.objectNode(),
        Set.of(),
        Map.of(),
        OptionalInt.of(3600),
        Optional.empty(),
        tags);
  }

  private static Map<String, String> tags(String owner, String cluster, String uid) {
    Map<String, String> tags = new LinkedHashMap<>();
    if (!owner.equals("-")) {
      tags.put(OwnershipTags.OWNER_TAG, owner);
    }
    if (!cluster.equals("-")) {
      tags.put(OwnershipTags.CLUSTER_TAG, cluster);
    }
    if (!uid.equals("-")) {
      tags.put(OwnershipTags.UID_TAG, uid);
    }
    return tags;
  }
}
