package dev.cifederation.operator.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicy;
import dev.cifederation.operator.api.v1alpha1.PolicyCompliantReason;
import dev.cifederation.operator.guard.PolicyEvaluator.Ungoverned;
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
          roleNames: ["team-a-*"]
          managedPolicyArns: ["arn:aws:iam::123456789012:policy/ci-*", "arn:aws:iam::aws:policy/ReadOnlyAccess"]
          adoptableRoles: ["arn:aws:iam::123456789012:role/legacy-*"]
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
          managedPolicyArns: [arn:aws:iam::123456789012:policy/ci-deploy]
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
        allows("role: Contributor", "role: Reader"),
        refuses(
            PolicyCompliantReason.RoleNameNotAllowed,
            "accountId: \"123456789012\"\n",
            "accountId: \"123456789012\"\n    roleName: OrganizationAccountAccessRole\n"),
        allows(
            "accountId: \"123456789012\"\n",
            "accountId: \"123456789012\"\n    roleName: team-a-deploy\n"),
        refuses(
            PolicyCompliantReason.ManagedPolicyNotAllowed,
            "policy/ci-deploy]",
            "policy/other-team]"),
        allows("policy/ci-deploy]", "policy/ci-deploy, arn:aws:iam::aws:policy/ReadOnlyAccess]"),
        refuses(
            PolicyCompliantReason.PrivilegedManagedPolicy,
            "arn:aws:iam::123456789012:policy/ci-deploy]",
            "arn:aws:iam::aws:policy/AdministratorAccess]"),
        refuses(
            PolicyCompliantReason.ScopeNotAllowed,
            "scope: /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg}",
            "scope: /subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg}"),
        refuses(
            PolicyCompliantReason.ScopeNotAllowed,
            "scope: /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg}",
            "scope: /providers/Microsoft.Management/managementGroups/root}"));
  }

  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @MethodSource("table")
  void rule(PolicyCompliantReason expected, String from, String to) {
    assertThat(ALLOWED).contains(from);
    PolicyVerdict verdict =
        PolicyEvaluator.evaluate(
            identity(ALLOWED.replace(from, to)).getSpec(),
            "team-a",
            TEAM_A,
            List.of(policy(POLICY)),
            Ungoverned.Deny);
    assertThat(verdict.reason()).isEqualTo(expected);
    assertThat(verdict.message())
        .contains(
            expected == PolicyCompliantReason.Compliant ? "team-a" : "CIFederationPolicy team-a");
  }

  @Test
  void everyReasonIsRefusedSomewhere() {
    var refused = table().map(a -> a.get()[0]).toList();
    for (PolicyCompliantReason reason : PolicyCompliantReason.values()) {
      if (reason != PolicyCompliantReason.Compliant
          && reason != PolicyCompliantReason.NoPolicySelects) {
        assertThat(refused).as(reason.name()).contains(reason);
      }
    }
    assertThat(
            evaluate(identity(ALLOWED), TEAM_A, List.of(policy(POLICY)), Ungoverned.Deny)
                .compliant())
        .isTrue();
  }

  private static PolicyVerdict evaluate(
      CIFederatedIdentity identity,
      Map<String, String> labels,
      List<CIFederationPolicy> policies,
      Ungoverned ungoverned) {
    return PolicyEvaluator.evaluate(
        identity.getSpec(), identity.getMetadata().getNamespace(), labels, policies, ungoverned);
  }

  @Test
  void withoutASelectingPolicyNothingIsAllowed() {
    var other = Map.of("team", "b");
    PolicyVerdict denied =
        evaluate(identity(ALLOWED), other, List.of(policy(POLICY)), Ungoverned.Deny);
    assertThat(denied.reason()).isEqualTo(PolicyCompliantReason.NoPolicySelects);
    assertThat(denied.message()).contains("namespace team-a").contains("default deny");
    assertThat(denied.policies()).isEmpty();
    assertThat(denied.adoptable()).isEmpty();
  }

  @Test
  void singleTeamModeAllowsAllButPullRequestsAndSaysSo() {
    var other = Map.of("team", "b");
    var pullRequest =
        identity(
            ALLOWED.replace("subject: {environment: production}", "subject: {pullRequest: true}"));
    PolicyVerdict denied = evaluate(pullRequest, other, List.of(), Ungoverned.Allow);
    assertThat(denied.reason()).isEqualTo(PolicyCompliantReason.SubjectNotAllowed);
    assertThat(denied.message()).contains(PolicyEvaluator.UNGOVERNED_SWITCH);

    var elsewhere = identity(ALLOWED.replace("my-org/my-app", "other-org/app"));
    PolicyVerdict allowed = evaluate(elsewhere, other, List.of(), Ungoverned.Allow);
    assertThat(allowed.compliant()).isTrue();
    assertThat(allowed.message()).contains(PolicyEvaluator.UNGOVERNED_SWITCH);
    assertThat(allowed.adoptable()).as("adoption is always an administrator's grant").isEmpty();
  }

  @Test
  void anEmptyGrantListGrantsNothingAndAStarOnlyWhereWritten() {
    var noAccounts = policy(POLICY.replace("accounts: [\"123456789012\"]", "accounts: []"));
    assertThat(evaluate(identity(ALLOWED), TEAM_A, List.of(noAccounts), Ungoverned.Deny).reason())
        .isEqualTo(PolicyCompliantReason.AccountNotAllowed);
    var anyAccount = policy(POLICY.replace("accounts: [\"123456789012\"]", "accounts: [\"*\"]"));
    assertThat(
            evaluate(
                    identity(ALLOWED.replace("123456789012\"\n", "999999999999\"\n")),
                    TEAM_A,
                    List.of(anyAccount),
                    Ungoverned.Deny)
                .compliant())
        .isTrue();
    var noGcp =
        policy(
            POLICY.replace(
                "serviceAccounts: [\"*@my-project.iam.gserviceaccount.com\"]",
                "serviceAccounts: []"));
    assertThat(evaluate(identity(ALLOWED), TEAM_A, List.of(noGcp), Ungoverned.Deny).reason())
        .isEqualTo(PolicyCompliantReason.ServiceAccountNotAllowed);
  }

  @Test
  void aGrantIsOnePolicysWholeTargetNotAPatchwork() {
    // one policy grants the account, another the role name: neither grants the block alone
    var accountOnly =
        policy(
            POLICY
                .replace("name: team-a", "name: account-only")
                .replace("roleNames: [\"team-a-*\"]", "roleNames: []"));
    var namesOnly =
        policy(
            POLICY
                .replace("name: team-a", "name: names-only")
                .replace("accounts: [\"123456789012\"]", "accounts: [\"111111111111\"]"));
    var named =
        identity(
            ALLOWED.replace(
                "accountId: \"123456789012\"\n",
                "accountId: \"123456789012\"\n    roleName: team-a-deploy\n"));
    PolicyVerdict verdict =
        evaluate(named, TEAM_A, List.of(accountOnly, namesOnly), Ungoverned.Deny);
    assertThat(verdict.reason()).isEqualTo(PolicyCompliantReason.RoleNameNotAllowed);
    assertThat(verdict.message())
        .as("the policy that came closest is named")
        .contains("CIFederationPolicy account-only");
  }

  @Test
  void theGrantingPolicyHandsOverItsAdoptablePatternsAndForbiddenRoles() {
    PolicyVerdict verdict =
        evaluate(identity(ALLOWED), TEAM_A, List.of(policy(POLICY)), Ungoverned.Deny);
    assertThat(verdict.adoptable(PolicyEvaluator.Target.aws))
        .containsExactly("arn:aws:iam::123456789012:role/legacy-*");
    assertThat(verdict.adoptable(PolicyEvaluator.Target.gcp)).isEmpty();
    assertThat(verdict.forbiddenRoles()).containsExactly("Owner", "User Access Administrator");
    assertThat(verdict.suspendedBy()).isEmpty();
  }

  @Test
  void everyPolicyThatGrantsTheBlockAddsItsAdoptablePatternsNotOnlyTheFirst() {
    // the grant import prints, applied beside the team's policy: sorted after it, not shadowed
    CIFederationPolicy imported =
        policy(
            POLICY
                .replace("name: team-a", "name: zz-import-team-a")
                .replace("role/legacy-*", "role/hand-made"));
    CIFederationPolicy notGranting =
        policy(
            POLICY
                .replace("name: team-a", "name: zzz-other-account")
                .replace("accounts: [\"123456789012\"]", "accounts: [\"999999999999\"]")
                .replace("role/legacy-*", "role/elsewhere"));
    PolicyVerdict verdict =
        evaluate(
            identity(ALLOWED),
            TEAM_A,
            List.of(policy(POLICY), imported, notGranting),
            Ungoverned.Deny);
    assertThat(verdict.adoptable(PolicyEvaluator.Target.aws))
        .as("only policies that grant the whole block hand over adoption")
        .containsExactlyInAnyOrder(
            "arn:aws:iam::123456789012:role/legacy-*", "arn:aws:iam::123456789012:role/hand-made");
  }

  @Test
  void aSuspendingPolicyIsNamedAndDoesNotMakeTheIdentityNonCompliant() {
    var suspending = policy(POLICY.replace("spec:\n", "spec:\n  suspend: true\n"));
    PolicyVerdict verdict =
        evaluate(identity(ALLOWED), TEAM_A, List.of(suspending), Ungoverned.Deny);
    assertThat(verdict.compliant()).isTrue();
    assertThat(verdict.suspendedBy()).contains("CIFederationPolicy team-a");
  }

  @Test
  void privilegedManagedPoliciesNeedTheirExactArn() {
    var starred =
        policy(
            POLICY.replace(
                "\"arn:aws:iam::aws:policy/ReadOnlyAccess\"", "\"arn:aws:iam::aws:policy/*\""));
    var admin =
        identity(
            ALLOWED.replace(
                "arn:aws:iam::123456789012:policy/ci-deploy]",
                "arn:aws:iam::aws:policy/AdministratorAccess]"));
    assertThat(evaluate(admin, TEAM_A, List.of(starred), Ungoverned.Deny).reason())
        .isEqualTo(PolicyCompliantReason.PrivilegedManagedPolicy);
    var exact =
        policy(
            POLICY.replace(
                "\"arn:aws:iam::aws:policy/ReadOnlyAccess\"",
                "\"arn:aws:iam::aws:policy/AdministratorAccess\""));
    assertThat(evaluate(admin, TEAM_A, List.of(exact), Ungoverned.Deny).compliant()).isTrue();
    assertThat(
            PolicyEvaluator.privilegedManagedPolicy("arn:aws-us-gov:iam::aws:policy/IAMFullAccess"))
        .contains("IAMFullAccess");
    assertThat(
            PolicyEvaluator.privilegedManagedPolicy(
                "arn:aws:iam::123456789012:policy/AdministratorAccess"))
        .as("a customer-managed policy of the same name is judged by the patterns")
        .isEmpty();
  }

  @Test
  void aPolicyListingPullRequestAllowsIt() {
    var pullRequest =
        identity(
            ALLOWED.replace("subject: {environment: production}", "subject: {pullRequest: true}"));
    var permissive =
        policy(POLICY.replace("subjects: [environment, branch, tag]", "subjects: [pullRequest]"));
    assertThat(evaluate(pullRequest, TEAM_A, List.of(permissive), Ungoverned.Deny).compliant())
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
        evaluate(identity(ALLOWED), TEAM_A, List.of(policy(POLICY), strict), Ungoverned.Deny);
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
