package dev.cifederation.operator.trust;

import dev.cifederation.operator.api.v1alpha1.CIIssuerSpec;
import dev.cifederation.operator.api.v1alpha1.IssuerAudiences;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.SubjectTemplate;
import java.util.Objects;

/**
 * The issuer facts the compiler needs, with per-cloud audience defaults applied.
 *
 * @param url the issuer URL exactly as in the tokens' {@code iss} claim
 * @param dialect decides the {@code sub} syntax and claim names
 * @param awsAudience the {@code aud} AWS checks (default {@value #DEFAULT_AWS_AUDIENCE})
 * @param gcpAudienceOverride the single allowed GCP audience, or null for the provider's default
 *     (its own resource URL)
 * @param azureAudience the audience of Azure federated credentials (default {@value
 *     #DEFAULT_AZURE_AUDIENCE})
 * @param subjectTemplate GitHub only: the subject template the issuer declares, or null for
 *     GitHub's default
 */
public record IssuerInfo(
    String url,
    IssuerDialect dialect,
    String awsAudience,
    String gcpAudienceOverride,
    String azureAudience,
    SubjectTemplate subjectTemplate) {

  public static final String DEFAULT_AWS_AUDIENCE = "sts.amazonaws.com";
  public static final String DEFAULT_AZURE_AUDIENCE = "api://AzureADTokenExchange";

  private static final String HTTPS = "https://";

  public IssuerInfo {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(dialect, "dialect");
    Objects.requireNonNull(awsAudience, "awsAudience");
    Objects.requireNonNull(azureAudience, "azureAudience");
    // The CRD admits https only; anything else here is a programming error, and trusting a plain
    // http issuer would be unsafe, so fail instead of guessing.
    if (!url.startsWith(HTTPS) || url.length() == HTTPS.length()) {
      throw new IllegalArgumentException("issuer url must be an https:// URL: " + url);
    }
  }

  public IssuerInfo(
      String url,
      IssuerDialect dialect,
      String awsAudience,
      String gcpAudienceOverride,
      String azureAudience) {
    this(url, dialect, awsAudience, gcpAudienceOverride, azureAudience, null);
  }

  /** The dialect's table entry. */
  public Dialect dialectInfo() {
    return Dialect.of(dialect);
  }

  /** AWS's default audience is the one the dialect's documented AWS setup requests. */
  public static IssuerInfo from(CIIssuerSpec spec) {
    IssuerAudiences audiences = spec.getAudiences();
    String aws = audiences == null ? null : audiences.getAws();
    String gcp = audiences == null ? null : audiences.getGcp();
    String azure = audiences == null ? null : audiences.getAzure();
    return new IssuerInfo(
        spec.getUrl(),
        spec.getDialect(),
        isBlank(aws)
            ? (spec.getDialect() == null
                ? DEFAULT_AWS_AUDIENCE
                : Dialect.of(spec.getDialect()).defaultAwsAudience())
            : aws,
        isBlank(gcp) ? null : gcp,
        isBlank(azure) ? DEFAULT_AZURE_AUDIENCE : azure,
        spec.getSubjectTemplate());
  }

  /**
   * The URL without {@code https://} and without trailing slash: the form AWS uses in provider ARNs
   * and condition keys, e.g. {@code token.actions.githubusercontent.com} or {@code
   * gitlab.example.com/gitlab}.
   */
  public String hostAndPath() {
    String hostAndPath = url.substring(HTTPS.length());
    while (hostAndPath.endsWith("/")) {
      hostAndPath = hostAndPath.substring(0, hostAndPath.length() - 1);
    }
    return hostAndPath;
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}
