package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.cifederation.operator.cloud.Owner;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The roles a pass judges for its identity are looked up by mark, not by reading every role of the
 * account; the lookup must still hold every role {@link OwnershipTags#judge} could call ours.
 */
class AccountSnapshotTest {

  private static final Owner OWNER = new Owner("team-a/deploy", "prod", "uid-1");
  private static final String PREFIX = "arn:aws:iam::111122223333:role/cifederation/";

  @Test
  void rolesMarkedForAnIdentityHoldEveryRoleThatMayBeItsAndNoOther() {
    Map<String, LiveRole> roles = new HashMap<>();
    for (LiveRole role :
        List.of(
            role(
                "by-owner",
                Map.of(
                    OwnershipTags.OWNER_TAG,
                    "team-a/deploy",
                    OwnershipTags.CLUSTER_TAG,
                    "prod",
                    OwnershipTags.UID_TAG,
                    "uid-1")),
            role("owner-only", Map.of(OwnershipTags.OWNER_TAG, "team-a/deploy")),
            role("by-uid", Map.of(OwnershipTags.UID_TAG, "uid-1")),
            role("recorded", Map.of(OwnershipTags.CLUSTER_TAG, "prod")),
            role("other", Map.of(OwnershipTags.OWNER_TAG, "team-b/x", OwnershipTags.UID_TAG, "u2")),
            role("unmarked", Map.of()))) {
      roles.put(role.name(), role);
    }
    var snapshot = new AccountSnapshot(Instant.EPOCH, roles, Set.of());

    assertThat(snapshot.rolesMarkedFor(OWNER, PREFIX + "recorded"))
        .extracting(LiveRole::name)
        .containsExactlyInAnyOrder("by-owner", "owner-only", "by-uid", "recorded");
    // the superset holds every role judged ours
    assertThat(snapshot.roles())
        .filteredOn(r -> OwnershipTags.judge(OWNER, r, PREFIX + "recorded").isOurs())
        .extracting(LiveRole::name)
        .containsExactlyInAnyOrder("by-owner", "by-uid", "recorded");
  }

  @Test
  void aRoleWrittenAgainIsFoundByItsNewMarksOnly() {
    var snapshot =
        new AccountSnapshot(
            Instant.EPOCH,
            Map.of("deploy", role("deploy", Map.of(OwnershipTags.OWNER_TAG, "team-b/x"))),
            Set.of());
    assertThat(snapshot.rolesMarkedFor(OWNER, null)).isEmpty();

    snapshot.put(role("deploy", Map.of(OwnershipTags.OWNER_TAG, "team-a/deploy")));

    assertThat(snapshot.rolesMarkedFor(OWNER, null))
        .extracting(LiveRole::name)
        .containsExactly("deploy");
    assertThat(snapshot.rolesMarkedFor(new Owner("team-b/x", "prod", "u2"), null)).isEmpty();
  }

  @Test
  void aRoleIsReadBackAsItWasRecordedThoughKeptAsText() {
    LiveRole full =
        new LiveRole(
            "deploy",
            "/cifederation/",
            PREFIX + "deploy",
            PolicyDocuments.parse(
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                    + "\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/x\"},"
                    + "\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"NumericLessThan\":"
                    + "{\"x:n\":3}}}]}"),
            Set.of("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            // an odd document an emulator returned is kept as the text node it was read as
            Map.of("inline", PolicyDocuments.parseLenient("not json")),
            OptionalInt.of(3600),
            Optional.of("arn:aws:iam::111122223333:policy/boundary"),
            Map.of(OwnershipTags.OWNER_TAG, "team-a/deploy"));
    var snapshot = new AccountSnapshot(Instant.EPOCH, Map.of("deploy", full), Set.of());

    assertThat(snapshot.role("deploy")).contains(full);
    assertThat(
            snapshot
                .role("deploy")
                .orElseThrow()
                .trustsFederated("arn:aws:iam::111122223333:oidc-provider/x"))
        .isTrue();
    assertThat(snapshot.anyRoleTrusts("arn:aws:iam::111122223333:oidc-provider/x", null)).isTrue();
    assertThat(snapshot.anyRoleTrusts("arn:aws:iam::111122223333:oidc-provider/x", "deploy"))
        .isFalse();
    // each read decodes afresh: a caller changing its tree changes nobody else's
    ((com.fasterxml.jackson.databind.node.ObjectNode)
            snapshot.role("deploy").orElseThrow().trustPolicy())
        .put("Version", "changed");
    assertThat(snapshot.role("deploy")).contains(full);
  }

  @Test
  void fingerprintsChangeWithTheTrustButNotWithTheOrderOfItsSets() {
    var before = trusting("[\"a\",\"b\"]");

    assertThat(trusting("[\"b\",\"a\"]").fingerprints()).isEqualTo(before.fingerprints());
    assertThat(trusting("[\"a\"]").fingerprints()).isNotEqualTo(before.fingerprints());
  }

  /** A snapshot of one role whose trust policy's statement allows {@code actions}. */
  private static AccountSnapshot trusting(String actions) {
    LiveRole role =
        role("deploy", Map.of())
            .withTrustPolicy(
                PolicyDocuments.parse("{\"Statement\":[{\"Action\":" + actions + "}]}"));
    return new AccountSnapshot(Instant.EPOCH, Map.of("deploy", role), Set.of());
  }

  private static LiveRole role(String name, Map<String, String> tags) {
    return new LiveRole(
        name,
        "/cifederation/",
        PREFIX + name,
        JsonNodeFactory.instance.objectNode(),
        Set.of(),
        Map.of(),
        OptionalInt.of(3600),
        Optional.empty(),
        tags);
  }
}
