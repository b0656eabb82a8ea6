package dev.cifederation.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OperatorConfigTest {

  /** The environment plus the cluster name every run must now give. */
  private static OperatorConfig fromEnvironment(Map<String, String> env) {
    var withCluster = new HashMap<>(env);
    withCluster.putIfAbsent("CIFED_CLUSTER_NAME", "test-cluster");
    return OperatorConfig.fromEnvironment(withCluster);
  }

  @Test
  void clusterNameHasNoSilentDefault() {
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of()))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("CIFED_CLUSTER_NAME is required");
    assertThat(OperatorConfig.fromEnvironment(Map.of("CIFED_LOCAL_MODE", "true")).clusterName())
        .isEqualTo(OperatorConfig.LOCAL_CLUSTER_NAME);
    assertThat(fromEnvironment(Map.of("CIFED_CLUSTER_NAME", "prod-eu-1")).clusterName())
        .isEqualTo("prod-eu-1");
    assertThatThrownBy(() -> fromEnvironment(Map.of("CIFED_CLUSTER_NAME", "Prod/EU")))
        .hasMessageContaining("CIFED_CLUSTER_NAME=Prod/EU must be");
  }

  @Test
  void tenancySwitchesAreExplicitAndOffByDefault() {
    var config = fromEnvironment(Map.of());
    assertThat(config.allowUngovernedNamespaces()).isFalse();
    assertThat(config.neverDelete()).isFalse();
    var open =
        fromEnvironment(
            Map.of("CIFED_ALLOW_UNGOVERNED_NAMESPACES", "true", "CIFED_NEVER_DELETE", "true"));
    assertThat(open.allowUngovernedNamespaces()).isTrue();
    assertThat(open.neverDelete()).isTrue();
    assertThatThrownBy(() -> fromEnvironment(Map.of("CIFED_NEVER_DELETE", "yes")))
        .hasMessageContaining("CIFED_NEVER_DELETE=yes must be true or false");
  }

  @Test
  void defaultsFollowTheConfigurationContract() {
    var config = fromEnvironment(Map.of());
    assertThat(config.resyncInterval()).isEqualTo(Duration.ofMinutes(10));
    assertThat(config.iamPath()).isEqualTo("/cifederation/");
    assertThat(config.metricsPort()).isEqualTo(8080);
    assertThat(config.extraCaFile()).isEmpty();
    assertThat(config.leaderElection()).as("one replica needs no lease").isEmpty();
    assertThat(config.logFormat()).isEqualTo(OperatorConfig.LogFormat.text);
    assertThat(config.workflowSnippets()).isTrue();
    assertThat(config.issuerAllowPrivate()).as("issuers on private addresses: opt in").isFalse();
    assertThat(
            OperatorConfig.fromEnvironment(
                    Map.of("CIFED_CLUSTER_NAME", "c", "CIFED_ISSUER_ALLOW_PRIVATE", "true"))
                .issuerAllowPrivate())
        .isTrue();
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnvironment(
                    Map.of("CIFED_CLUSTER_NAME", "c", "CIFED_ISSUER_ALLOW_PRIVATE", "yes")))
        .hasMessageContaining("CIFED_ISSUER_ALLOW_PRIVATE");
  }

  @Test
  void reconcileThreadsFollowTheCpusUnlessSet() {
    assertThat(OperatorConfig.defaultReconcileThreads(1)).as("at least 8").isEqualTo(8);
    assertThat(OperatorConfig.defaultReconcileThreads(2)).isEqualTo(16);
    assertThat(OperatorConfig.defaultReconcileThreads(4)).isEqualTo(32);
    assertThat(OperatorConfig.defaultReconcileThreads(64)).as("at most 50").isEqualTo(50);
    assertThat(fromEnvironment(Map.of()).reconcileThreads())
        .isEqualTo(
            OperatorConfig.defaultReconcileThreads(Runtime.getRuntime().availableProcessors()));
    assertThat(fromEnvironment(Map.of("CIFED_RECONCILE_THREADS", "4")).reconcileThreads())
        .isEqualTo(4);
  }

  @Test
  void leaderElectionTakesTheLeaseFromTheEnvironment() {
    var config =
        fromEnvironment(
            Map.of(
                "CIFED_LEADER_ELECTION", "true",
                "CIFED_LEADER_ELECTION_NAMESPACE", "cifed-system",
                "CIFED_LEADER_ELECTION_LEASE", "cifed"));
    assertThat(config.leaderElection())
        .contains(new OperatorConfig.LeaderElection("cifed", Optional.of("cifed-system")));
    assertThat(
            fromEnvironment(Map.of("CIFED_LEADER_ELECTION", "true")).leaderElection().orElseThrow())
        .isEqualTo(
            new OperatorConfig.LeaderElection(OperatorConfig.DEFAULT_LEASE_NAME, Optional.empty()));
  }

  @Test
  void aShardNamesItsLeaseAndFieldManagerAndReconcilesOnlyItsShare() {
    var whole = fromEnvironment(Map.of("CIFED_LEADER_ELECTION", "true"));
    assertThat(whole.shard()).isEqualTo(Shard.WHOLE);
    assertThat(whole.shard().fieldManager("cifederatedidentity")).isEqualTo("cifederatedidentity");
    var shard =
        fromEnvironment(
            Map.of(
                "CIFED_LEADER_ELECTION", "true",
                "CIFED_SHARD", "b",
                "CIFED_SHARD_NAMESPACES", " team-b , team-c",
                "CIFED_SHARD_LABEL_SELECTOR", "cifederation.dev/shard in (b, c),!legacy",
                "CIFED_SHARD_RECONCILES_ISSUERS", "false"));
    assertThat(shard.shard().namespaces()).containsExactlyInAnyOrder("team-b", "team-c");
    assertThat(shard.shard().labelSelector()).contains("cifederation.dev/shard in (b, c),!legacy");
    assertThat(shard.shard().reconcilesIssuers()).isFalse();
    assertThat(shard.shard().partial()).isTrue();
    assertThat(shard.leaderElection().orElseThrow().leaseName())
        .as("two shards never wait on one Lease")
        .isEqualTo("cifederation-operator-b");
    assertThat(shard.shard().fieldManager("cifederatedidentity"))
        .isEqualTo("cifederatedidentity-b");
    assertThat(
            fromEnvironment(
                    Map.of(
                        "CIFED_LEADER_ELECTION", "true",
                        "CIFED_SHARD", "b",
                        "CIFED_LEADER_ELECTION_LEASE", "release-b"))
                .leaderElection()
                .orElseThrow()
                .leaseName())
        .isEqualTo("release-b");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "CIFED_SHARD_NAMESPACES; team-a; CIFED_SHARD is required",
        "CIFED_SHARD_LABEL_SELECTOR; shard=a; CIFED_SHARD is required",
        "CIFED_SHARD_RECONCILES_ISSUERS; false; CIFED_SHARD is required",
      })
  void aPartialShardNeedsAName(String variable, String value, String message) {
    assertThatThrownBy(() -> fromEnvironment(Map.of(variable, value)))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining(message);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "CIFED_SHARD; Shard_B; CIFED_SHARD=Shard_B must be",
        "CIFED_SHARD_NAMESPACES; team-a,Team B; 'Team B' is not a namespace name",
        "CIFED_SHARD_NAMESPACES; team-a,,team-b; '' is not a namespace name",
        "CIFED_SHARD_LABEL_SELECTOR; shard=(a); 'shard=(a)' is none of",
        "CIFED_SHARD_LABEL_SELECTOR; shard in a,b; 'shard in a' is none of",
        "CIFED_SHARD_LABEL_SELECTOR; shard=a,; '' is none of",
        "CIFED_SHARD_RECONCILES_ISSUERS; no; must be true or false",
      })
  void badShardValuesAreRefusedNamingTheVariable(String variable, String value, String message) {
    var env = new HashMap<>(Map.of("CIFED_SHARD", "b"));
    env.put(variable, value);
    assertThatThrownBy(() -> fromEnvironment(env))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining(variable)
        .hasMessageContaining(message);
  }

  @Test
  void jsonLogsAndNoSnippetsAreSwitchable() {
    var config =
        fromEnvironment(Map.of("CIFED_LOG_FORMAT", "json", "CIFED_WORKFLOW_SNIPPETS", "false"));
    assertThat(config.logFormat()).isEqualTo(OperatorConfig.LogFormat.json);
    assertThat(config.workflowSnippets()).isFalse();
  }

  @ParameterizedTest
  @CsvSource({"PT10M,600", "PT30S,30", "45,45", "PT1H,3600"})
  void resyncIntervalIsIso8601OrSeconds(String value, long seconds) {
    var config = fromEnvironment(Map.of("CIFED_RESYNC_INTERVAL", value));
    assertThat(config.resyncInterval()).isEqualTo(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest
  @CsvSource({
    "CIFED_RESYNC_INTERVAL,10 minutes",
    "CIFED_RESYNC_INTERVAL,0",
    "CIFED_RESYNC_INTERVAL,-PT1M",
    "CIFED_IAM_PATH,cifederation",
    "CIFED_IAM_PATH,/cifederation",
    "CIFED_METRICS_PORT,http",
    "CIFED_METRICS_PORT,70000",
    "CIFED_RECONCILE_THREADS,0",
    "CIFED_RECONCILE_THREADS,201",
    "CIFED_RECONCILE_THREADS,many",
    "CIFED_LEADER_ELECTION,yes",
    "CIFED_LOG_FORMAT,JSON",
    "CIFED_WORKFLOW_SNIPPETS,1",
    "CIFED_LOCAL_MODE,yes",
    "CIFED_EXTRA_CA_FILE,/nonexistent/ca.pem",
    "AWS_ENDPOINT_URL,http://moto:5000",
    "AWS_ENDPOINT_URL_IAM,moto:5000",
    "AWS_ENDPOINT_URL_STS,http://moto:5000",
    "AWS_REGION,eu-west-1.evil.com/",
    "CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE,arn:aws:iam::123456789012:role/x",
    "CIFED_AWS_MAX_ATTEMPTS,0",
    "CIFED_AWS_MAX_ATTEMPTS,21",
    "CIFED_GCP_IAM_ENDPOINT,http://iam.example.com/",
    "CIFED_GCP_IAM_ENDPOINT,ftp://x/",
    "CIFED_AZURE_ARM_ENDPOINT,management.azure.com",
    "CIFED_AZURE_ARM_ENDPOINT,http://arm.example.com/",
    "CIFED_AZURE_CA_FILE,/nonexistent/ca.pem"
  })
  void invalidValuesFailWithTheVariableNamed(String variable, String value) {
    assertThatThrownBy(() -> fromEnvironment(Map.of(variable, value)))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageStartingWith(variable + "=" + value + " ");
  }

  @Test
  void extraCaFileAndIamPathAreTakenAsGiven(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    var config =
        fromEnvironment(
            Map.of("CIFED_EXTRA_CA_FILE", ca.toString(), "CIFED_IAM_PATH", "/ci/federation/"));
    assertThat(config.extraCaFile()).contains(ca);
    assertThat(config.iamPath()).isEqualTo("/ci/federation/");
  }

  @Test
  void theCloudsDefaultToTheCloudsThemselvesAndTheirDefaultCredentials() {
    var config = fromEnvironment(Map.of());
    assertThat(config.aws())
        .isEqualTo(
            new AwsConfig(Optional.empty(), Optional.empty(), "us-east-1", Optional.empty(), 5));
    assertThat(config.gcp()).isEqualTo(new GcpConfig(Optional.empty(), Optional.empty()));
    assertThat(config.azure())
        .isEqualTo(
            new AzureConfig(
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
  }

  @Test
  void theServiceSpecificAwsEndpointWinsOverTheCommonOne() {
    var aws =
        fromEnvironment(
                Map.of(
                    "AWS_ENDPOINT_URL", "http://127.0.0.1:5000",
                    "AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:5001",
                    "AWS_REGION", "eu-west-1",
                    "CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE",
                        "arn:aws:iam::{accountId}:role/platform/cifederation-operator",
                    "CIFED_AWS_MAX_ATTEMPTS", "3"))
            .aws();
    assertThat(aws.iamEndpoint()).contains(URI.create("http://127.0.0.1:5001"));
    assertThat(aws.stsEndpoint()).contains(URI.create("http://127.0.0.1:5000"));
    assertThat(aws.stsRegion()).isEqualTo("eu-west-1");
    assertThat(aws.assumeRoleArnTemplate())
        .contains("arn:aws:iam::{accountId}:role/platform/cifederation-operator");
    assertThat(aws.maxAttempts()).isEqualTo(3);
  }

  @Test
  void cloudTokensAreReadButNeverPrinted(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("arm-ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    var config =
        fromEnvironment(
            Map.of(
                "CIFED_GCP_IAM_ENDPOINT", "http://127.0.0.1:8085/",
                "CIFED_GCP_ACCESS_TOKEN", "gcp-secret\n",
                "CIFED_AZURE_ARM_ENDPOINT", "https://127.0.0.1:8443/",
                "CIFED_AZURE_ACCESS_TOKEN", "azure-secret",
                "CIFED_AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47",
                "CIFED_AZURE_CA_FILE", ca.toString()));
    assertThat(config.gcp().iamEndpoint()).contains(URI.create("http://127.0.0.1:8085/"));
    assertThat(config.gcp().accessToken()).as("a Secret's newline dropped").contains("gcp-secret");
    assertThat(config.azure())
        .isEqualTo(
            new AzureConfig(
                Optional.of(URI.create("https://127.0.0.1:8443/")),
                Optional.of("azure-secret"),
                Optional.of("72f988bf-86f1-41af-91ab-2d7cd011db47"),
                Optional.of(ca)));
    assertThat(config.toString()).doesNotContain("gcp-secret").doesNotContain("azure-secret");
  }

  /**
   * The catalogue lists no variable the operator ignores: each one, set to a valid value other than
   * its default, changes the configuration.
   */
  @Test
  void everyCataloguedVariableIsRead(@TempDir Path dir) throws Exception {
    String ca = Files.writeString(dir.resolve("ca.pem"), "pem").toString();
    Map<Variable, String> other = new EnumMap<>(Variable.class);
    other.put(Variable.CIFED_RESYNC_INTERVAL, "PT1M");
    other.put(Variable.CIFED_METRICS_PORT, "9090");
    other.put(Variable.CIFED_RECONCILE_THREADS, "3");
    other.put(Variable.CIFED_IAM_PATH, "/other/");
    other.put(Variable.CIFED_CLUSTER_NAME, "other");
    other.put(Variable.CIFED_ALLOW_UNGOVERNED_NAMESPACES, "true");
    other.put(Variable.CIFED_NEVER_DELETE, "true");
    other.put(Variable.CIFED_EXTRA_CA_FILE, ca);
    other.put(Variable.AWS_ENDPOINT_URL, "http://127.0.0.1:5000");
    other.put(Variable.AWS_ENDPOINT_URL_IAM, "http://127.0.0.1:5001");
    other.put(Variable.AWS_ENDPOINT_URL_STS, "http://127.0.0.1:5002");
    other.put(Variable.AWS_REGION, "eu-west-1");
    other.put(Variable.CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE, "arn:aws:iam::{accountId}:role/x");
    other.put(Variable.CIFED_AWS_MAX_ATTEMPTS, "2");
    other.put(Variable.CIFED_GCP_IAM_ENDPOINT, "http://127.0.0.1:8085/");
    other.put(Variable.CIFED_GCP_ACCESS_TOKEN, "t");
    other.put(Variable.CIFED_AZURE_ARM_ENDPOINT, "http://127.0.0.1:8443/");
    other.put(Variable.CIFED_AZURE_ACCESS_TOKEN, "t");
    other.put(Variable.CIFED_AZURE_TENANT_ID, "t");
    other.put(Variable.CIFED_AZURE_CA_FILE, ca);
    other.put(Variable.CIFED_LEADER_ELECTION, "false");
    other.put(Variable.CIFED_LEADER_ELECTION_NAMESPACE, "ns");
    other.put(Variable.CIFED_LEADER_ELECTION_LEASE, "lease");
    other.put(Variable.CIFED_SHARD, "b");
    other.put(Variable.CIFED_SHARD_NAMESPACES, "team-a");
    other.put(Variable.CIFED_SHARD_LABEL_SELECTOR, "cifederation.dev/shard=b");
    other.put(Variable.CIFED_SHARD_RECONCILES_ISSUERS, "false");
    other.put(Variable.CIFED_LOG_FORMAT, "json");
    other.put(Variable.CIFED_WORKFLOW_SNIPPETS, "false");
    other.put(Variable.CIFED_WORKFLOW_SNIPPET_NAMESPACES, "team-a, team-b");
    other.put(Variable.CIFED_ISSUER_ALLOW_PRIVATE, "true");
    assertThat(EnumSet.complementOf(EnumSet.copyOf(other.keySet())))
        .as("every variable but the local-mode switch has a value here")
        .containsExactly(Variable.CIFED_LOCAL_MODE);

    // the lease variables only matter with an election, the shard's only with a shard name
    Map<String, String> base =
        Map.of("CIFED_CLUSTER_NAME", "c", "CIFED_LEADER_ELECTION", "true", "CIFED_SHARD", "a");
    OperatorConfig defaults = OperatorConfig.fromEnvironment(base);
    other.forEach(
        (variable, value) -> {
          var changed = new HashMap<>(base);
          changed.put(variable.name(), value);
          assertThat(OperatorConfig.fromEnvironment(changed))
              .as("%s=%s", variable, value)
              .isNotEqualTo(defaults);
        });
    // the local-mode switch is what supplies a cluster name
    assertThat(
            OperatorConfig.fromEnvironment(Map.of(Variable.CIFED_LOCAL_MODE.name(), "true"))
                .clusterName())
        .isEqualTo(OperatorConfig.LOCAL_CLUSTER_NAME);
  }
}
