package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.config.AwsConfig;
import dev.cifederation.operator.config.Variable;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The AWS adapter's settings: the configured ones ({@link AwsConfig}, read and validated once at
 * start-up; the IAM path and cluster name are general settings) and the adapter's own timings.
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

  public static final String ACCOUNT_PLACEHOLDER = AwsConfig.ACCOUNT_PLACEHOLDER;

  static final String ASSUME_ROLE_TEMPLATE_VARIABLE =
      Variable.CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE.name();

  /** The defaults for a given endpoint, e.g. in tests. */
  public static AwsSettings defaults(Optional<URI> iamEndpoint, Optional<URI> stsEndpoint) {
    return new AwsSettings(
        iamEndpoint,
        stsEndpoint,
        AwsConfig.DEFAULT_REGION,
        Optional.empty(),
        AwsConfig.DEFAULT_MAX_ATTEMPTS,
        Duration.ofMillis(200),
        Duration.ofSeconds(1),
        Duration.ofSeconds(20));
  }

  /** The configured values (validated at start-up) with this adapter's own timings. */
  public static AwsSettings from(AwsConfig config) {
    return defaults(config.iamEndpoint(), config.stsEndpoint())
        .withStsRegion(config.stsRegion())
        .withAssumeRoleArnTemplate(config.assumeRoleArnTemplate())
        .withMaxAttempts(config.maxAttempts());
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
}
