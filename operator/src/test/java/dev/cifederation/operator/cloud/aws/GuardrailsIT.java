package dev.cifederation.operator.cloud.aws;

import static dev.cifederation.operator.testsupport.Conditions.condition;
import static dev.cifederation.operator.testsupport.Conditions.reason;
import static dev.cifederation.operator.testsupport.Fixtures.shortId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicy;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.observe.FindingsGauge;
import dev.cifederation.operator.reconcile.EventRecorder;
import dev.cifederation.operator.reconcile.IdentityReconciler;
import dev.cifederation.operator.testsupport.AdapterCalls;
import dev.cifederation.operator.testsupport.Events;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.OperatorInTheLoop;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The guardrails against a real kube-apiserver and a real moto_server: the chart's
 * ValidatingAdmissionPolicy refuses a violating identity at apply time; a policy change
 * re-evaluates the identities it selects and a violating identity makes no cloud call; a hand edit
 * that widens a live trust policy under managementPolicy Observe becomes a finding within a resync.
 */
class GuardrailsIT {

  private static final Duration RESYNC = Duration.ofSeconds(4);
  private static final KubeApiServerSupport API = KubeApiServerSupport.shared();
  private static final KubernetesClient CLIENT = API.newClient();
  private static final MotoServer MOTO = MotoServer.start();
  private static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();
  private static final AwsCloud AWS =
      new AwsCloud(
          AwsTestSupport.operatorSettings(MOTO.endpoint()),
          AwsCloudIT.TEST_CREDENTIALS,
          ThumbprintSource.notRequired(),
          "/cifederation/",
          "guard-it",
          AwsTestSupport.quickRetries(RESYNC),
          REGISTRY,
          Clock.systemUTC());

  /** Every request that reaches the AWS adapter. */
  private static final AdapterCalls ADAPTER_CALLS = new AdapterCalls();

  private static final FindingsGauge FINDINGS = new FindingsGauge(REGISTRY);

  private static final OperatorInTheLoop LOOP = new OperatorInTheLoop(CLIENT);

  @RegisterExtension
  static final LocallyRunOperatorExtension OPERATOR =
      LOOP.extension(
          new IdentityReconciler(
              new TrustCompiler(),
              List.of(ADAPTER_CALLS.record(AWS)),
              new EventRecorder(CLIENT, Clock.systemUTC()),
              Optional.empty(),
              Optional.empty(),
              FINDINGS,
              Clock.systemUTC()),
          RESYNC);

  @BeforeAll
  static void issuer() {
    LOOP.apply(Fixtures.gitHubIssuer("github"));
  }

  // ------------------------------------------------------------------------------- admission

  @Test
  void theChartsAdmissionPolicyRefusesAViolatingIdentityAtApply() throws IOException {
    for (HasMetadata item : renderedAdmissionPolicy()) {
      CLIENT
          .resource(item)
          .fieldManager(KubeApiServerSupport.FIELD_MANAGER)
          .forceConflicts()
          .serverSideApply();
    }
    String id = shortId();
    String selected = namespace("guard-vap-" + id, Map.of("guard-it", "vap-" + id));
    String elsewhere = namespace("guard-free-" + id, Map.of());
    String policy = "vap-" + id;
    CLIENT
        .resource(
            Fixtures.policy(
                """
                apiVersion: cifederation.dev/v1alpha1
                kind: CIFederationPolicy
                metadata: {name: %s}
                spec:
                  namespaceSelector: {matchLabels: {guard-it: vap-%s}}
                  repositories: ["my-org/*"]
                  aws: {accounts: ["123456789012"], maxSessionDuration: 1h}
                  azure: {forbiddenRoles: [Owner]}
                """
                    .formatted(policy, id)))
        .create();

    // the API server compiles the policy and learns the new parameter asynchronously
    String refused =
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> refusal(identity(selected, "repository: other-org/app")), Optional::isPresent)
            .orElseThrow();
    assertThat(refused)
        .contains(
            "CIFederationPolicy "
                + policy
                + ": spec.repository other-org/app matches none of [my-org/*] (RepositoryNotAllowed)");
    assertThat(refusal(identity(selected, "subject: {pullRequest: true}")))
        .hasValueSatisfying(
            m ->
                assertThat(m)
                    .contains("spec.subject.pullRequest is not allowed")
                    .contains("(SubjectNotAllowed)"));
    assertThat(refusal(identity(selected, "accountId: \"999999999999\"")))
        .as("a grant needs every policy at once: the operator decides it, not admission")
        .isEmpty();
    assertThat(refusal(identity(selected, "maxSessionDuration: 2h")))
        .hasValueSatisfying(
            m -> assertThat(m).contains("above the cap of 1h (SessionDurationAboveCap)"));
    assertThat(refusal(identity(selected, "azure-role: 8e3af657-a8ff-443c-a75c-2fe8c4bcb635")))
        .as("Owner named by its role definition GUID")
        .hasValueSatisfying(m -> assertThat(m).contains("(ForbiddenRole)"));

