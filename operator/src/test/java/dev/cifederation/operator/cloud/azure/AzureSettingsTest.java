package dev.cifederation.operator.cloud.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.config.OperatorConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adapter's settings from the configuration (whose parsing OperatorConfigTest covers). */
class AzureSettingsTest {

  @Test
  void nothingSetMeansThePublicCloudAndDefaultAzureCredential() {
    AzureSettings settings =
        AzureSettings.from(
            OperatorConfig.fromEnvironment(
                    Map.of("CIFED_LOCAL_MODE", "true", "CIFED_AZURE_ACCESS_TOKEN", " "))
                .azure());
    assertThat(settings.armEndpoint()).isEmpty();
    assertThat(settings.accessToken()).isEmpty();
    assertThat(settings.toString()).contains("DefaultAzureCredential");
  }

  @Test
  void everyVariableReachesTheSettings(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    AzureSettings settings =
        AzureSettings.from(
            OperatorConfig.fromEnvironment(
                    Map.of(
                        "CIFED_LOCAL_MODE", "true",
                        "CIFED_AZURE_ARM_ENDPOINT", "https://127.0.0.1:8443/",
                        "CIFED_AZURE_ACCESS_TOKEN", "secret-token",
                        "CIFED_AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47",
                        "CIFED_AZURE_CA_FILE", ca.toString()))
                .azure());
    assertThat(settings.armEndpoint()).contains(URI.create("https://127.0.0.1:8443/"));
    assertThat(settings.accessToken()).contains("secret-token");
    assertThat(settings.tenantId()).contains("72f988bf-86f1-41af-91ab-2d7cd011db47");
    assertThat(settings.caFile()).contains(ca);
    assertThat(settings.toString()).doesNotContain("secret-token").contains("static bearer token");
  }
}
