package dev.cifederation.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import dev.cifederation.operator.OperatorApp;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.config.OperatorConfig;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code helm install} of the chart (embedded Helm) into the real kube-apiserver: every object
 * {@code helm template} renders is accepted and present; then the operator runs in-process with the
 * chart's ServiceAccount (impersonated), leader election on, and does its job with exactly the
 * chart's RBAC: status, Events, the snippets ConfigMap, its Lease — and no Secret. No kubelet runs
 * here, so the Deployment's pods never start; that part needs a real cluster.
 */
class ChartInstallIT {

  private static final KubeApiServerSupport API = KubeApiServerSupport.shared();
  private static final KubernetesClient ADMIN = API.client();
  private static final String SA = "system:serviceaccount:" + Chart.NAMESPACE + ":" + Chart.RELEASE;
  private static Release release;

  @BeforeAll
  static void install() {
    release =
        new Helm(Chart.dir())
            .install()
            .withName(Chart.RELEASE)
            .withNamespace(Chart.NAMESPACE)
            .createNamespace()
            // required since tenancy: the chart refuses to render without it
            .set("config.clusterName", Chart.CLUSTER_NAME)
            .withKubeConfig(API.kubeconfigPath())
            .call();
  }

  @AfterAll
  static void uninstall() {
    Helm.uninstall(Chart.RELEASE)
        .withNamespace(Chart.NAMESPACE)
        .withKubeConfig(API.kubeconfigPath())
        .call();
  }

  @Test
  void everyRenderedObjectIsAcceptedByTheApiServer() {
    assertThat(release.getStatus()).isEqualTo("deployed");
    List<JsonNode> rendered = Chart.objects(Chart.template(null, Map.of()));
    assertThat(rendered)
        .extracting(o -> o.path("kind").asText())
        .contains(
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "Service",
            "Deployment");
    for (JsonNode object : rendered) {
      GenericKubernetesResource expected =
          Serialization.unmarshal(object.toString(), GenericKubernetesResource.class);
      GenericKubernetesResource live = ADMIN.resource(expected).get();
      assertThat(live)
          .as("%s %s installed", expected.getKind(), expected.getMetadata().getName())
          .isNotNull();
      // and the server still accepts it as rendered (server-side apply, dry run)
      ADMIN.resource(expected).dryRun().fieldManager("helm").forceConflicts().serverSideApply();
    }
  }

  @Test
  void theOptionalObjectsOfEveryValueAreAcceptedByTheApiServerToo() {
    // NetworkPolicy and the snippet Roles are off by default: the server checks them as rendered
    // with every value set (server-side apply, dry run)
    List<JsonNode> rendered =
        Chart.objects(
            Chart.template(Path.of("src/test/resources/chart/every-value.yaml"), Map.of()));
    List<JsonNode> optional =
        rendered.stream()
            .filter(
                o ->
                    o.path("kind").asText().equals("NetworkPolicy")
                        || o.at("/metadata/name").asText().endsWith("-workflow-snippets"))
            .toList();
    assertThat(optional).extracting(o -> o.path("kind").asText()).contains("NetworkPolicy", "Role");
    ADMIN
        .namespaces()
        .resource(
            new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                .withNewMetadata()
                .withName("team-a")
                .endMetadata()
                .build())
        .serverSideApply();
    for (JsonNode object : optional) {
      GenericKubernetesResource resource =
          Serialization.unmarshal(object.toString(), GenericKubernetesResource.class);
      if (resource.getMetadata().getNamespace() == null) {
        resource.getMetadata().setNamespace(Chart.NAMESPACE);
      }
      ADMIN.resource(resource).dryRun().fieldManager("helm").forceConflicts().serverSideApply();
    }
  }