    assertThat(refusal(identity(selected, ""))).as("a compliant identity is admitted").isEmpty();
    assertThat(refusal(identity(elsewhere, "repository: other-org/app")))
        .as("the policy does not select the other namespace")
        .isEmpty();
  }

  // ---------------------------------------------------------------------------------- policy

  @Test
  void aPolicyChangeReEvaluatesTheIdentityAndRevokesItsTrustInPlace() throws InterruptedException {
    String id = shortId();
    String label = "op-" + id;
    CLIENT
        .namespaces()
        .withName(OPERATOR.getNamespace())
        .edit(
            n ->
                new NamespaceBuilder(n)
                    .editMetadata()
                    .addToLabels("guard-op", label)
                    .endMetadata()
                    .build());
    String policyName = "op-" + id;
    String policyYaml =
        """
        apiVersion: cifederation.dev/v1alpha1
        kind: CIFederationPolicy
        metadata: {name: %s}
        spec:
          namespaceSelector: {matchLabels: {guard-op: %s}}
          aws: {accounts: ["%s"]}
        """;
    CLIENT
        .resource(Fixtures.policy(policyYaml.formatted(policyName, label, "123456789012")))
        .create();
    try {
      String name = "ruled-" + id;
      CLIENT.resource(identity(OPERATOR.getNamespace(), name, "", "")).create();
      LOOP.awaitStatus(name, i -> reason(i, "AWSReady").equals("Synced"));
      assertThat(reason(LOOP.get(name), "PolicyCompliant")).isEqualTo("Compliant");

      CLIENT
          .resource(Fixtures.policy(policyYaml.formatted(policyName, label, "999999999999")))
          .update();

      CIFederatedIdentity refused =
          LOOP.awaitStatus(
              name,
              i ->
                  reason(i, "PolicyCompliant").equals("AccountNotAllowed")
                      && reason(i, "AWSReady").equals("Revoked"));
      assertThat(condition(refused, "Ready").getReason()).isEqualTo("Revoked");
      assertThat(condition(refused, "TrustActive").getReason()).isEqualTo("Revoked");
      assertThat(condition(refused, "PolicyCompliant").getMessage())
          .contains("CIFederationPolicy " + policyName)
          .contains("spec.aws.accountId 123456789012 is not granted (granted: [999999999999])");
      assertThat(refused.getStatus().getAws().getRoleArn())
          .as("the role is kept, and stays recorded")
          .isNotBlank();

      long reconciles = calls(name);
      double writes = writes();
      await().atMost(RESYNC.multipliedBy(6)).until(() -> calls(name) >= reconciles + 3);
      assertThat(writes())
          .as("three more passes over the revoked identity keep it withdrawn without a write")
          .isEqualTo(writes);
    } finally {
      CLIENT.resources(CIFederationPolicy.class).withName(policyName).delete();
    }
  }

  // ----------------------------------------------------------------------------- live trust

  @Test
  void aHandEditThatWidensTheLiveTrustUnderObserveIsAFindingWithinAResync() {
    String id = shortId();
    String name = "watched-" + id;
    String role = "guard-watched-" + id;
    CLIENT
        .resource(identity(OPERATOR.getNamespace(), name, "", "    roleName: " + role + "\n"))
        .create();
    CIFederatedIdentity synced =
        LOOP.awaitStatus(name, i -> reason(i, "AWSReady").equals("Synced"));
    assertThat(reason(synced, "TrustHealthy")).isEqualTo("NoFindings");
    assertThat(synced.getStatus().getFindings()).isEmpty();

    CIFederatedIdentity watched = LOOP.get(name);
    watched.getSpec().setManagementPolicy(ManagementPolicy.Observe);
    CLIENT.resource(watched).update();
    LOOP.awaitStatus(name, i -> reason(i, "AWSReady").equals("Observed"));

    String widened =
        """
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
          "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
          "Action": "sts:AssumeRoleWithWebIdentity",
          "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
            "StringLike": {"token.actions.githubusercontent.com:sub": ["repo:my-org/my-app:environment:production", "repo:*/*"]}}}]}
        """;
    AwsTestSupport.iamClient(MOTO.endpoint(), AwsCloudIT.TEST_CREDENTIALS)
        .updateAssumeRolePolicy(r -> r.roleName(role).policyDocument(widened));

    CIFederatedIdentity flagged =
        await()
            .atMost(RESYNC.multipliedBy(6))
            .pollInterval(Duration.ofMillis(250))
            .until(() -> LOOP.get(name), i -> reason(i, "TrustHealthy").equals("WildcardSubject"));
    assertThat(condition(flagged, "TrustHealthy").getStatus()).isEqualTo("False");
    assertThat(flagged.getStatus().getFindings())
        .extracting(f -> f.getRule() + "/" + f.getCloud())
        .contains("WildcardSubject/AWS", "PullRequestSubject/AWS");
    assertThat(reason(flagged, "AWSReady"))
        .as("Observe reports, never corrects")
        .isEqualTo("DriftDetected");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(Events.reasons(LOOP.events(name))).contains("WildcardSubject"));
    assertThat(FINDINGS.value("WildcardSubject", "Critical")).isGreaterThanOrEqualTo(1.0);
  }

  // -------------------------------------------------------------------------------- helpers

  /** The chart template applied as plain YAML: only its Helm guard lines are dropped. */
  private static List<HasMetadata> renderedAdmissionPolicy() throws IOException {
    String template =
        Files.readString(
            API.repoRoot().resolve("charts/cifederation-operator/templates/admission-policy.yaml"));
    String rendered =
        template.lines().filter(l -> !l.startsWith("{{")).collect(Collectors.joining("\n"));
    assertThat(rendered).doesNotContain("{{");
    return CLIENT.load(new ByteArrayInputStream(rendered.getBytes(StandardCharsets.UTF_8))).items();
  }

  /** Why the API server refuses to create the identity (a dry run), or empty when it admits it. */
  private static Optional<String> refusal(CIFederatedIdentity identity) {
    try {
      CLIENT.resource(identity).dryRun().create();
      return Optional.empty();
    } catch (KubernetesClientException e) {
      assertThat(e.getCode()).isIn(403, 422);
      return Optional.of(e.getMessage());
    }
  }

  /** A compliant identity with one change: "field: value" replaced, or an Azure role. */
  private static CIFederatedIdentity identity(String namespace, String change) {
    CIFederatedIdentity identity = identity(namespace, "vap-" + shortId(), change, "");
    if (change.startsWith("azure-role: ")) {
      identity.getSpec().setAws(null);
      identity
          .getSpec()
          .setAzure(
              Serialization.unmarshal(
                  """
              subscriptionId: 00000000-0000-0000-0000-000000000000
              resourceGroup: rg
              location: eastus
              roleAssignments:
                - {role: "%s", scope: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg}
              """
                      .formatted(change.substring("azure-role: ".length())),
                  dev.cifederation.operator.api.v1alpha1.AzureIdentitySpec.class));
    }
    return identity;
  }

  private static CIFederatedIdentity identity(
      String namespace, String name, String change, String awsExtra) {
    String yaml =
        """
        apiVersion: cifederation.dev/v1alpha1
        kind: CIFederatedIdentity
        metadata: {name: %s, namespace: %s}
        spec:
          issuerRef: github
          repository: my-org/my-app
          subject: {environment: production}
          aws:
            accountId: "123456789012"
            maxSessionDuration: 1h
        %s"""
            .formatted(name, namespace, awsExtra);
    if (change.startsWith("repository: ")) {
      yaml = yaml.replace("repository: my-org/my-app", change);
    } else if (change.startsWith("subject: ")) {
      yaml = yaml.replace("subject: {environment: production}", change);
    } else if (change.startsWith("accountId: ")) {
      yaml = yaml.replace("accountId: \"123456789012\"", change);
    } else if (change.startsWith("maxSessionDuration: ")) {
      yaml = yaml.replace("maxSessionDuration: 1h", change);
    }
    return Serialization.unmarshal(yaml, CIFederatedIdentity.class);
  }

  private static String namespace(String name, Map<String, String> labels) {
    CLIENT
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
    return name;
  }

  /** IAM writes the operator made, by its own metric. */
  private static double writes() {
    var calls = new dev.cifederation.operator.observe.CloudCalls(REGISTRY, Cloud.AWS.name());
    return AwsCloudIT.WRITES.stream().mapToDouble(calls::count).sum();
  }

  private static long calls(String name) {
    return ADAPTER_CALLS.of(LOOP.namespace(), name).size();
  }
}
