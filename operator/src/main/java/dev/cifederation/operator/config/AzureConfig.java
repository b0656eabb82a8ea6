package dev.cifederation.operator.config;

import static dev.cifederation.operator.config.Variable.CIFED_AZURE_ACCESS_TOKEN;
import static dev.cifederation.operator.config.Variable.CIFED_AZURE_ARM_ENDPOINT;
import static dev.cifederation.operator.config.Variable.CIFED_AZURE_CA_FILE;
import static dev.cifederation.operator.config.Variable.CIFED_AZURE_TENANT_ID;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The Azure block of the configuration.
 *
 * @param armEndpoint {@code CIFED_AZURE_ARM_ENDPOINT}: Resource Manager root URL; empty for Azure's
 *     public cloud
 * @param accessToken {@code CIFED_AZURE_ACCESS_TOKEN}: a static bearer token (local use); empty for
 *     {@code DefaultAzureCredential} (workload identity on AKS)
 * @param tenantId {@code CIFED_AZURE_TENANT_ID}: the tenant to authenticate in, and the tenant
 *     reported when an identity does not say
 * @param caFile {@code CIFED_AZURE_CA_FILE}: PEM trust anchors added for the ARM endpoint's TLS (a
 *     local fake or an inspecting proxy)
 */
public record AzureConfig(
    Optional<URI> armEndpoint,
    Optional<String> accessToken,
    Optional<String> tenantId,
    Optional<Path> caFile) {

  static AzureConfig read(Environment env) {
    return new AzureConfig(
        env.endpoint(CIFED_AZURE_ARM_ENDPOINT, "https://127.0.0.1:8443/"),
        env.text(CIFED_AZURE_ACCESS_TOKEN),
        env.text(CIFED_AZURE_TENANT_ID),
        env.readableFile(CIFED_AZURE_CA_FILE));
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "AzureConfig[armEndpoint="
        + armEndpoint.map(URI::toString).orElse("(Azure public cloud)")
        + ", accessToken="
        + (accessToken.isPresent() ? "(set)" : "-")
        + ", tenantId="
        + tenantId.orElse("-")
        + ", caFile="
        + caFile.map(Path::toString).orElse("-")
        + "]";
  }
}
