package dev.cifederation.operator.config;

import static dev.cifederation.operator.config.Variable.AWS_ENDPOINT_URL;
import static dev.cifederation.operator.config.Variable.AWS_ENDPOINT_URL_IAM;
import static dev.cifederation.operator.config.Variable.AWS_ENDPOINT_URL_STS;
import static dev.cifederation.operator.config.Variable.AWS_REGION;
import static dev.cifederation.operator.config.Variable.CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE;
import static dev.cifederation.operator.config.Variable.CIFED_AWS_MAX_ATTEMPTS;

import java.net.URI;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The AWS block of the configuration (the IAM path and cluster name are general settings).
 *
 * @param iamEndpoint {@code AWS_ENDPOINT_URL_IAM}, else {@code AWS_ENDPOINT_URL}: an IAM emulator
 *     such as moto; empty for AWS itself
 * @param stsEndpoint {@code AWS_ENDPOINT_URL_STS}, else {@code AWS_ENDPOINT_URL}
 * @param stsRegion {@code AWS_REGION}, else us-east-1: where STS is called (IAM is global)
 * @param assumeRoleArnTemplate {@code CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE}: for several accounts,
 *     the role the operator assumes in each, with {@value #ACCOUNT_PLACEHOLDER} standing for the
 *     identity's account; empty to use the default credential chain's identity directly
 * @param maxAttempts {@code CIFED_AWS_MAX_ATTEMPTS}: attempts per IAM call, retries included
 */
public record AwsConfig(
    Optional<URI> iamEndpoint,
    Optional<URI> stsEndpoint,
    String stsRegion,
    Optional<String> assumeRoleArnTemplate,
    int maxAttempts) {

  public static final String ACCOUNT_PLACEHOLDER = "{accountId}";
  public static final String DEFAULT_REGION = "us-east-1";
  public static final int DEFAULT_MAX_ATTEMPTS = 5;

  private static final Pattern ROLE_ARN_TEMPLATE =
      Pattern.compile("arn:aws(-[a-z]+)*:iam::\\{accountId\\}:role/[\\w+=,.@/-]{1,512}");

  /** Lenient (emulators accept any name) but no character that could reshape an endpoint URL. */
  private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,32}");

  static AwsConfig read(Environment env) {
    String example = "http://127.0.0.1:5000";
    Optional<URI> common = env.endpoint(AWS_ENDPOINT_URL, example);
    return new AwsConfig(
        env.endpoint(AWS_ENDPOINT_URL_IAM, example).or(() -> common),
        env.endpoint(AWS_ENDPOINT_URL_STS, example).or(() -> common),
        env.matching(AWS_REGION, REGION, "must be an AWS region name such as eu-west-1")
            .orElse(DEFAULT_REGION),
        env.matching(
            CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE,
            ROLE_ARN_TEMPLATE,
            "must be a role ARN with {accountId} as the account, e.g."
                + " arn:aws:iam::{accountId}:role/cifederation-operator"),
        env.integer(
            CIFED_AWS_MAX_ATTEMPTS,
            DEFAULT_MAX_ATTEMPTS,
            1,
            20,
            "a number of attempts between 1 and 20"));
  }
}
