package dev.cifederation.operator.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicy;
import dev.cifederation.operator.api.v1alpha1.PolicyCompliantReason;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rule of CIFederationPolicy, with an identity it refuses and one it allows. */
class PolicyEvaluatorTest {

  private static final Map<String, String> TEAM_A = Map.of("team", "a");

  private static final String POLICY =
      """
      apiVersion: cifederation.dev/v1alpha1
      kind: CIFederationPolicy
      metadata: {name: team-a}
      spec:
        namespaceSelector: {matchLabels: {team: a}}
        repositories: ["my-org/*"]
        subjects: [environment, branch, tag]
        aws:
          accounts: ["123456789012"]
          permissionsBoundaryArn: arn:aws:iam::123456789012:policy/ci-boundary
          maxSessionDuration: 2h
          forbiddenActions: ["*", "iam:*"]
        gcp:
          projects: [my-project]
          serviceAccounts: ["*@my-project.iam.gserviceaccount.com"]
        azure:
          subscriptions: [00000000-0000-0000-0000-000000000001]
          scopes: [/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg]
          forbiddenRoles: [Owner, User Access Administrator]
      """;

  /** The identity the policy allows; each case changes one line of it. */
  private static final String ALLOWED =
      """
      apiVersion: cifederation.dev/v1alpha1
      kind: CIFederatedIdentity
      metadata: {name: deploy, namespace: team-a}
      spec:
        issuerRef: github
        repository: my-org/my-app
        subject: {environment: production}
        aws:
          accountId: "123456789012"
          maxSessionDuration: 2h
          permissionsBoundaryArn: arn:aws:iam::123456789012:policy/ci-boundary
          inlinePolicy: {Statement: [{Effect: Allow, Action: ["s3:PutObject", "s3:GetObject"], Resource: "*"}]}
        gcp:
          projectId: my-project
          projectNumber: "1234"
          serviceAccount: ci@my-project.iam.gserviceaccount.com
        azure:
          subscriptionId: 00000000-0000-0000-0000-000000000001
          resourceGroup: rg
          location: eastus
          roleAssignments:
            - {role: Contributor, scope: /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg}
      """;

