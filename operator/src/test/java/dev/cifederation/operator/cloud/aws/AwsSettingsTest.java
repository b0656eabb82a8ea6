package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.config.OperatorConfig;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The adapter's settings from the configuration (whose parsing OperatorConfigTest covers). */
class AwsSettingsTest {

  private static AwsSettings settings(Map<String, String> env) {
    var withCluster = new HashMap<>(env);
    withCluster.put("CIFED_CLUSTER_NAME", "test-cluster");
    return AwsSettings.from(OperatorConfig.fromEnvironment(withCluster).aws());
  }

  @Test
  void defaultsReachAwsItselfWithTheDefaultChain() {
    AwsSettings settings = settings(Map.of());

    assertThat(settings).isEqualTo(AwsSettings.defaults(Optional.empty(), Optional.empty()));
    assertThat(settings.stsRegion()).isEqualTo("us-east-1");
    assertThat(settings.assumeRoleArn("123456789012")).isEmpty();
    assertThat(settings.maxAttempts()).isEqualTo(5);
    assertThat(settings.baseDelay()).isEqualTo(Duration.ofMillis(200));
  }

  @Test
  void theConfiguredValuesReachTheSettings() {
    AwsSettings settings =
        settings(
            Map.of(
                "AWS_ENDPOINT_URL", "http://127.0.0.1:5000",
                "AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:5001",
                "AWS_REGION", "eu-west-1",
                "CIFED_AWS_MAX_ATTEMPTS", "7"));

    assertThat(settings.iamEndpoint()).contains(URI.create("http://127.0.0.1:5001"));
    assertThat(settings.stsEndpoint()).contains(URI.create("http://127.0.0.1:5000"));
    assertThat(settings.stsRegion()).isEqualTo("eu-west-1");
    assertThat(settings.maxAttempts()).isEqualTo(7);
    assertThat(settings.throttlingBaseDelay())
        .as("the adapter's own")
        .isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void theAssumeRoleTemplateNamesTheRoleInEachAccount() {
    AwsSettings settings =
        settings(
            Map.of(
                "CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE",
                "arn:aws:iam::{accountId}:role/platform/cifederation-operator"));

    assertThat(settings.assumeRoleArn("111111111111"))
        .isEqualTo(Optional.of("arn:aws:iam::111111111111:role/platform/cifederation-operator"));
  }
}
