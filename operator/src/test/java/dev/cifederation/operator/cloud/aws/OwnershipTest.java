package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.cloud.aws.Ownership.Verdict;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OwnershipTest {

  private static final Ownership OURS = new Ownership("team-a/deploy", "prod", "uid-1");

  /**
   * Tags given as owner,cluster,uid ("-" for absent); recorded: status.aws.roleArn is this role.
   */
  @ParameterizedTest(name = "{0},{1},{2} recorded={3} -> {4}")
  @CsvSource({
    "team-a/deploy, prod,    uid-1, false, OURS",
    "team-a/deploy, prod,    uid-1, true,  OURS",
    "team-a/deploy, prod,    -,     true,  LEGACY_RECORDED",
    "team-a/deploy, prod,    -,     false, LEGACY_UNRECORDED",
    "team-a/deploy, prod,    uid-0, true,  EARLIER_NAMESAKE",
    "team-a/deploy, prod,    uid-0, false, EARLIER_NAMESAKE",
    "team-b/deploy, prod,    uid-1, false, OTHER_IDENTITY",
    "team-b/deploy, prod,    -,     true,  OTHER_IDENTITY",
    "team-a/deploy, staging, uid-1, true,  OTHER_CLUSTER",
    "-,             staging, -,     false, OTHER_CLUSTER",
    "-,             -,       -,     true,  UNMARKED",
    "team-a/deploy, -,       uid-1, true,  UNMARKED",
    "-,             -,       uid-1, false, UNMARKED",
  })
  void verdicts(String owner, String cluster, String uid, boolean recorded, Verdict expected) {
    assertThat(OURS.verdict(tags(owner, cluster, uid), recorded)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}: ours={1} adoptable={2}")
  @CsvSource({
    "OURS,              true,  false",
    "LEGACY_RECORDED,   true,  false",
    "LEGACY_UNRECORDED, false, true",
    "EARLIER_NAMESAKE,  false, true",
    "OTHER_IDENTITY,    false, true",
    "OTHER_CLUSTER,     false, false",
    "UNMARKED,          false, true",
  })
  void whatEachVerdictAllows(Verdict verdict, boolean ours, boolean adoptable) {
    assertThat(verdict.isOurs()).isEqualTo(ours);
    assertThat(verdict.isAdoptable()).isEqualTo(adoptable);
  }

  @org.junit.jupiter.api.Test
  void aRoleCarriesTheUidTheSharedProviderDoesNot() {
    assertThat(OURS.tags())
        .containsExactly(
            Map.entry(Ownership.OWNER_TAG, "team-a/deploy"),
            Map.entry(Ownership.CLUSTER_TAG, "prod"),
            Map.entry(Ownership.UID_TAG, "uid-1"));
    Ownership provider = Ownership.ofProvider("prod");
    assertThat(provider.tags()).doesNotContainKey(Ownership.UID_TAG);
    assertThat(provider.owns(tags("shared", "prod", "-"))).isTrue();
    assertThat(provider.owns(tags("shared", "staging", "-"))).isFalse();
  }

  @org.junit.jupiter.api.Test
  void theNamesakeMessageNamesBothUids() {
    Map<String, String> earlier = tags("team-a/deploy", "prod", "uid-0");
    assertThat(OURS.explain(Verdict.EARLIER_NAMESAKE, earlier))
        .contains("earlier object of the same name")
        .contains("uid-0")
        .contains("uid-1");
  }

  private static Map<String, String> tags(String owner, String cluster, String uid) {
    Map<String, String> tags = new LinkedHashMap<>();
    if (!owner.equals("-")) {
      tags.put(Ownership.OWNER_TAG, owner);
    }
    if (!cluster.equals("-")) {
      tags.put(Ownership.CLUSTER_TAG, cluster);
    }
    if (!uid.equals("-")) {
      tags.put(Ownership.UID_TAG, uid);
    }
    return tags;
  }
}
