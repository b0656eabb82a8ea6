package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AwsSettingsTest {

  @Test
  void defaultsReachAwsItselfWithTheDefaultChain() {
    AwsSettings settings = AwsSettings.fromEnvironment(Map.of());

    assertThat(settings.iamEndpoint()).isEmpty();
    assertThat(settings.stsEndpoint()).isEmpty();
    assertThat(settings.stsRegion()).isEqualTo("us-east-1");
    assertThat(settings.assumeRoleArn("123456789012")).isEmpty();
    assertThat(settings.maxAttempts()).isEqualTo(5);
  }

  @Test
  void theIamSpecificEndpointWinsOverTheCommonOne() {
    AwsSettings settings =
        AwsSettings.fromEnvironment(
            Map.of(
                "AWS_ENDPOINT_URL", "http://127.0.0.1:5000",
                "AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:5001",
                "AWS_REGION", "eu-west-1"));

    assertThat(settings.iamEndpoint()).contains(URI.create("http://127.0.0.1:5001"));
    assertThat(settings.stsEndpoint()).contains(URI.create("http://127.0.0.1:5000"));
    assertThat(settings.stsRegion()).isEqualTo("eu-west-1");
  }

  @Test
  void plainHttpIsForAnEmulatorOnLoopbackOnly() {
    assertThat(
            AwsSettings.fromEnvironment(Map.of("AWS_ENDPOINT_URL", "http://localhost:5000"))
                .iamEndpoint())
        .isPresent();
    assertThat(
            AwsSettings.fromEnvironment(Map.of("AWS_ENDPOINT_URL", "https://moto.internal"))
                .iamEndpoint())
        .isPresent();
    assertThatThrownBy(
            () -> AwsSettings.fromEnvironment(Map.of("AWS_ENDPOINT_URL_STS", "http://moto:5000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AWS_ENDPOINT_URL_STS=http://moto:5000")
        .hasMessageContaining("plain http");
  }

  @Test
  void theAssumeRoleTemplateNamesTheRoleInEachAccount() {
    AwsSettings settings =
        AwsSettings.fromEnvironment(
            Map.of(
                "CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE",
                "arn:aws:iam::{accountId}:role/platform/cifederation-operator"));

    assertThat(settings.assumeRoleArn("111111111111"))
        .isEqualTo(Optional.of("arn:aws:iam::111111111111:role/platform/cifederation-operator"));
  }

  @Test
  void invalidValuesNameTheirVariable() {
    assertThatThrownBy(
            () ->
                AwsSettings.fromEnvironment(
                    Map.of(
                        "CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE", "arn:aws:iam::123456789012:role/x")))
        .hasMessageContaining("CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE")
        .hasMessageContaining("{accountId}");
    assertThatThrownBy(
            () -> AwsSettings.fromEnvironment(Map.of("AWS_ENDPOINT_URL_IAM", "moto:5000")))
        .hasMessageContaining("AWS_ENDPOINT_URL_IAM");
    assertThatThrownBy(() -> AwsSettings.fromEnvironment(Map.of("CIFED_AWS_MAX_ATTEMPTS", "0")))
        .hasMessageContaining("CIFED_AWS_MAX_ATTEMPTS");
  }
}
