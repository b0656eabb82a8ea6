package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.cloud.Owner;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Only the difference is planned, and in an order that never widens access on the way. */
class RolePlannerTest {

  private static final Map<String, String> OWNER_TAGS =
      OwnershipTags.tags(new Owner("team-a/deploy", "prod", "uid-1"));
  private static final String BOUNDARY = "arn:aws:iam::123456789012:policy/ci-boundary";
  private static final String READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess";
  private static final String DEPLOY = "arn:aws:iam::123456789012:policy/deploy";
  private static final JsonNode INLINE =
      PolicyDocuments.parse(
          "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
              + "\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":\"arn:aws:s3:::b/*\"}]}");

  private static DesiredRole desired() {
    return new DesiredRole(
        "cifed-team-a_deploy",
        "/cifederation/",
        "CI federation role",
        (ObjectNode) PolicyDocuments.parse(trust()),
        Set.of(READ_ONLY, DEPLOY),
        Optional.of(INLINE),
        7200,
        Optional.of(BOUNDARY),
        OWNER_TAGS);
  }

  private static String trust() {
    return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
        + "\"Principal\":{\"Federated\":\"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com\"},"
        + "\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{"
        + "\"token.actions.githubusercontent.com:aud\":\"sts.amazonaws.com\","
        + "\"token.actions.githubusercontent.com:sub\":\"repo:my-org/my-app:environment:production\"}}}]}";
  }

  /** The desired role as IAM would return it: URL-encoded, one-element arrays, extra tags. */
  private static LiveRole inSync() {
    Map<String, String> tags = new HashMap<>(OWNER_TAGS);
    tags.put("team", "platform"); // someone else's tag: not ours to remove
    return new LiveRole(
        "cifed-team-a_deploy",
        "/cifederation/",
        "arn:aws:iam::123456789012:role/cifederation/cifed-team-a_deploy",
        PolicyDocuments.parse(URLEncoder.encode(trust(), StandardCharsets.UTF_8)),
        Set.of(DEPLOY, READ_ONLY),
        Map.of(
            DesiredRole.INLINE_POLICY_NAME,
            PolicyDocuments.parse(
                "{\"Statement\":{\"Resource\":[\"arn:aws:s3:::b/*\"],\"Effect\":\"Allow\","
                    + "\"Action\":[\"s3:PutObject\",\"s3:GetObject\"]},\"Version\":\"2012-10-17\"}")),
        OptionalInt.of(7200),
        Optional.of(BOUNDARY),
        tags);
  }

  private static LiveRole with(LiveRole role, java.util.function.UnaryOperator<Builder> change) {
    return change.apply(new Builder(role)).build();
  }

  @Test
  void aRoleInSyncNeedsNoWrite() {
    assertThat(RolePlanner.plan(desired(), inSync())).isEmpty();
  }

  @Test
  void widenedTrustIsSetBackToTheCompiledOne() {
    LiveRole widened =
        with(inSync(), b -> b.trust(PolicyDocuments.parse(PolicyDocumentsTest.WIDENED)));

    List<RoleChange> plan = RolePlanner.plan(desired(), widened);

    assertThat(plan).hasSize(1);
    assertThat(plan.get(0)).isInstanceOf(RoleChange.UpdateTrustPolicy.class);
    assertThat(((RoleChange.UpdateTrustPolicy) plan.get(0)).document())
        .isEqualTo(desired().trustPolicy());
    assertThat(plan.get(0).describe()).contains("repo:my-org/*");
  }

  @Test
  void exactlyTheDeclaredManagedPoliciesStayAttached() {
    String admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    LiveRole live = with(inSync(), b -> b.managed(Set.of(READ_ONLY, admin)));

    assertThat(RolePlanner.plan(desired(), live))
        .containsExactly(
            new RoleChange.DetachManagedPolicy(admin), new RoleChange.AttachManagedPolicy(DEPLOY));
  }

  @Test
  void otherInlinePoliciesAreDeletedAndOursIsPutWhenItDiffers() {
    JsonNode star =
        PolicyDocuments.parse(
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}");
    LiveRole live =
        with(
            inSync(),
            b -> b.inline(Map.of("added-by-hand", star, DesiredRole.INLINE_POLICY_NAME, star)));

    assertThat(RolePlanner.plan(desired(), live))
        .containsExactly(
            new RoleChange.DeleteInlinePolicy("added-by-hand"),
            new RoleChange.PutInlinePolicy(DesiredRole.INLINE_POLICY_NAME, INLINE, true));
  }

  @Test
  void withoutAnInlinePolicyInTheSpecEveryInlinePolicyGoes() {
    DesiredRole none = new Builder(inSync()).desiredWithoutInline();

    assertThat(RolePlanner.plan(none, inSync()))
        .containsExactly(new RoleChange.DeleteInlinePolicy(DesiredRole.INLINE_POLICY_NAME));
  }

