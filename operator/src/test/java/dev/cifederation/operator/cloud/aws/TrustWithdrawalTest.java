package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.guard.TrustLint;
import dev.cifederation.operator.trust.Claims;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.TrustEvaluator;
import dev.cifederation.operator.trust.WhoCanAssume;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrustWithdrawalTest {

  private static final String ROLE = "arn:aws:iam::123456789012:role/cifederation/deploy";
  private static final String PROVIDER =
      "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
  private static final Claims PRODUCTION =
      Claims.of(
          Map.of(
              "iss", "https://token.actions.githubusercontent.com",
              "aud", "sts.amazonaws.com",
              "sub", "repo:my-org/my-app:environment:production",
              "repository", "my-org/my-app",
              "environment", "production"));

  @Test
  void theWithdrawnPolicyAdmitsNoTokenAndTheLintAndWhoCanAssumeAgree() {
    for (Set<String> providers : java.util.List.of(Set.of(PROVIDER), Set.<String>of())) {
      LiveTrust.Aws withdrawn =
          new LiveTrust.Aws(ROLE, PolicyDocuments.toJson(TrustWithdrawal.document(providers)));

      var admission = TrustEvaluator.evaluate(withdrawn, PRODUCTION);
      assertThat(admission.admitted()).as(admission.reason()).isFalse();
      assertThat(admission.reason()).contains("explicitly denied");
      assertThat(TrustLint.lint(withdrawn, "AWS", TrustLint.Limits.none())).isEmpty();
      assertThat(WhoCanAssume.describe(withdrawn)).containsIgnoringCase("no Allow statement");
    }
  }

  @Test
  void theDenyKeepsNamingTheProviderSoTheSharedProviderStaysInUse() {
    var document = TrustWithdrawal.document(Set.of(PROVIDER));
    LiveRole role =
        new LiveRole(
            "deploy",
            "/cifederation/",
            ROLE,
            document,
            Set.of(),
            Map.of(),
            java.util.OptionalInt.empty(),
            java.util.Optional.empty(),
            Map.of());
    assertThat(role.trustsFederated(PROVIDER)).isTrue();
    assertThat(TrustWithdrawal.isWithdrawn(document, Set.of(PROVIDER))).isTrue();
    // IAM hands documents back normalised: one-element arrays as strings, still withdrawn
    assertThat(
            TrustWithdrawal.isWithdrawn(
                PolicyDocuments.parse(
                    "{\"Version\":\"2012-10-17\",\"Statement\":{\"Sid\":\"CIFederationTrustWithdrawn\","
                        + "\"Effect\":\"Deny\",\"Principal\":{\"Federated\":\""
                        + PROVIDER
                        + "\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\"}}"),
                Set.of(PROVIDER)))
        .isTrue();
  }
}
