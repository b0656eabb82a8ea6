package dev.cifederation.operator.cloud.gcp;

import dev.cifederation.operator.cloud.PlainHttp;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The GCP adapter's configuration: where IAM is ({@code CIFED_GCP_IAM_ENDPOINT}, default Google's
 * {@code https://iam.googleapis.com/}), how to authenticate ({@code CIFED_GCP_ACCESS_TOKEN}, a
 * static bearer for local use; otherwise application-default credentials), and the timing of
 * operation polling and the shared read cache. When a failed pass is tried again is the shared
 * {@link dev.cifederation.operator.cloud.RetryPolicy}'s decision, not this adapter's.
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
 * @param readCacheTtl how long a pool's provider list and a service account's policy are shared by
 *     the identities that read them; writes update the cache. Bounds how much later than one resync
 *     a hand edit can be noticed
 */
public record GcpSettings(
    String rootUrl,
    Optional<String> accessToken,
    Duration requestTimeout,
    Duration operationTimeout,
    Duration pollInitial,
    Duration pollMax,
    int policyAttempts,
    Duration readCacheTtl) {

  public static final String ENDPOINT_VARIABLE = "CIFED_GCP_IAM_ENDPOINT";
  public static final String TOKEN_VARIABLE = "CIFED_GCP_ACCESS_TOKEN";
  public static final String GOOGLE_ROOT_URL = "https://iam.googleapis.com/";

  /** The read cache lives a tenth of the resync interval, at most a minute. */
  static final int CACHE_FRACTION_OF_RESYNC = 10;

  static final Duration CACHE_TTL_MAX = Duration.ofMinutes(1);

  public GcpSettings {
    rootUrl = withTrailingSlash(rootUrl);
    accessToken = accessToken.filter(t -> !t.isBlank());
    if (policyAttempts < 1) {
      throw new IllegalArgumentException("policyAttempts must be at least 1");
    }
  }

  /**
   * Reads {@code CIFED_GCP_IAM_ENDPOINT} and {@code CIFED_GCP_ACCESS_TOKEN}; an invalid endpoint
   * fails with a message naming the variable.
   */
  public static GcpSettings fromEnvironment(Map<String, String> env, Duration resyncInterval) {
    String endpoint = env.get(ENDPOINT_VARIABLE);
    String rootUrl =
        endpoint == null || endpoint.isBlank() ? GOOGLE_ROOT_URL : validEndpoint(endpoint.trim());
    return defaults(rootUrl, Optional.ofNullable(env.get(TOKEN_VARIABLE)), resyncInterval);
  }

  public static GcpSettings defaults(
      String rootUrl, Optional<String> accessToken, Duration resyncInterval) {
    Duration cacheTtl = resyncInterval.dividedBy(CACHE_FRACTION_OF_RESYNC);
    return new GcpSettings(
        rootUrl,
        accessToken,
        Duration.ofSeconds(30),
        Duration.ofSeconds(60),
        Duration.ofMillis(250),
        Duration.ofSeconds(5),
        5,
        cacheTtl.compareTo(CACHE_TTL_MAX) > 0 ? CACHE_TTL_MAX : cacheTtl);
  }

  public GcpSettings withOperationTimeout(
      Duration timeout, Duration pollInitial, Duration pollMax) {
    return new GcpSettings(
        rootUrl,
        accessToken,
        requestTimeout,
        timeout,
        pollInitial,
        pollMax,
        policyAttempts,
        readCacheTtl);
  }

  public GcpSettings withReadCacheTtl(Duration ttl) {
    return new GcpSettings(
        rootUrl,
        accessToken,
        requestTimeout,
        operationTimeout,
        pollInitial,
        pollMax,
        policyAttempts,
        ttl);
  }

  private static String validEndpoint(String endpoint) {
    try {
      URI uri = new URI(endpoint);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null
          || uri.getQuery() != null
          || uri.getFragment() != null) {
        throw new URISyntaxException(endpoint, "not an http(s) root URL");
      }
      PlainHttp.requireLoopback(ENDPOINT_VARIABLE, uri);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          ENDPOINT_VARIABLE
              + "="
              + endpoint
              + " must be an http(s) root URL of the IAM API, e.g. http://127.0.0.1:8085/");
    }
    return endpoint;
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
        + ", readCacheTtl="
        + readCacheTtl
        + "]";
  }

  static final String CREDENTIALS_STATIC = TOKEN_VARIABLE;
  static final String CREDENTIALS_ADC = "application-default";
}
