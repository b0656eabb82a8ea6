package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.cloud.RetryPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;

/** The tests' own IAM access to moto: "someone editing by hand", and checks of the result. */
final class AwsTestSupport {

  private AwsTestSupport() {}

  static IamClient iamClient(URI endpoint, AwsCredentialsProvider credentials) {
    return IamClient.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .credentialsProvider(credentials)
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .build();
  }

  /**
   * Settings of an operator-in-the-loop test against {@code endpoint} (moto, or a fault proxy in
   * front of it): one account, three attempts, retries and request timeouts in milliseconds and
   * seconds so that failures show within a test's patience.
   */
  static AwsSettings operatorSettings(URI endpoint) {
    return new AwsSettings(
        Optional.of(endpoint),
        Optional.of(endpoint),
        "us-east-1",
        Optional.empty(),
        3,
        Duration.ofMillis(20),
        Duration.ofMillis(50),
        Duration.ofMillis(200));
  }

  /**
   * The retries of a test adapter: seconds instead of the operator's half minute, so that a pass
   * that failed is tried again within a test's patience.
   */
  static RetryPolicy quickRetries(Duration resync) {
    return new RetryPolicy(
        Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(1), resync);
  }

  /** A customer-managed policy to attach or to use as a boundary; returns its ARN. */
  static String createPolicy(IamClient iam, String name) {
    return iam.createPolicy(
            r ->
                r.policyName(name)
                    .policyDocument(
                        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                            + "\"Action\":\"s3:ListAllMyBuckets\",\"Resource\":\"*\"}]}"))
        .policy()
        .arn();
  }
}
