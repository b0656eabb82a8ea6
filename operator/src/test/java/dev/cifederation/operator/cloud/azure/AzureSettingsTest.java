package dev.cifederation.operator.cloud.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AzureSettingsTest {

  @Test
  void nothingSetMeansThePublicCloudAndDefaultAzureCredential() {
    AzureSettings settings = AzureSettings.fromEnvironment(Map.of("CIFED_AZURE_ACCESS_TOKEN", " "));
    assertThat(settings.armEndpoint()).isEmpty();
    assertThat(settings.accessToken()).isEmpty();
    assertThat(settings.toString()).contains("DefaultAzureCredential");
  }

  @Test
  void everyVariableIsRead(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    AzureSettings settings =
        AzureSettings.fromEnvironment(
            Map.of(
                "CIFED_AZURE_ARM_ENDPOINT", "https://127.0.0.1:8443/",
                "CIFED_AZURE_ACCESS_TOKEN", "secret-token",
                "CIFED_AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47",
                "CIFED_AZURE_CA_FILE", ca.toString()));
    assertThat(settings.armEndpoint()).contains(URI.create("https://127.0.0.1:8443/"));
    assertThat(settings.accessToken()).contains("secret-token");
    assertThat(settings.tenantId()).contains("72f988bf-86f1-41af-91ab-2d7cd011db47");
    assertThat(settings.caFile()).contains(ca);
    assertThat(settings.toString()).doesNotContain("secret-token").contains("static bearer token");
  }

  @Test
  void plainHttpOnlyOnLoopback() {
    assertThat(AzureSettings.parseEndpoint("http://127.0.0.1:8080").getPort()).isEqualTo(8080);
    assertThat(AzureSettings.parseEndpoint("http://localhost:8080")).isNotNull();
    assertThatThrownBy(() -> AzureSettings.parseEndpoint("http://arm.example.com/"))
        .hasMessageContaining("CIFED_AZURE_ARM_ENDPOINT")
        .hasMessageContaining("https");
  }

  @Test
  void invalidValuesNameTheVariable() {
    assertThatThrownBy(
            () ->
                AzureSettings.fromEnvironment(
                    Map.of("CIFED_AZURE_ARM_ENDPOINT", "management.azure.com")))
        .hasMessageContaining("CIFED_AZURE_ARM_ENDPOINT");
    assertThatThrownBy(
            () ->
                AzureSettings.fromEnvironment(Map.of("CIFED_AZURE_CA_FILE", "/nonexistent/ca.pem")))
        .hasMessageContaining("CIFED_AZURE_CA_FILE");
  }
}
