package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.cloud.PlainHttp;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The AWS adapter's own configuration, read once from the environment at start-up (the IAM path and
 * cluster name come from OperatorConfig). An invalid value fails the start with a message naming
 * the variable.
 *
 * @param iamEndpoint {@code AWS_ENDPOINT_URL_IAM}, else {@code AWS_ENDPOINT_URL}: an IAM emulator
 *     such as moto; empty for AWS itself
 * @param stsEndpoint {@code AWS_ENDPOINT_URL_STS}, else {@code AWS_ENDPOINT_URL}
 * @param stsRegion {@code AWS_REGION}, else us-east-1: where STS is called (IAM is global)
 * @param assumeRoleArnTemplate {@code CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE}: for several accounts,
 *     the role the operator assumes in each, with {@code {accountId}} standing for the identity's
 *     account; empty to use the default credential chain's identity directly
 * @param maxAttempts {@code CIFED_AWS_MAX_ATTEMPTS}: attempts per IAM call, retries included
 *     (throttling, 5xx, connection errors), with exponential backoff and jitter
 * @param baseDelay first backoff of a retried 5xx/connection error
 * @param throttlingBaseDelay first backoff of a retried throttling error
 * @param maxBackoff longest backoff between two attempts (when a call still fails after its
 *     attempts, the identity's next pass is the shared RetryPolicy's)
 */
public record AwsSettings(
    Optional<URI> iamEndpoint,
    Optional<URI> stsEndpoint,
    String stsRegion,
    Optional<String> assumeRoleArnTemplate,
    int maxAttempts,
    Duration baseDelay,
    Duration throttlingBaseDelay,
    Duration maxBackoff) {

  public static final String ACCOUNT_PLACEHOLDER = "{accountId}";

  static final String ASSUME_ROLE_TEMPLATE_VARIABLE = "CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE";
  static final String MAX_ATTEMPTS_VARIABLE = "CIFED_AWS_MAX_ATTEMPTS";
  private static final int DEFAULT_MAX_ATTEMPTS = 5;
  private static final Pattern ROLE_ARN_TEMPLATE =
      Pattern.compile("arn:aws(-[a-z]+)*:iam::\\{accountId\\}:role/[\\w+=,.@/-]{1,512}");

  /** The defaults for a given endpoint, e.g. in tests. */
  public static AwsSettings defaults(Optional<URI> iamEndpoint, Optional<URI> stsEndpoint) {
    return new AwsSettings(
        iamEndpoint,
        stsEndpoint,
        "us-east-1",
        Optional.empty(),
        DEFAULT_MAX_ATTEMPTS,
        Duration.ofMillis(200),
        Duration.ofSeconds(1),
        Duration.ofSeconds(20));
  }

  public static AwsSettings fromEnvironment(Map<String, String> env) {
    Optional<URI> common = endpoint("AWS_ENDPOINT_URL", env);
    Optional<URI> iam = endpoint("AWS_ENDPOINT_URL_IAM", env).or(() -> common);
    Optional<URI> sts = endpoint("AWS_ENDPOINT_URL_STS", env).or(() -> common);
    String region = blankToNull(env.get("AWS_REGION"));
    return defaults(iam, sts)
        .withStsRegion(region == null ? "us-east-1" : region)
        .withAssumeRoleArnTemplate(assumeRoleTemplate(env.get(ASSUME_ROLE_TEMPLATE_VARIABLE)))
        .withMaxAttempts(maxAttempts(env.get(MAX_ATTEMPTS_VARIABLE)));
  }

  /** The role to assume in an account, when a template is configured. */
  public Optional<String> assumeRoleArn(String accountId) {
    return assumeRoleArnTemplate.map(t -> t.replace(ACCOUNT_PLACEHOLDER, accountId));
  }

  public AwsSettings withStsRegion(String region) {
    return new AwsSettings(
        iamEndpoint,
        stsEndpoint,
        region,
        assumeRoleArnTemplate,
        maxAttempts,
        baseDelay,
        throttlingBaseDelay,
        maxBackoff);
  }

  public AwsSettings withAssumeRoleArnTemplate(Optional<String> template) {
    return new AwsSettings(
        iamEndpoint,
        stsEndpoint,
        stsRegion,
        template,
        maxAttempts,
        baseDelay,
        throttlingBaseDelay,
        maxBackoff);
  }

  public AwsSettings withMaxAttempts(int attempts) {
    return new AwsSettings(
        iamEndpoint,
        stsEndpoint,
        stsRegion,
        assumeRoleArnTemplate,
        attempts,
        baseDelay,
        throttlingBaseDelay,
        maxBackoff);
  }

  private static Optional<URI> endpoint(String variable, Map<String, String> env) {
    String value = blankToNull(env.get(variable));
    if (value == null) {
      return Optional.empty();
    }
    try {
      URI uri = new URI(value);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        throw new URISyntaxException(value, "not an http(s) URL with a host");
      }
      PlainHttp.requireLoopback(variable, uri);
      return Optional.of(uri);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          variable + "=" + value + " must be an http(s) URL, e.g. http://127.0.0.1:5000");
    }
  }

  private static Optional<String> assumeRoleTemplate(String value) {
    if (blankToNull(value) == null) {
      return Optional.empty();
    }
    if (!ROLE_ARN_TEMPLATE.matcher(value).matches()) {
      throw new IllegalArgumentException(
          ASSUME_ROLE_TEMPLATE_VARIABLE
              + "="
              + value
              + " must be a role ARN with {accountId} as the account, e.g."
              + " arn:aws:iam::{accountId}:role/cifederation-operator");
    }
    return Optional.of(value);
  }

  private static int maxAttempts(String value) {
    if (blankToNull(value) == null) {
      return DEFAULT_MAX_ATTEMPTS;
    }
    try {
      int attempts = Integer.parseInt(value.strip());
      if (attempts < 1 || attempts > 20) {
        throw new NumberFormatException();
      }
      return attempts;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          MAX_ATTEMPTS_VARIABLE + "=" + value + " must be a number of attempts between 1 and 20");
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
