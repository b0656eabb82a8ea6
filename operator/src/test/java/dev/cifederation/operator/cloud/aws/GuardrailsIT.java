package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicy;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.observe.FindingsGauge;
import dev.cifederation.operator.reconcile.EventRecorder;
import dev.cifederation.operator.reconcile.IdentityReconciler;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.Condition;
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
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
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

  /** Every request that reaches the AWS adapter, as "operation namespace/name". */
  private static final List<String> ADAPTER_CALLS = new CopyOnWriteArrayList<>();

  private static final CloudReconciler RECORDED_AWS =
      new CloudReconciler() {
        @Override
        public Cloud cloud() {
          return Cloud.AWS;
        }

        @Override
        public CloudOutcome reconcile(CloudRequest request) {
          ADAPTER_CALLS.add("reconcile " + request.owner());
          return AWS.reconcile(request);
        }

        @Override
        public CloudOutcome cleanup(CloudRequest request) {
          ADAPTER_CALLS.add("cleanup " + request.owner());
          return AWS.cleanup(request);
        }
      };

  private static final FindingsGauge FINDINGS = new FindingsGauge(REGISTRY);

  @RegisterExtension
  static final LocallyRunOperatorExtension OPERATOR =
      LocallyRunOperatorExtension.builder()
          .withKubernetesClient(API.newClient())
          .withReconciler(
              new IdentityReconciler(
                  new TrustCompiler(),
                  List.of(RECORDED_AWS),
                  new EventRecorder(CLIENT, Clock.systemUTC()),
                  Optional.empty(),
                  Optional.empty(),
                  FINDINGS,
                  Clock.systemUTC()),
              o -> o.withReconciliationMaxInterval(RESYNC))
          .oneNamespacePerClass(true)
          .waitForNamespaceDeletion(false)
          .build();

  @BeforeAll
  static void issuer() {
    CLIENT
        .resource(
            Serialization.unmarshal(
                """
                apiVersion: cifederation.dev/v1alpha1
                kind: CIIssuer
                metadata: {name: github}
                spec: {url: "https://token.actions.githubusercontent.com", dialect: GitHub}
                """,
                CIIssuer.class))
        .fieldManager(KubeApiServerSupport.FIELD_MANAGER)
        .forceConflicts()
        .serverSideApply();
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
            policy(
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
    CLIENT.resource(policy(policyYaml.formatted(policyName, label, "123456789012"))).create();
    try {
      String name = "ruled-" + id;
      CLIENT.resource(identity(OPERATOR.getNamespace(), name, "", "")).create();
      awaitStatus(name, i -> reason(i, "AWSReady").equals("Synced"));
      assertThat(reason(get(name), "PolicyCompliant")).isEqualTo("Compliant");

      CLIENT.resource(policy(policyYaml.formatted(policyName, label, "999999999999"))).update();

      CIFederatedIdentity refused =
          awaitStatus(
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
    CIFederatedIdentity synced = awaitStatus(name, i -> reason(i, "AWSReady").equals("Synced"));
    assertThat(reason(synced, "TrustHealthy")).isEqualTo("NoFindings");
    assertThat(synced.getStatus().getFindings()).isEmpty();

    CIFederatedIdentity watched = get(name);
    watched.getSpec().setManagementPolicy(ManagementPolicy.Observe);
    CLIENT.resource(watched).update();
    awaitStatus(name, i -> reason(i, "AWSReady").equals("Observed"));

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
            .until(() -> get(name), i -> reason(i, "TrustHealthy").equals("WildcardSubject"));
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
            () ->
                assertThat(
                        CLIENT
                            .v1()
                            .events()
                            .inNamespace(OPERATOR.getNamespace())
                            .list()
                            .getItems()
                            .stream()
                            .filter(e -> name.equals(e.getInvolvedObject().getName()))
                            .map(e -> e.getReason())
                            .toList())
                    .contains("WildcardSubject"));
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

  private static CIFederationPolicy policy(String yaml) {
    return Serialization.unmarshal(yaml, CIFederationPolicy.class);
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
    String owner = OPERATOR.getNamespace() + "/" + name;
    return ADAPTER_CALLS.stream().filter(c -> c.endsWith(" " + owner)).count();
  }

  private static CIFederatedIdentity get(String name) {
    return CLIENT
        .resources(CIFederatedIdentity.class)
        .inNamespace(OPERATOR.getNamespace())
        .withName(name)
        .get();
  }

  private static CIFederatedIdentity awaitStatus(String name, Predicate<CIFederatedIdentity> done) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> get(name),
            i ->
                i != null
                    && i.getStatus() != null
                    && i.getStatus().getObservedGeneration() != null
                    && i.getStatus().getObservedGeneration().equals(i.getMetadata().getGeneration())
                    && done.test(i));
  }

  private static String reason(CIFederatedIdentity identity, String type) {
    return identity.getStatus() == null
        ? ""
        : identity.getStatus().getConditions().stream()
            .filter(c -> type.equals(c.getType()))
            .map(Condition::getReason)
            .findFirst()
            .orElse("");
  }

  private static Condition condition(CIFederatedIdentity identity, String type) {
    return identity.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }

  private static String shortId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }
}