  @Test
  void sessionDurationAndBoundaryFollowTheSpec() {
    LiveRole live = with(inSync(), b -> b.session(OptionalInt.of(43200)).boundary(null));

    assertThat(RolePlanner.plan(desired(), live))
        .containsExactly(
            new RoleChange.PutPermissionsBoundary(BOUNDARY, null),
            new RoleChange.UpdateMaxSessionDuration(7200, OptionalInt.of(43200)));
  }

  @Test
  void aBoundaryNoLongerDeclaredIsRemovedLastAfterEverythingThatNarrows() {
    DesiredRole noBoundary =
        new DesiredRole(
            "cifed-team-a_deploy",
            "/cifederation/",
            "CI federation role",
            desired().trustPolicy(),
            Set.of(READ_ONLY),
            Optional.empty(),
            3600,
            Optional.empty(),
            OWNER_TAGS);

    List<RoleChange> plan = RolePlanner.plan(noBoundary, inSync());

    assertThat(plan)
        .containsExactly(
            new RoleChange.DetachManagedPolicy(DEPLOY),
            new RoleChange.DeleteInlinePolicy(DesiredRole.INLINE_POLICY_NAME),
            new RoleChange.UpdateMaxSessionDuration(3600, OptionalInt.of(7200)),
            new RoleChange.DeletePermissionsBoundary(BOUNDARY));
  }

  @Test
  void narrowingComesBeforeWidening() {
    LiveRole drifted =
        with(
            inSync(),
            b ->
                b.trust(PolicyDocuments.parse(PolicyDocumentsTest.WIDENED))
                    .managed(Set.of("arn:aws:iam::aws:policy/AdministratorAccess"))
                    .boundary("arn:aws:iam::123456789012:policy/wide-boundary"));

    List<String> operations =
        RolePlanner.plan(desired(), drifted).stream().map(RoleChange::operation).toList();

    assertThat(operations)
        .containsExactly(
            "PutRolePermissionsBoundary",
            "UpdateAssumeRolePolicy",
            "DetachRolePolicy",
            "AttachRolePolicy",
            "AttachRolePolicy");
  }

  @Test
  void missingOwnershipTagsAreAddedOthersLeftAlone() {
    LiveRole untagged = with(inSync(), b -> b.tags(Map.of("team", "platform")));

    assertThat(RolePlanner.plan(desired(), untagged))
        .containsExactly(new RoleChange.TagRole(OWNER_TAGS));
  }

  /**
   * What the adapter records in the account snapshot after writing a plan must be a role the
   * planner finds in sync, whatever the drift was, and must keep tags it did not write.
   */
  @Test
  void aRoleAfterApplyingItsPlanNeedsNoFurtherWrite() {
    JsonNode star =
        PolicyDocuments.parse(
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}");
    List<LiveRole> drifted =
        List.of(
            with(inSync(), b -> b.trust(PolicyDocuments.parse(PolicyDocumentsTest.WIDENED))),
            with(inSync(), b -> b.managed(Set.of("arn:aws:iam::aws:policy/AdministratorAccess"))),
            with(inSync(), b -> b.inline(Map.of("added-by-hand", star))),
            with(inSync(), b -> b.session(OptionalInt.empty()).boundary(null)),
            with(inSync(), b -> b.tags(Map.of("team", "platform"))));
    for (LiveRole live : drifted) {
      assertThat(RolePlanner.plan(desired(), live)).isNotEmpty();

      LiveRole written = live.afterApplying(desired());

      assertThat(RolePlanner.plan(desired(), written)).isEmpty();
      assertThat(written.tags()).containsAllEntriesOf(live.tags());
      assertThat(written.arn()).isEqualTo(live.arn());
    }
  }

  /** Copies a live role with one part changed. */
  private static final class Builder {
    private final LiveRole role;
    private JsonNode trust;
    private Set<String> managed;
    private Map<String, JsonNode> inline;
    private OptionalInt session;
    private Optional<String> boundary;
    private Map<String, String> tags;

    Builder(LiveRole role) {
      this.role = role;
      trust = role.trustPolicy();
      managed = role.managedPolicyArns();
      inline = role.inlinePolicies();
      session = role.maxSessionDuration();
      boundary = role.permissionsBoundaryArn();
      tags = role.tags();
    }

    Builder trust(JsonNode value) {
      trust = value;
      return this;
    }

    Builder managed(Set<String> value) {
      managed = value;
      return this;
    }

    Builder inline(Map<String, JsonNode> value) {
      inline = value;
      return this;
    }

    Builder session(OptionalInt value) {
      session = value;
      return this;
    }

    Builder boundary(String value) {
      boundary = Optional.ofNullable(value);
      return this;
    }

    Builder tags(Map<String, String> value) {
      tags = value;
      return this;
    }

    LiveRole build() {
      return new LiveRole(
          role.name(), role.path(), role.arn(), trust, managed, inline, session, boundary, tags);
    }

    DesiredRole desiredWithoutInline() {
      DesiredRole d = desired();
      return new DesiredRole(
          d.name(),
          d.path(),
          d.description(),
          d.trustPolicy(),
          d.managedPolicyArns(),
          Optional.empty(),
          d.maxSessionDuration(),
          d.permissionsBoundaryArn(),
          d.tags());
    }
  }
}