  @Test
  void theServiceAccountMayDoWhatTheOperatorNeedsAndNoMore() {
    assertThat(allowed("patch", "cifederation.dev", "cifederatedidentities/status", "team-x"))
        .isTrue();
    assertThat(allowed("create", "", "events", "team-x")).isTrue();
    // workflow snippets are off by default: no ConfigMap may be written anywhere, above all not
    // EKS's kube-system/aws-auth, which maps IAM roles to cluster-admin
    assertThat(allowed("patch", "", "configmaps", "kube-system")).isFalse();
    assertThat(allowed("create", "", "configmaps", "kube-system")).isFalse();
    assertThat(allowed("create", "", "configmaps", "team-x")).isFalse();
    assertThat(allowed("update", "coordination.k8s.io", "leases", Chart.NAMESPACE)).isTrue();
    assertThat(allowed("patch", "coordination.k8s.io", "leases", Chart.NAMESPACE)).isTrue();
    assertThat(allowed("update", "coordination.k8s.io", "leases", "kube-system")).isFalse();
    assertThat(allowed("get", "", "secrets", Chart.NAMESPACE)).isFalse();
    assertThat(allowed("list", "", "secrets", "team-x")).isFalse();
    assertThat(allowed("list", "", "configmaps", "team-x")).as("read by name only").isFalse();
    assertThat(allowed("delete", "cifederation.dev", "cifederatedidentities", "team-x")).isFalse();
  }

  @Test
  void theOperatorWorksWithTheChartsRbacAndLeaderElection() throws Exception {
    ADMIN
        .resource(
            Serialization.unmarshal(
                Files.readString(API.repoRoot().resolve("examples/issuer-github.yaml")),
                CIIssuer.class))
        .serverSideApply();
    String namespace = API.createNamespace("chart");
    CIFederatedIdentity identity =
        Serialization.unmarshal(
            Files.readString(API.repoRoot().resolve("examples/github-gcp.yaml")),
            CIFederatedIdentity.class);
    identity.getMetadata().setNamespace(namespace);
    ADMIN.resource(identity).create();

    var asServiceAccount = API.clientConfig();
    asServiceAccount.setImpersonateUsername(SA);
    asServiceAccount.setImpersonateGroups("system:serviceaccounts", "system:authenticated");
    var config =
        OperatorConfig.fromEnvironment(
            Map.of(
                "CIFED_CLUSTER_NAME", "chart-it",
                "CIFED_METRICS_PORT", "0",
                "CIFED_LEADER_ELECTION", "true",
                "CIFED_LEADER_ELECTION_NAMESPACE", Chart.NAMESPACE,
                "CIFED_LEADER_ELECTION_LEASE", Chart.RELEASE,
                // as the chart's default values set it
                "CIFED_WORKFLOW_SNIPPETS", "false",
                // the identity's GCP block has no credentials here: GCPReady fails, which is fine
                "CIFED_RESYNC_INTERVAL", "PT1M"));
    try (var app =
        new OperatorApp(
            config, new KubernetesClientBuilder().withConfig(asServiceAccount).build())) {
      app.start();
      await()
          .atMost(Duration.ofSeconds(90))
          .untilAsserted(
              () -> {
                var live =
                    ADMIN
                        .resources(CIFederatedIdentity.class)
                        .inNamespace(namespace)
                        .withName(identity.getMetadata().getName())
                        .get();
                assertThat(live.getStatus()).isNotNull();
                assertThat(live.getStatus().getSubject())
                    .isEqualTo("repo:my-org/my-app:environment:production");
                assertThat(live.getStatus().getWorkflowSnippets()).as("snippets off").isNull();
              });
      assertThat(ADMIN.v1().events().inNamespace(namespace).list().getItems())
          .as("events recorded as the service account")
          .isNotEmpty();
      var lease = ADMIN.leases().inNamespace(Chart.NAMESPACE).withName(Chart.RELEASE).get();
      assertThat(lease).isNotNull();
      assertThat(lease.getSpec().getHolderIdentity()).isNotBlank();

      HttpResponse<String> ready = get(app, "/readyz");
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(get(app, "/metrics").body())
          .contains("cifed_reconcile_duration_seconds_count{kind=\"CIFederatedIdentity\"");
    }
  }

  private static HttpResponse<String> get(OperatorApp app, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.metricsPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static boolean allowed(String verb, String group, String resource, String namespace) {
    String[] parts = resource.split("/", 2);
    var review =
        new SubjectAccessReviewBuilder()
            .withNewSpec()
            .withUser(SA)
            .withGroups("system:serviceaccounts", "system:authenticated")
            .withNewResourceAttributes()
            .withVerb(verb)
            .withGroup(group)
            .withResource(parts[0])
            .withSubresource(parts.length > 1 ? parts[1] : null)
            .withNamespace(namespace)
            .endResourceAttributes()
            .endSpec()
            .build();
    return ADMIN.authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed();
  }
}
