package dev.cifederation.operator.cloud.aws;

import java.net.URI;
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
