package dev.cifederation.operator.chart;

import static dev.cifederation.operator.chart.Chart.all;
import static dev.cifederation.operator.chart.Chart.list;
import static dev.cifederation.operator.chart.Chart.objects;
import static dev.cifederation.operator.chart.Chart.only;
import static dev.cifederation.operator.chart.Chart.template;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code helm lint} and {@code helm template} of the chart (embedded Helm): what the Deployment,
 * ServiceAccount and RBAC say, that the schema rejects bad values, and that every variable of the
 * README's configuration table can be set through values. The install into a real API server is
 * {@code ChartInstallIT}.
 */
class ChartTest {

  private static final Path EVERY_VALUE = Path.of("src/test/resources/chart/every-value.yaml");

  @Test
  void lintsCleanInStrictMode() {
    LintResult lint = Chart.helmWithRequiredValues().lint().strict().call();
    assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
  }

  @Test
  void defaultDeploymentRunsTwoLeaderElectedNonRootReadOnlyReplicasWithProbes() {
    List<JsonNode> objects = objects(template(null, Map.of()));
    JsonNode deployment = only(objects, "Deployment");
    assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(2);
    JsonNode pod = deployment.at("/spec/template/spec");
    assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
    JsonNode container = pod.at("/containers/0");
    assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean()).isFalse();
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
    assertThat(container.at("/resources/requests/memory").asText()).isEqualTo("256Mi");
    Map<String, JsonNode> env = env(container);
    assertThat(env.get("CIFED_LEADER_ELECTION").path("value").asText()).isEqualTo("true");
    assertThat(env.get("CIFED_LEADER_ELECTION_LEASE").path("value").asText()).isEqualTo("cifed");
    assertThat(
            env.get("CIFED_LEADER_ELECTION_NAMESPACE").at("/valueFrom/fieldRef/fieldPath").asText())
        .isEqualTo("metadata.namespace");
    assertThat(env.get("CIFED_LOG_FORMAT").path("value").asText()).isEqualTo("json");
    assertThat(env.get("CIFED_CLUSTER_NAME").path("value").asText()).isEqualTo(Chart.CLUSTER_NAME);
    assertThat(env.get("CIFED_ALLOW_UNGOVERNED_NAMESPACES").path("value").asText())
        .as("default deny")
        .isEqualTo("false");
    assertThat(env.get("CIFED_NEVER_DELETE").path("value").asText()).isEqualTo("false");
    assertThat(env).doesNotContainKeys("AWS_ENDPOINT_URL", "CIFED_GCP_IAM_ENDPOINT");
    assertThat(all(objects, "ServiceMonitor")).as("off by default").isEmpty();
    assertThat(all(objects, "PrometheusRule")).as("off by default").isEmpty();
    assertThat(only(objects, "ServiceAccount").at("/metadata/annotations").isMissingNode())
        .isTrue();
  }

  @Test
  void rbacIsLeastPrivilege() {
    List<JsonNode> objects = objects(template(null, Map.of()));
    List<JsonNode> rules =
        objects.stream()
            .filter(o -> Set.of("ClusterRole", "Role").contains(o.path("kind").asText()))
            .flatMap(o -> list(o.path("rules")).stream())
            .toList();
    assertThat(rules).isNotEmpty();
    for (JsonNode rule : rules) {
      assertThat(rule.path("resources").toString())
          .doesNotContain("secrets")
          .doesNotContain("\"*\"");
      assertThat(rule.path("verbs").toString()).doesNotContain("\"*\"").doesNotContain("delete");
      assertThat(rule.path("apiGroups").toString()).doesNotContain("\"*\"");
    }
    JsonNode leases = only(objects, "Role");
    assertThat(leases.at("/metadata/namespace").asText()).isEqualTo(Chart.NAMESPACE);
    assertThat(leases.at("/rules/0/resources/0").asText()).isEqualTo("leases");

    // by default snippets are off and the operator may write no ConfigMap anywhere
    assertThat(template(null, Map.of())).doesNotContain("configmaps");
    assertThat(
            env(only(objects, "Deployment").at("/spec/template/spec/containers/0"))
                .get("CIFED_WORKFLOW_SNIPPETS")
                .path("value")
                .asText())
        .isEqualTo("false");
    // snippets limited to listed namespaces: a Role there, no ConfigMap rule cluster-wide
    List<JsonNode> limited =
        objects(
            Chart.templateWith(
                "{config: {workflowSnippets: true},"
                    + " rbac: {workflowSnippetNamespaces: [team-a, team-b]}}"));
    assertThat(only(limited, "ClusterRole").path("rules").toString()).doesNotContain("configmaps");
    assertThat(all(limited, "Role"))
        .extracting(r -> r.at("/metadata/namespace").asText())
        .containsExactlyInAnyOrder(Chart.NAMESPACE, "team-a", "team-b");
    // the operator watches its (label-selected) ConfigMaps there, and only there
    assertThat(
            all(limited, "Role").stream()
                .filter(r -> r.at("/metadata/namespace").asText().equals("team-a"))
                .findFirst()
                .orElseThrow()
                .at("/rules/0/verbs")
                .toString())
        .isEqualTo("[\"get\",\"list\",\"watch\",\"create\",\"patch\"]");
    assertThat(
            env(only(limited, "Deployment").at("/spec/template/spec/containers/0"))
                .get("CIFED_WORKFLOW_SNIPPET_NAMESPACES")
                .path("value")
                .asText())
        .isEqualTo("team-a,team-b");
    // cluster-wide only when asked for by name
    List<JsonNode> wide =
        objects(
            Chart.templateWith(
                "{config: {workflowSnippets: true}, rbac: {workflowSnippetsClusterWide: true}}"));
    assertThat(only(wide, "ClusterRole").path("rules").toString()).contains("configmaps");
    assertThat(env(only(wide, "Deployment").at("/spec/template/spec/containers/0")))
        .doesNotContainKey("CIFED_WORKFLOW_SNIPPET_NAMESPACES");
    assertThatThrownBy(() -> Chart.templateWith("config: {workflowSnippets: true}"))
        .hasMessageContaining("rbac.workflowSnippetNamespaces");
  }

  @Test
  void theImageCanBePinnedByDigest() {
    String digest = "sha256:" + "ab".repeat(32);
    JsonNode container =
        only(objects(template(null, Map.of("image.digest", digest))), "Deployment")
            .at("/spec/template/spec/containers/0");
    assertThat(container.path("image").asText())
        .isEqualTo("ghcr.io/cifederation/operator@" + digest);
    assertThatThrownBy(() -> template(null, Map.of("image.digest", "latest")))
        .hasMessageContaining("digest");
  }

  @Test
  void theNetworkPolicyAllowsMetricsFromTheChosenNamespacesAndOnlyTheNeededEgress() {
    assertThat(all(objects(template(null, Map.of())), "NetworkPolicy"))
        .as("off by default")
        .isEmpty();
    JsonNode policy = only(objects(template(EVERY_VALUE, Map.of())), "NetworkPolicy");
    assertThat(policy.at("/spec/policyTypes").toString()).contains("Ingress").contains("Egress");
    assertThat(policy.at("/spec/ingress/0/from/0/namespaceSelector/matchLabels").toString())
        .contains("monitoring");
    assertThat(policy.at("/spec/ingress/0/ports/0/port").asText()).isEqualTo("metrics");
    List<JsonNode> egress = list(policy.at("/spec/egress"));
    assertThat(egress.get(0).at("/ports/0/port").asInt()).isEqualTo(53);
    assertThat(egress.get(1).at("/to/0/ipBlock/cidr").asText()).isEqualTo("10.0.0.1/32");
    assertThat(egress.get(1).at("/ports/0/port").asInt()).isEqualTo(6443);
    assertThat(egress.get(2).at("/to/0/ipBlock/except").toString())
        .as("https to public addresses only: no metadata service, no cluster network")
        .contains("169.254.0.0/16")
        .contains("10.0.0.0/8");
    assertThat(egress.get(3).at("/ports/0/port").asInt()).as("extra rule").isEqualTo(5000);
    assertThatThrownBy(() -> Chart.templateWith("networkPolicy: {enabled: true}"))
        .hasMessageContaining("networkPolicy.apiServer.cidrs");
  }

  @Test
  void workloadIdentityOfEachCloudReachesServiceAccountAndPod() {
    List<JsonNode> objects = objects(template(EVERY_VALUE, Map.of()));
    JsonNode annotations = only(objects, "ServiceAccount").at("/metadata/annotations");
    assertThat(annotations.path("eks.amazonaws.com/role-arn").asText())
        .isEqualTo("arn:aws:iam::123456789012:role/cifederation-operator");
    assertThat(annotations.path("iam.gke.io/gcp-service-account").asText())
        .isEqualTo("cifederation@my-project.iam.gserviceaccount.com");
    assertThat(annotations.path("azure.workload.identity/client-id").asText())
        .isEqualTo("11111111-2222-3333-4444-555555555555");
    assertThat(
            only(objects, "Deployment")
                .at("/spec/template/metadata/labels")
                .path("azure.workload.identity/use")
                .asText())
        .isEqualTo("true");
    JsonNode monitor = only(objects, "ServiceMonitor");
    assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("metrics");
    assertThat(monitor.at("/metadata/labels/release").asText()).isEqualTo("prometheus");
    JsonNode rule = only(objects, "PrometheusRule");
    assertThat(rule.at("/metadata/labels/release").asText()).isEqualTo("prometheus");
    assertThat(rule.at("/spec/groups/0/rules").findValuesAsText("alert"))
        .as("the chart ships files/prometheus-rules.yaml, which PrometheusRulesIT checks")
        .contains("CIFedCriticalTrustFinding", "CIFedCloudScopeUnavailable");
    assertThat(only(objects, "Service").at("/spec/ports/0/port").asInt()).isEqualTo(9090);
  }

  @Test
  void everyVariableOfTheReadmeConfigurationTableCanBeSetThroughValues() throws IOException {
    Set<String> documented = readmeConfigurationVariables();
    assertThat(documented).contains("CIFED_RESYNC_INTERVAL", "AWS_ENDPOINT_URL_IAM");
    JsonNode container =
        only(objects(template(EVERY_VALUE, Map.of())), "Deployment")
            .at("/spec/template/spec/containers/0");
    Set<String> rendered = env(container).keySet();
    // a local/demo switch only: the chart always names the cluster (config.clusterName is required)
    documented.remove("CIFED_LOCAL_MODE");
    assertThat(rendered).containsAll(documented);
    JsonNode token = env(container).get("CIFED_GCP_ACCESS_TOKEN");
    assertThat(token.at("/valueFrom/secretKeyRef/name").asText())
        .as("a token comes from a Secret through the kubelet, never through the operator")
        .isEqualTo("gcp-token");
    assertThat(env(container).get("CIFED_EXTRA_CA_FILE").path("value").asText())
        .isEqualTo("/etc/cifederation/extra-ca/ca.pem");
    assertThat(list(container.path("volumeMounts")))
        .extracting(m -> m.path("mountPath").asText())
        .contains("/tmp", "/etc/cifederation/extra-ca", "/etc/cifederation/azure-ca");
  }

  @Test
  void aShardReleaseReconcilesItsShareUnderItsOwnLease() {
    Map<String, JsonNode> whole =
        env(
            only(objects(template(null, Map.of())), "Deployment")
                .at("/spec/template/spec/containers/0"));
    assertThat(whole).doesNotContainKeys("CIFED_SHARD", "CIFED_SHARD_LABEL_SELECTOR");
    Map<String, JsonNode> shard =
        env(
            only(
                    objects(
                        Chart.templateWith(
                            "shard: {labelSelector: '!cifederation.dev/shard', reconcilesIssuers: false}")),
                    "Deployment")
                .at("/spec/template/spec/containers/0"));
    assertThat(shard.get("CIFED_SHARD").path("value").asText())
        .as("the release name, as the Lease")
        .isEqualTo(Chart.RELEASE);
    assertThat(shard.get("CIFED_LEADER_ELECTION_LEASE").path("value").asText())
        .isEqualTo(Chart.RELEASE);
    assertThat(shard.get("CIFED_SHARD_LABEL_SELECTOR").path("value").asText())
        .isEqualTo("!cifederation.dev/shard");
    assertThat(shard.get("CIFED_SHARD_RECONCILES_ISSUERS").path("value").asText())
        .isEqualTo("false");
    assertThat(shard).doesNotContainKey("CIFED_SHARD_NAMESPACES");
    assertThatThrownBy(() -> Chart.templateWith("shard: {namespaces: [Team-A]}"))
        .hasMessageContaining("namespaces");
  }

  @Test
  void schemaAndTemplatesRejectBadValuesNamingThem() {
    assertThatThrownBy(() -> template(null, Map.of("config.logFormat", "xml")))
        .hasMessageContaining("logFormat");
    assertThatThrownBy(() -> template(null, Map.of("serviceAccount.aws.roleArn", "my-role")))
        .hasMessageContaining("roleArn");
    assertThatThrownBy(() -> template(null, Map.of("config.resyncInterval", "10 minutes")))
        .hasMessageContaining("resyncInterval");
    assertThatThrownBy(() -> template(null, Map.of("confg.iamPath", "/x/")))
        .as("a misspelt key is not silently ignored")
        .hasMessageContaining("confg");
    assertThatThrownBy(() -> template(null, Map.of("config.clusterName", "")))
        .as("no silent default for the ownership mark")
        .hasMessageContaining("config.clusterName is required");
    assertThatThrownBy(() -> template(null, Map.of("config.clusterName", "Prod/EU")))
        .hasMessageContaining("clusterName");
    assertThatThrownBy(() -> Chart.templateWith("leaderElection: {enabled: false}"))
        .hasMessageContaining("leaderElection.enabled=true");
    assertThat(Chart.templateWith("{leaderElection: {enabled: false}, replicaCount: 1}"))
        .doesNotContain("CIFED_LEADER_ELECTION")
        .doesNotContain("leases");
  }

  private static Map<String, JsonNode> env(JsonNode container) {
    return list(container.path("env")).stream()
        .collect(Collectors.toMap(e -> e.path("name").asText(), e -> e));
  }

  /** The variables named in the first column of the README's "Configuration" table. */
  static Set<String> readmeConfigurationVariables() throws IOException {
    String readme = Files.readString(Chart.dir().resolve("../../README.md").normalize());
    int start = readme.indexOf("\n## Configuration");
    int end = readme.indexOf("\n## ", start + 1);
    String section = readme.substring(start, end < 0 ? readme.length() : end);
    Set<String> names = new TreeSet<>();
    for (String row : section.lines().filter(l -> l.startsWith("| `")).toList()) {
      String firstCell = row.split("\\|")[1];
      Matcher m = Pattern.compile("`((?:CIFED|AWS)_[A-Z0-9_]+)`").matcher(firstCell);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }
}
