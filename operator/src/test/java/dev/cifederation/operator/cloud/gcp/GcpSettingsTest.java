package dev.cifederation.operator.cloud.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.config.GcpConfig;
import dev.cifederation.operator.config.OperatorConfig;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The adapter's settings from the configuration (whose parsing OperatorConfigTest covers). */
class GcpSettingsTest {

  @Test
  void defaultsToGoogleAndApplicationDefaultCredentials() {
    GcpConfig config = OperatorConfig.fromEnvironment(Map.of("CIFED_LOCAL_MODE", "true")).gcp();
    GcpSettings settings = GcpSettings.from(config);

    assertThat(settings.rootUrl()).isEqualTo("https://iam.googleapis.com/");
    assertThat(settings.accessToken()).isEmpty();
    assertThat(settings.toString()).contains("application-default");
  }

  @Test
  void endpointAndStaticTokenComeFromTheConfiguration() {
    GcpConfig config =
        OperatorConfig.fromEnvironment(
                Map.of(
                    "CIFED_LOCAL_MODE", "true",
                    "CIFED_GCP_IAM_ENDPOINT", "http://127.0.0.1:8085",
                    "CIFED_GCP_ACCESS_TOKEN", "secret-token"))
            .gcp();
    GcpSettings settings = GcpSettings.from(config);

    assertThat(settings.rootUrl())
        .as("a trailing slash is added")
        .isEqualTo("http://127.0.0.1:8085/");
    assertThat(settings.accessToken()).contains("secret-token");
    assertThat(settings.toString()).doesNotContain("secret-token");
  }

  @Test
  void aBlankTokenMeansApplicationDefaultCredentials() {
    GcpConfig config =
        new GcpConfig(Optional.of(URI.create("http://[::1]:8085")), Optional.of(" "));
    assertThat(GcpSettings.from(config).accessToken()).isEmpty();
    assertThat(GcpSettings.from(config).rootUrl()).isEqualTo("http://[::1]:8085/");
  }
}
