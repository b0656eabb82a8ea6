package dev.cifederation.operator.config;

import static dev.cifederation.operator.config.Variable.CIFED_GCP_ACCESS_TOKEN;
import static dev.cifederation.operator.config.Variable.CIFED_GCP_IAM_ENDPOINT;

import java.net.URI;
import java.util.Optional;

/**
 * The GCP block of the configuration.
 *
 * @param iamEndpoint {@code CIFED_GCP_IAM_ENDPOINT}: root URL of the IAM v1 API; empty for Google's
 * @param accessToken {@code CIFED_GCP_ACCESS_TOKEN}: a static bearer token (local use); empty for
 *     application-default credentials
 */
public record GcpConfig(Optional<URI> iamEndpoint, Optional<String> accessToken) {

  static GcpConfig read(Environment env) {
    return new GcpConfig(
        env.endpoint(CIFED_GCP_IAM_ENDPOINT, "http://127.0.0.1:8085/"),
        env.text(CIFED_GCP_ACCESS_TOKEN));
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "GcpConfig[iamEndpoint="
        + iamEndpoint.map(URI::toString).orElse("(Google)")
        + ", accessToken="
        + (accessToken.isPresent() ? "(set)" : "-")
        + "]";
  }
}
