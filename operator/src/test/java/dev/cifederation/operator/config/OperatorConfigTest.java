package dev.cifederation.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OperatorConfigTest {

  /** The environment plus the cluster name every run must now give. */
  private static OperatorConfig fromEnvironment(Map<String, String> env) {
    var withCluster = new java.util.HashMap<>(env);
    withCluster.putIfAbsent("CIFED_CLUSTER_NAME", "test-cluster");
    return OperatorConfig.fromEnvironment(withCluster);
  }

  @Test
  void clusterNameHasNoSilentDefault() {
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of()))
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
  void leaderElectionTakesTheLeaseFromTheEnvironment() {
    var config =
        fromEnvironment(
            Map.of(
                "CIFED_LEADER_ELECTION", "true",
                "CIFED_LEADER_ELECTION_NAMESPACE", "cifed-system",
                "CIFED_LEADER_ELECTION_LEASE", "cifed"));
    assertThat(config.leaderElection())
        .contains(
            new OperatorConfig.LeaderElection("cifed", java.util.Optional.of("cifed-system")));
    assertThat(
            fromEnvironment(Map.of("CIFED_LEADER_ELECTION", "true")).leaderElection().orElseThrow())
        .isEqualTo(
            new OperatorConfig.LeaderElection(
                OperatorConfig.DEFAULT_LEASE_NAME, java.util.Optional.empty()));
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
    "CIFED_LEADER_ELECTION,yes",
    "CIFED_LOG_FORMAT,JSON",
    "CIFED_WORKFLOW_SNIPPETS,1"
  })
  void invalidValuesFailWithTheVariableNamed(String variable, String value) {
    assertThatThrownBy(() -> fromEnvironment(Map.of(variable, value)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(variable);
  }

  @Test
  void extraCaFileAndIamPathAreTakenAsGiven() {
    var config =
        fromEnvironment(
            Map.of("CIFED_EXTRA_CA_FILE", "/etc/ca.pem", "CIFED_IAM_PATH", "/ci/federation/"));
    assertThat(config.extraCaFile()).contains(Path.of("/etc/ca.pem"));
    assertThat(config.iamPath()).isEqualTo("/ci/federation/");
  }
}
