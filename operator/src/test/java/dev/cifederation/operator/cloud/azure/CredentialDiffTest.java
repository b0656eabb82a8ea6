package dev.cifederation.operator.cloud.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.cloud.azure.CredentialDiff.Credential;
import java.util.List;
import org.junit.jupiter.api.Test;

class CredentialDiffTest {

  private static final String ISSUER = "https://token.actions.githubusercontent.com";
  private static final List<String> AUDIENCE = List.of("api://AzureADTokenExchange");
  private static final Credential DESIRED =
      new Credential(
          "cifed-team-a_deploy", ISSUER, "repo:my-org/my-app:environment:production", AUDIENCE);

  @Test
  void theExactCredentialAloneIsInSync() {
    CredentialDiff diff =
        CredentialDiff.of(
            DESIRED,
            List.of(new Credential("CIFED-TEAM-A_DEPLOY", ISSUER, DESIRED.subject(), AUDIENCE)));
    assertThat(diff.inSync()).as("names are case-insensitive in ARM").isTrue();
    assertThat(diff.differences()).isEmpty();
  }

  @Test
  void aChangedSubjectIssuerOrAudienceIsNamed() {
    CredentialDiff diff =
        CredentialDiff.of(
            DESIRED,
            List.of(
                new Credential(
                    DESIRED.name(),
                    ISSUER + "/",
                    "repo:my-org/my-app:ref:refs/heads/feature",
                    List.of("other"))));
    assertThat(diff.inSync()).isFalse();
    assertThat(diff.missing()).isFalse();
    assertThat(diff.differences())
        .containsExactly(
            "issuer '" + ISSUER + "/' -> '" + ISSUER + "'",
            "subject 'repo:my-org/my-app:ref:refs/heads/feature' -> 'repo:my-org/my-app:environment:production'",
            "audiences [other] -> [api://AzureADTokenExchange]");
  }

  @Test
  void otherCredentialsOnTheIdentityAreForeign() {
    Credential handMade =
        new Credential("added-by-hand", ISSUER, "repo:my-org/my-app:pull_request", AUDIENCE);
    CredentialDiff diff = CredentialDiff.of(DESIRED, List.of(handMade, DESIRED));
    assertThat(diff.foreign()).containsExactly(handMade);
    assertThat(diff.inSync()).isFalse();
    assertThat(diff.differences()).isEmpty();
  }

  @Test
  void aMissingCredentialIsMissing() {
    CredentialDiff diff = CredentialDiff.of(DESIRED, List.of());
    assertThat(diff.missing()).isTrue();
    assertThat(diff.inSync()).isFalse();
  }
}
