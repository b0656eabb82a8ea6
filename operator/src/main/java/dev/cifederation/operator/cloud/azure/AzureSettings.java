package dev.cifederation.operator.cloud.azure;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The Azure part of the configuration contract (README, "Configuration"), read once at start-up.
 * Invalid values stop the operator with a message naming the variable.
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

  public static final String ARM_ENDPOINT = "CIFED_AZURE_ARM_ENDPOINT";
  public static final String ACCESS_TOKEN = "CIFED_AZURE_ACCESS_TOKEN";
  public static final String TENANT_ID = "CIFED_AZURE_TENANT_ID";
  public static final String CA_FILE = "CIFED_AZURE_CA_FILE";

  public static AzureSettings fromEnvironment(Map<String, String> env) {
    return new AzureSettings(
        present(env, ARM_ENDPOINT).map(AzureSettings::parseEndpoint),
        present(env, ACCESS_TOKEN).map(String::strip),
        present(env, TENANT_ID).map(String::strip),
        present(env, CA_FILE).map(AzureSettings::parseCaFile));
  }

  static URI parseEndpoint(String value) {
    URI uri;
    try {
      uri = new URI(value.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(ARM_ENDPOINT + "=" + value + " is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw new IllegalArgumentException(
          ARM_ENDPOINT + "=" + value + " must be an https:// URL such as https://127.0.0.1:8443/");
    }
    if (scheme.equals("http") && !isLoopback(uri.getHost())) {
      throw new IllegalArgumentException(
          ARM_ENDPOINT
              + "="
              + value
              + " uses plain http to a non-loopback host; the bearer token would travel in clear:"
              + " use https");
    }
    return uri;
  }

  private static Path parseCaFile(String value) {
    Path path = Path.of(value.strip());
    if (!Files.isReadable(path)) {
      throw new IllegalArgumentException(CA_FILE + "=" + value + " is not a readable file");
    }
    return path;
  }

  private static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    try {
      // literal addresses only: a name that resolves to loopback today may not tomorrow
      return host.matches("[0-9.]+|\\[?[0-9a-fA-F:]+\\]?")
          && InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static Optional<String> present(Map<String, String> env, String name) {
    String value = env.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
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
