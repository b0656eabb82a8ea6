package dev.cifederation.operator.cloud.azure;

import dev.cifederation.operator.config.AzureConfig;
import dev.cifederation.operator.config.Variable;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The Azure adapter's settings, as configured ({@link AzureConfig}, read and validated once at
 * start-up).
 *
 * @param armEndpoint {@code CIFED_AZURE_ARM_ENDPOINT}: Resource Manager root URL; empty for Azure's
 *     public cloud. Plain http only on loopback, since a bearer token travels with every request.
 * @param accessToken {@code CIFED_AZURE_ACCESS_TOKEN}: a static bearer token (local use); empty for
 *     {@code DefaultAzureCredential} (workload identity on AKS)
 * @param tenantId {@code CIFED_AZURE_TENANT_ID}: the tenant to authenticate in, and the tenant
 *     reported when an identity does not say
 * @param caFile {@code CIFED_AZURE_CA_FILE}: PEM trust anchors added for the ARM endpoint's TLS (a
 *     local fake or an inspecting proxy)
 */
public record AzureSettings(
    Optional<URI> armEndpoint,
    Optional<String> accessToken,
    Optional<String> tenantId,
    Optional<Path> caFile) {

  public static final String CA_FILE = Variable.CIFED_AZURE_CA_FILE.name();

  public static AzureSettings from(AzureConfig config) {
    return new AzureSettings(
        config.armEndpoint(), config.accessToken(), config.tenantId(), config.caFile());
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "AzureSettings[armEndpoint="
        + armEndpoint.map(URI::toString).orElse("(Azure public cloud)")
        + ", credential="
        + (accessToken.isPresent() ? "static bearer token" : "DefaultAzureCredential")
        + ", tenantId="
        + tenantId.orElse("-")
        + ", caFile="
        + caFile.map(Path::toString).orElse("-")
        + "]";
  }
}
