package dev.cifederation.operator.cloud.gcp;

import dev.cifederation.operator.config.GcpConfig;
import dev.cifederation.operator.config.Variable;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The GCP adapter's settings: where IAM is and how to authenticate (configured: {@link GcpConfig},
 * read and validated once at start-up), and the adapter's own timing of operation polling. When a
 * failed pass is tried again is the shared {@link dev.cifederation.operator.cloud.RetryPolicy}'s
 * decision, not this adapter's.
 *
 * @param rootUrl IAM's root URL, ending in {@code /}
 * @param accessToken a static bearer token instead of application-default credentials
 * @param requestTimeout connect and read timeout of one HTTP call
 * @param operationTimeout how long one reconcile waits for a long-running operation; after that the
 *     condition says Reconciling and the operation is picked up again by a later reconcile
 * @param pollInitial first wait before polling an operation; doubles up to {@code pollMax}
 * @param pollMax longest wait between two polls
 * @param policyAttempts read-modify-write cycles of an IAM policy before a concurrent-change
 *     conflict (409 ABORTED) is reported as Transient
 */
public record GcpSettings(
    String rootUrl,
    Optional<String> accessToken,
    Duration requestTimeout,
    Duration operationTimeout,
    Duration pollInitial,
    Duration pollMax,
    int policyAttempts) {

  public static final String TOKEN_VARIABLE = Variable.CIFED_GCP_ACCESS_TOKEN.name();
  public static final String GOOGLE_ROOT_URL = "https://iam.googleapis.com/";

  public GcpSettings {
    rootUrl = withTrailingSlash(rootUrl);
    accessToken = accessToken.filter(t -> !t.isBlank());
    if (policyAttempts < 1) {
      throw new IllegalArgumentException("policyAttempts must be at least 1");
    }
  }

  /** The configured values (validated at start-up) with this adapter's own timings. */
  public static GcpSettings from(GcpConfig config) {
    return defaults(
        config.iamEndpoint().map(URI::toString).orElse(GOOGLE_ROOT_URL), config.accessToken());
  }

  public static GcpSettings defaults(String rootUrl, Optional<String> accessToken) {
    return new GcpSettings(
        rootUrl,
        accessToken,
        Duration.ofSeconds(30),
        Duration.ofSeconds(60),
        Duration.ofMillis(250),
        Duration.ofSeconds(5),
        5);
  }

  public GcpSettings withOperationTimeout(
      Duration timeout, Duration pollInitial, Duration pollMax) {
    return new GcpSettings(
        rootUrl, accessToken, requestTimeout, timeout, pollInitial, pollMax, policyAttempts);
  }

  private static String withTrailingSlash(String url) {
    return url.endsWith("/") ? url : url + "/";
  }

  @Override
  public String toString() {
    // never print the token
    return "GcpSettings[rootUrl="
        + rootUrl
        + ", credentials="
        + (accessToken.isPresent() ? CREDENTIALS_STATIC : CREDENTIALS_ADC)
        + ", operationTimeout="
        + operationTimeout
        + "]";
  }

  static final String CREDENTIALS_STATIC = TOKEN_VARIABLE;
  static final String CREDENTIALS_ADC = "application-default";
}
