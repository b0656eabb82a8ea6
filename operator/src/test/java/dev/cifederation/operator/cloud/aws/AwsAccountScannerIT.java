package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.cloud.ScannedObject;
import dev.cifederation.operator.cloud.TargetScan;
import dev.cifederation.operator.guard.TrustLint;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.trust.ExistingObject;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * {@code audit}'s AWS scan against moto: roles and a provider the operator never made (created here
 * by hand, as Terraform or a console would), each failure mode of the guide found, nothing written.
 */
class AwsAccountScannerIT {

  private static final String ACCOUNT = AwsCloudIT.ACCOUNT;
  private static final String PROVIDER = AwsCloudIT.PROVIDER_ARN;
  private static final String KEY = "token.actions.githubusercontent.com";

  private static MotoServer moto;
  private static FaultInjectingProxy proxy;
  private static IamClient admin;

  @BeforeAll
  static void seedLegacyObjects() {
    moto = MotoServer.start();
    proxy = new FaultInjectingProxy(moto.endpoint());
    admin = AwsTestSupport.iamClient(moto.endpoint(), AwsCloudIT.TEST_CREDENTIALS);
    admin.createOpenIDConnectProvider(
        r ->
            r.url("https://" + KEY)
                .clientIDList("sts.amazonaws.com")
                .thumbprintList("6938fd4d98bab03faadb97b34396831e3780aea1"));
    role(
        "legacy-org-wide",
        "{\"StringEquals\":{\""
            + KEY
            + ":aud\":\"sts.amazonaws.com\"},"
            + "\"StringLike\":{\""
            + KEY
            + ":sub\":\"repo:my-org/*\"}}",
        "/");
    role(
        "legacy-no-aud",
        "{\"StringEquals\":{\"" + KEY + ":sub\":\"repo:my-org/my-app:ref:refs/heads/main\"}}",
        "/teams/");
    role(
        "legacy-pull-request",
        "{\"StringEquals\":{\""
            + KEY
            + ":aud\":\"sts.amazonaws.com\","
            + "\""
            + KEY
            + ":sub\":\"repo:my-org/my-app:pull_request\"}}",
        "/");
    role(
        "legacy-production",
        "{\"StringEquals\":{\""
            + KEY
            + ":aud\":\"sts.amazonaws.com\","
            + "\""
            + KEY
            + ":sub\":\"repo:my-org/my-app:environment:production\"}}",
        "/");
    admin.createRole(
        r ->
            r.roleName("ec2-service")
                .assumeRolePolicyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        + "\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},"
                        + "\"Action\":\"sts:AssumeRole\"}]}"));
    proxy.reset();
  }

  private static void role(String name, String condition, String path) {
    admin.createRole(
        r ->
            r.roleName(name)
                .path(path)
                .assumeRolePolicyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        + "\"Principal\":{\"Federated\":\""
                        + PROVIDER
                        + "\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":"
                        + condition
                        + "}]}"));
  }

  @AfterAll
  static void stop() {
    admin.close();
    proxy.close();
    moto.close();
  }

  @Test
  void findsEveryLegacyFailureModeAndWritesNothing() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CloudCalls calls = new CloudCalls(registry, "AWS");
    TargetScan scan;
    try (var scanner =
        new AwsAccountScanner(
            AwsTestSupport.operatorSettings(proxy.endpoint()),
            AwsCloudIT.TEST_CREDENTIALS,
            calls)) {
      scan = scanner.scan(ACCOUNT);
    }

    assertThat(scan.failure()).isEmpty();
    Map<String, ScannedObject> roles =
        scan.objects().stream()
            .filter(o -> o.kind().equals("role"))
            .collect(Collectors.toMap(o -> o.id().substring(o.id().lastIndexOf('/') + 1), o -> o));
    // every role trusting an OIDC provider, on any path; the service role is not one
    assertThat(roles)
        .containsOnlyKeys(
            "legacy-org-wide", "legacy-no-aud", "legacy-pull-request", "legacy-production");
    assertThat(roles.get("legacy-no-aud").id())
        .isEqualTo("arn:aws:iam::" + ACCOUNT + ":role/teams/legacy-no-aud");
    assertThat(roles.get("legacy-no-aud").existing())
        .contains(new ExistingObject.AwsRole(ACCOUNT, "legacy-no-aud"));

    assertThat(rules(roles.get("legacy-org-wide"))).contains("WildcardSubject");
    assertThat(rules(roles.get("legacy-no-aud"))).contains("MissingAudience");
    assertThat(rules(roles.get("legacy-pull-request"))).contains("PullRequestSubject");
    assertThat(rules(roles.get("legacy-production"))).isEmpty();

    ScannedObject provider =
        scan.objects().stream().filter(o -> o.kind().equals("oidc-provider")).findFirst().get();
    assertThat(provider.id()).isEqualTo(PROVIDER);
    assertThat(provider.notes())
        .contains(
            "client IDs: sts.amazonaws.com",
            "thumbprints: 6938fd4d98bab03faadb97b34396831e3780aea1");

    // read-only, on the wire and in the gateway's own count
    assertThat(proxy.seen()).isNotEmpty();
    assertThat(proxy.seen())
        .allSatisfy(seen -> assertThat(seen.action()).matches("(Get|List)[A-Za-z]+"));
    assertThat(AwsCloudIT.WRITES.stream().mapToDouble(calls::count).sum()).isZero();
  }

  private static List<String> rules(ScannedObject object) {
    return TrustLint.lint(object.trust().orElseThrow(), "AWS", TrustLint.Limits.none()).stream()
        .map(Finding::getRule)
        .toList();
  }
}