  static Stream<Arguments> table() {
    return Stream.of(
        refuses(
            PolicyCompliantReason.RepositoryNotAllowed,
            "repository: my-org/my-app",
            "repository: other-org/my-app"),
        refuses(
            PolicyCompliantReason.RepositoryNotAllowed,
            "repository: my-org/my-app",
            "repository: my-org/group/app"),
        allows("repository: my-org/my-app", "repository: MY-ORG/other-app"),
        refuses(
            PolicyCompliantReason.SubjectNotAllowed,
            "subject: {environment: production}",
            "subject: {workflowRef: my-org/x/.github/workflows/d.yml@refs/heads/main}"),
        refuses(
            PolicyCompliantReason.SubjectNotAllowed,
            "subject: {environment: production}",
            "subject: {pullRequest: true}"),
        allows("subject: {environment: production}", "subject: {tag: v1}"),
        refuses(
            PolicyCompliantReason.AccountNotAllowed,
            "accountId: \"123456789012\"",
            "accountId: \"999999999999\""),
        refuses(
            PolicyCompliantReason.PermissionsBoundaryRequired,
            "    permissionsBoundaryArn: arn:aws:iam::123456789012:policy/ci-boundary\n",
            ""),
        refuses(
            PolicyCompliantReason.SessionDurationAboveCap,
            "maxSessionDuration: 2h",
            "maxSessionDuration: 2h30m"),
        allows("maxSessionDuration: 2h", "maxSessionDuration: 90m"),
        refuses(PolicyCompliantReason.ForbiddenAction, "\"s3:GetObject\"", "\"iam:*\""),
        refuses(PolicyCompliantReason.ForbiddenAction, "\"s3:GetObject\"", "\"*\""),
        refuses(
            PolicyCompliantReason.ForbiddenAction,
            "Effect: Allow, Action:",
            "Effect: Allow, NotAction: [s3:DeleteBucket], Action:"),
        allows("\"s3:GetObject\"", "\"s3:*\""),
        refuses(PolicyCompliantReason.ForbiddenAction, "\"s3:GetObject\"", "\"iam:PassRole\""),
        refuses(
            PolicyCompliantReason.ProjectNotAllowed,
            "projectId: my-project",
            "projectId: other-project"),
        refuses(
            PolicyCompliantReason.ServiceAccountNotAllowed,
            "ci@my-project.iam",
            "ci@other-project.iam"),
        refuses(
            PolicyCompliantReason.SubscriptionNotAllowed,
            "subscriptionId: 00000000-0000-0000-0000-000000000001",
            "subscriptionId: 00000000-0000-0000-0000-000000000002"),
        refuses(
            PolicyCompliantReason.ScopeNotAllowed,
            "resourceGroups/rg}",
            "resourceGroups/rg-other}"),
        allows(
            "resourceGroups/rg}",
            "resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/s}"),
        refuses(PolicyCompliantReason.ForbiddenRole, "role: Contributor", "role: owner"),
        refuses(
            PolicyCompliantReason.ForbiddenRole,
            "role: Contributor",
            "role: 8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
        allows("role: Contributor", "role: Reader"));
  }

  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @MethodSource("table")
  void rule(PolicyCompliantReason expected, String from, String to) {
    assertThat(ALLOWED).contains(from);
    PolicyVerdict verdict =
        PolicyEvaluator.evaluate(
            identity(ALLOWED.replace(from, to)).getSpec(), TEAM_A, List.of(policy(POLICY)));
    assertThat(verdict.reason()).isEqualTo(expected);
    assertThat(verdict.message())
        .contains(
            expected == PolicyCompliantReason.Compliant ? "team-a" : "CIFederationPolicy team-a");
  }

  @Test
  void everyReasonIsRefusedSomewhere() {
    var refused = table().map(a -> a.get()[0]).toList();
    for (PolicyCompliantReason reason : PolicyCompliantReason.values()) {
      if (reason != PolicyCompliantReason.Compliant) {
        assertThat(refused).as(reason.name()).contains(reason);
      }
    }
    assertThat(
            PolicyEvaluator.evaluate(identity(ALLOWED).getSpec(), TEAM_A, List.of(policy(POLICY)))
                .compliant())
        .isTrue();
  }

  @Test
  void withoutASelectingPolicyTheDefaultDeniesPullRequestsOnly() {
    var other = Map.of("team", "b");
    var pullRequest =
        identity(
            ALLOWED.replace("subject: {environment: production}", "subject: {pullRequest: true}"));
    PolicyVerdict denied =
        PolicyEvaluator.evaluate(pullRequest.getSpec(), other, List.of(policy(POLICY)));
    assertThat(denied.reason()).isEqualTo(PolicyCompliantReason.SubjectNotAllowed);
    assertThat(denied.message()).contains("the operator's default policy").contains("pullRequest");
    assertThat(denied.policies()).isEmpty();

    var elsewhere = identity(ALLOWED.replace("my-org/my-app", "other-org/app"));
    assertThat(
            PolicyEvaluator.evaluate(elsewhere.getSpec(), other, List.of(policy(POLICY)))
                .compliant())
        .isTrue();
  }

  @Test
  void aPolicyListingPullRequestAllowsIt() {
    var pullRequest =
        identity(
            ALLOWED.replace("subject: {environment: production}", "subject: {pullRequest: true}"));
    var permissive =
        policy(POLICY.replace("subjects: [environment, branch, tag]", "subjects: [pullRequest]"));
    assertThat(
            PolicyEvaluator.evaluate(pullRequest.getSpec(), TEAM_A, List.of(permissive))
                .compliant())
        .isTrue();
  }

  @Test
  void everySelectingPolicyMustAllowAndTheLowestCapIsKept() {
    var strict =
        policy(
            POLICY
                .replace("name: team-a", "name: strict")
                .replace("maxSessionDuration: 2h", "maxSessionDuration: 1h"));
    PolicyVerdict verdict =
        PolicyEvaluator.evaluate(
            identity(ALLOWED).getSpec(), TEAM_A, List.of(policy(POLICY), strict));
    assertThat(verdict.reason()).isEqualTo(PolicyCompliantReason.SessionDurationAboveCap);
    assertThat(verdict.message()).contains("CIFederationPolicy strict");
    assertThat(verdict.sessionCap()).contains(Duration.ofHours(1));
    assertThat(verdict.policies()).containsExactly("strict", "team-a");
  }

  @Test
  void namespaceSelectorsFollowLabelSelectorSemantics() {
    var in =
        Serialization.unmarshal(
            "{\"matchExpressions\": [{\"key\": \"team\", \"operator\": \"In\", \"values\": [\"a\", \"b\"]}]}",
            io.fabric8.kubernetes.api.model.LabelSelector.class);
    assertThat(PolicyEvaluator.selects(in, TEAM_A)).isTrue();
    assertThat(PolicyEvaluator.selects(in, Map.of("team", "c"))).isFalse();
    var notIn =
        Serialization.unmarshal(
            "{\"matchExpressions\": [{\"key\": \"team\", \"operator\": \"NotIn\", \"values\": [\"a\"]}]}",
            io.fabric8.kubernetes.api.model.LabelSelector.class);
    assertThat(PolicyEvaluator.selects(notIn, TEAM_A)).isFalse();
    assertThat(PolicyEvaluator.selects(notIn, Map.of())).isTrue();
    var exists =
        Serialization.unmarshal(
            "{\"matchExpressions\": [{\"key\": \"team\", \"operator\": \"Exists\"}]}",
            io.fabric8.kubernetes.api.model.LabelSelector.class);
    assertThat(PolicyEvaluator.selects(exists, Map.of())).isFalse();
    assertThat(PolicyEvaluator.selects(null, Map.of())).isTrue();
    assertThat(
            PolicyEvaluator.selects(new io.fabric8.kubernetes.api.model.LabelSelector(), Map.of()))
        .isTrue();
  }

  private static Arguments refuses(PolicyCompliantReason reason, String from, String to) {
    return Arguments.of(reason, from, to);
  }

  private static Arguments allows(String from, String to) {
    return Arguments.of(PolicyCompliantReason.Compliant, from, to);
  }

  private static CIFederatedIdentity identity(String yaml) {
    return Serialization.unmarshal(yaml, CIFederatedIdentity.class);
  }

  private static CIFederationPolicy policy(String yaml) {
    return Serialization.unmarshal(yaml, CIFederationPolicy.class);
  }
}
