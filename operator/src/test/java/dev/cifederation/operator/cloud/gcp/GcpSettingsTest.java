package dev.cifederation.operator.cloud.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GcpSettingsTest {

  private static final Duration RESYNC = Duration.ofMinutes(10);

  @Test
  void defaultsToGoogleAndApplicationDefaultCredentials() {
    GcpSettings settings = GcpSettings.fromEnvironment(Map.of(), RESYNC);

    assertThat(settings.rootUrl()).isEqualTo("https://iam.googleapis.com/");
    assertThat(settings.accessToken()).isEmpty();
    assertThat(settings.toString()).contains("application-default");
  }

  @Test
  void endpointAndStaticTokenComeFromTheEnvironment() {
    GcpSettings settings =
        GcpSettings.fromEnvironment(
            Map.of(
                "CIFED_GCP_IAM_ENDPOINT", "http://127.0.0.1:8085",
                "CIFED_GCP_ACCESS_TOKEN", "secret-token"),
            RESYNC);

    assertThat(settings.rootUrl())
        .as("a trailing slash is added")
        .isEqualTo("http://127.0.0.1:8085/");
    assertThat(settings.accessToken()).contains("secret-token");
    assertThat(settings.toString()).doesNotContain("secret-token");
  }

  @Test
  void aBlankTokenMeansApplicationDefaultCredentials() {
    assertThat(
            GcpSettings.fromEnvironment(Map.of("CIFED_GCP_ACCESS_TOKEN", " "), RESYNC)
                .accessToken())
        .isEmpty();
  }

  @Test
  void anInvalidEndpointNamesTheVariable() {
    assertThatThrownBy(
            () ->
                GcpSettings.fromEnvironment(
                    Map.of("CIFED_GCP_IAM_ENDPOINT", "localhost:8085"), RESYNC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CIFED_GCP_IAM_ENDPOINT=localhost:8085");
    assertThatThrownBy(
            () -> GcpSettings.fromEnvironment(Map.of("CIFED_GCP_IAM_ENDPOINT", "ftp://x/"), RESYNC))
        .hasMessageContaining("CIFED_GCP_IAM_ENDPOINT");
  }

  @Test
  void plainHttpIsForAnEmulatorOnLoopbackOnly() {
    // the bearer token travels with every request
    assertThatThrownBy(
            () ->
                GcpSettings.fromEnvironment(
                    Map.of("CIFED_GCP_IAM_ENDPOINT", "http://iam.example.com/"), RESYNC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CIFED_GCP_IAM_ENDPOINT=http://iam.example.com/")
        .hasMessageContaining("plain http");
    assertThat(
            GcpSettings.fromEnvironment(
                    Map.of("CIFED_GCP_IAM_ENDPOINT", "http://[::1]:8085/"), RESYNC)
                .rootUrl())
        .startsWith("http://[::1]:8085");
  }

  @Test
  void theReadCacheLivesATenthOfTheResyncAtMostAMinute() {
    assertThat(
            GcpSettings.defaults("http://x/", Optional.empty(), Duration.ofSeconds(30))
                .readCacheTtl())
        .isEqualTo(Duration.ofSeconds(3));
    assertThat(
            GcpSettings.defaults("http://x/", Optional.empty(), Duration.ofHours(1)).readCacheTtl())
        .isEqualTo(Duration.ofMinutes(1));
  }
}
