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

  @Test
  void defaultsFollowTheConfigurationContract() {
    var config = OperatorConfig.fromEnvironment(Map.of());
    assertThat(config.resyncInterval()).isEqualTo(Duration.ofMinutes(10));
    assertThat(config.iamPath()).isEqualTo("/cifederation/");
    assertThat(config.metricsPort()).isEqualTo(8080);
    assertThat(config.extraCaFile()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"PT10M,600", "PT30S,30", "45,45", "PT1H,3600"})
  void resyncIntervalIsIso8601OrSeconds(String value, long seconds) {
    var config = OperatorConfig.fromEnvironment(Map.of("CIFED_RESYNC_INTERVAL", value));
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
    "CIFED_METRICS_PORT,70000"
  })
  void invalidValuesFailWithTheVariableNamed(String variable, String value) {
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of(variable, value)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(variable);
  }

  @Test
  void extraCaFileAndIamPathAreTakenAsGiven() {
    var config =
        OperatorConfig.fromEnvironment(
            Map.of("CIFED_EXTRA_CA_FILE", "/etc/ca.pem", "CIFED_IAM_PATH", "/ci/federation/"));
    assertThat(config.extraCaFile()).contains(Path.of("/etc/ca.pem"));
    assertThat(config.iamPath()).isEqualTo("/ci/federation/");
  }
}
