package dev.cifederation.operator.cloud.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.cloud.azure.CredentialPlan.Credential;
import dev.cifederation.operator.cloud.azure.CredentialPlan.Put;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CredentialPlanTest {

  private static final String ISSUER = "https://token.actions.githubusercontent.com";
  private static final List<String> AUDIENCE = List.of("api://AzureADTokenExchange");
  private static final String FIRST = "cifed-team-a_deploy";
  private static final String SECOND = "cifed-team-a_deploy-migration";
  private static final List<String> OWN = List.of(FIRST, SECOND);
  private static final String NAMES = "repo:my-org/my-app:environment:production";
  private static final String IDS = "repo:my-org@7890/my-app@123456:environment:production";

  private static Credential credential(String name, String subject) {
    return new Credential(name, ISSUER, subject, AUDIENCE);
  }

  @Test
  void theExactCredentialAloneIsInSync() {
    CredentialPlan plan =
        CredentialPlan.of(
            List.of(credential(FIRST, NAMES)),
            OWN,
            List.of(credential(FIRST.toUpperCase(), NAMES)));
    assertThat(plan.inSync()).as("names are case-insensitive in ARM").isTrue();
    assertThat(plan.after()).extracting(Credential::subject).containsExactly(NAMES);
  }

  @Test
  void aChangedSubjectIssuerOrAudienceIsOverwrittenInPlaceAndNamed() {
    Credential edited =
        new Credential(
            FIRST, ISSUER + "/", "repo:my-org/my-app:ref:refs/heads/feature", List.of("other"));
    CredentialPlan plan =
        CredentialPlan.of(List.of(credential(FIRST, NAMES)), OWN, List.of(edited));
    assertThat(plan.puts())
        .singleElement()
        .satisfies(
            put -> {
              assertThat(put.replaced()).contains(edited);
              assertThat(put.credential()).isEqualTo(credential(FIRST, NAMES));
              assertThat(put.differences())
                  .containsExactly(
                      "issuer '" + ISSUER + "/' -> '" + ISSUER + "'",
                      "subject 'repo:my-org/my-app:ref:refs/heads/feature' -> '" + NAMES + "'",
                      "audiences [other] -> [api://AzureADTokenExchange]");
            });
    assertThat(plan.stale()).isEmpty();
  }

  @Test
  void credentialsUnderOtherNamesAreForeignUnlessTheyHoldExactlyTheDesiredTrust() {
    Credential handMade = credential("added-by-hand", "repo:my-org/my-app:pull_request");
    Credential sameTrustByHand = credential("also-by-hand", NAMES);
    CredentialPlan plan =
        CredentialPlan.of(
            List.of(credential(FIRST, NAMES)), OWN, List.of(handMade, sameTrustByHand));
    assertThat(plan.foreign()).containsExactly(handMade);
    assertThat(plan.puts())
        .as("kept under its name: a delete and re-create would refuse its tokens meanwhile")
        .isEmpty();
    assertThat(plan.after()).containsExactly(sameTrustByHand);
  }

  @Test
  void aCredentialUnderAnotherNameWithTheSameSubjectButAnotherAudienceIsForeign() {
    Credential otherAudience =
        new Credential("by-hand", ISSUER, NAMES, List.of("api://SomethingElse"));
    CredentialPlan plan =
        CredentialPlan.of(List.of(credential(FIRST, NAMES)), OWN, List.of(otherAudience));
    assertThat(plan.foreign()).containsExactly(otherAudience);
    assertThat(plan.puts()).singleElement().satisfies(put -> assertThat(put.replaced()).isEmpty());
    assertThat(plan.after()).containsExactly(credential(FIRST, NAMES));
  }

  @Test
  void aMissingCredentialIsCreatedUnderItsOwnName() {
    CredentialPlan plan = CredentialPlan.of(List.of(credential(FIRST, IDS)), OWN, List.of());
    assertThat(plan.puts()).containsExactly(new Put(credential(FIRST, IDS), Optional.empty()));
    assertThat(plan.inSync()).isFalse();
  }

  @Test
  void aMigrationsStartAddsTheNewSubjectBesideTheOldOneWhichStaysWhereItIs() {
    // before: the first credential holds the name-based subject
    List<Credential> live = List.of(credential(FIRST, NAMES));
    List<Credential> desired = List.of(credential(FIRST, IDS), credential(SECOND, NAMES));

    CredentialPlan plan = CredentialPlan.of(desired, OWN, live);

    assertThat(plan.puts())
        .as("one creation, no overwrite: the name-based subject is admitted throughout")
        .containsExactly(new Put(credential(SECOND, IDS), Optional.empty()));
    assertThat(plan.stale()).isEmpty();
    assertThat(plan.after()).containsExactly(credential(SECOND, IDS), credential(FIRST, NAMES));
    assertThat(apply(plan, live)).hasSize(2);
    assertThat(CredentialPlan.of(desired, OWN, apply(plan, live)).inSync())
        .as("converged: the next pass writes nothing")
        .isTrue();
  }

  @Test
  void aMigrationsEndDeletesTheOldSubjectOnlyAndKeepsTheNewWhereItIs() {
    List<Credential> live = List.of(credential(FIRST, NAMES), credential(SECOND, IDS));

    CredentialPlan plan = CredentialPlan.of(List.of(credential(FIRST, IDS)), OWN, live);

    assertThat(plan.puts()).as("the immutable subject is never rewritten").isEmpty();
    assertThat(plan.stale()).containsExactly(credential(FIRST, NAMES));
    assertThat(plan.after()).containsExactly(credential(SECOND, IDS));
  }

  @Test
  void aMigrationDeclaredOnANewIdentityCreatesBothUnderTheirOwnNames() {
    List<Credential> desired = List.of(credential(FIRST, IDS), credential(SECOND, NAMES));
    CredentialPlan plan = CredentialPlan.of(desired, OWN, List.of());
    assertThat(plan.puts())
        .extracting(Put::credential)
        .containsExactly(credential(FIRST, IDS), credential(SECOND, NAMES));
  }

  @Test
  void aSecondCredentialEditedByHandIsOverwrittenRatherThanAThirdCreated() {
    List<Credential> live =
        List.of(credential(FIRST, NAMES), credential(SECOND, "repo:attacker/fork:ref:x"));
    List<Credential> desired = List.of(credential(FIRST, IDS), credential(SECOND, NAMES));

    CredentialPlan plan = CredentialPlan.of(desired, OWN, live);

    assertThat(plan.puts())
        .singleElement()
        .satisfies(
            put -> {
              assertThat(put.credential()).isEqualTo(credential(SECOND, IDS));
              assertThat(put.differences())
                  .containsExactly("subject 'repo:attacker/fork:ref:x' -> '" + IDS + "'");
            });
    assertThat(plan.stale()).isEmpty();
  }

  @Test
  void anOwnedCredentialNoLongerDesiredIsStale() {
    List<Credential> live = List.of(credential(FIRST, IDS), credential(SECOND, NAMES));
    CredentialPlan plan = CredentialPlan.of(List.of(credential(FIRST, IDS)), OWN, live);
    assertThat(plan.stale()).containsExactly(credential(SECOND, NAMES));
    assertThat(plan.puts()).isEmpty();
  }

  /** What the identity holds once the plan is applied in its order. */
  private static List<Credential> apply(CredentialPlan plan, List<Credential> live) {
    List<Credential> now = new ArrayList<>(live);
    now.removeAll(plan.foreign());
    for (Put put : plan.puts()) {
      now.removeIf(c -> c.name().equalsIgnoreCase(put.credential().name()));
      now.add(put.credential());
    }
    now.removeAll(plan.stale());
    return now;
  }
}
