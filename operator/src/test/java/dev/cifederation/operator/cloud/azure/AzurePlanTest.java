package dev.cifederation.operator.cloud.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.Owner.Verdict;
import dev.cifederation.operator.cloud.azure.ArmClient.LiveIdentity;
import dev.cifederation.operator.cloud.azure.AssignmentPlan.Desired;
import dev.cifederation.operator.cloud.azure.AzurePlan.IdentityWrite;
import dev.cifederation.operator.cloud.azure.AzurePlan.Intent;
import dev.cifederation.operator.cloud.azure.CredentialPlan.Credential;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Azure pass decided from what was read, without Azure. */
class AzurePlanTest {

  private static final String SUB = "00000000-0000-0000-0000-000000000000";
  private static final String RG_SCOPE = "/subscriptions/" + SUB + "/resourceGroups/my-rg";
  private static final String READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
  private static final String OWNER_ROLE = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
  private static final String PRINCIPAL = "6d3c1f1e-5b8a-4c61-9d1e-1c3f1f0b6a11";
  private static final String ISSUER = "https://token.actions.githubusercontent.com";
  private static final List<String> AUDIENCE = List.of("api://AzureADTokenExchange");
  private static final String FIRST = "cifed-team-a_deploy";
  private static final String SECOND = "cifed-team-a_deploy-migration";
  private static final String SUBJECT = "repo:my-org/my-app:environment:production";
  private static final Owner OWNER = new Owner("team-a/deploy", "prod", "uid-1");
  private static final IdentityRef AT = new IdentityRef(SUB, "my-rg", "cifed-team-a_deploy");
  private static final List<Desired> READER_AT_RG =
      List.of(new Desired(RG_SCOPE, READER, "Reader"));

  // ---------------------------------------------------------------------------- the identity

  @Test
  void aMissingIdentityIsCreatedWithEveryCredentialAndEveryDeclaredAssignment() {
    AzurePlan plan = AzurePlan.of(intent(false), AzureLive.missing(READER_AT_RG));

    assertThat(plan.identityWrite()).isEqualTo(IdentityWrite.CREATE);
    assertThat(plan.conflict()).isEmpty();
    assertThat(plan.credentials().puts())
        .singleElement()
        .satisfies(put -> assertThat(put.credential()).isEqualTo(credential(FIRST, SUBJECT)));
    assertThat(plan.assignments())
        .as("a new principal holds none: nothing to read or compare, every one is created")
        .isEmpty();
    assertThat(plan.declared()).isEqualTo(READER_AT_RG);
    assertThat(plan.differences()).containsExactly(AT.describe() + " does not exist");
  }

  @Test
  void anotherResourcesIdentityIsAConflictAndNothingElseIsPlanned() {
    LiveIdentity theirs = identity(Map.of("cifederation.dev_owner", "team-b/deploy"));
    AzureLive live = AzureLive.stranger(READER_AT_RG, theirs, Verdict.OTHER_OWNER);

    AzurePlan plan = AzurePlan.of(intent(false, true, List.of("*")), live);

    assertThat(AzurePlan.mayActOn(intent(false, true, List.of("*")), theirs, Verdict.OTHER_OWNER))
        .as("even asked and granted: another resource's identity is never adopted")
        .isFalse();
    assertThat(plan.conflict())
        .hasValueSatisfying(
            m ->
                assertThat(m)
                    .contains("belongs to another resource of cluster prod")
                    .contains("never adopted while marked")
                    .doesNotContain("team-b"));
    assertThat(plan.identityWrite()).isEqualTo(IdentityWrite.NONE);
    assertThat(plan.identityIsOurs()).isFalse();
    assertThat(plan.credentials().puts()).isNotEmpty(); // only what status.azure will name
    assertThat(plan.assignments()).isEmpty();
    assertThat(plan.findings()).isEmpty();
    assertThat(plan.differences()).isEmpty();
  }

  @Test
  void anUnmarkedIdentityIsAdoptedOnlyWithTheAskAndTheGrantAndUnderObserveOnlyAnnounced() {
    LiveIdentity unmarked = identity(Map.of("env", "prod"));
    String pattern = "/subscriptions/" + SUB + "/*";

    assertThat(
            AzurePlan.of(intent(false, false, List.of(pattern)), read(unmarked, Verdict.UNMARKED))
                .conflict())
        .hasValueSatisfying(m -> assertThat(m).contains("set spec.adoptExisting: true"));
    assertThat(
            AzurePlan.of(intent(false, true, List.of()), read(unmarked, Verdict.UNMARKED))
                .conflict())
        .hasValueSatisfying(m -> assertThat(m).contains("spec.adoptExisting is set, but no"));
    AzurePlan observed =
        AzurePlan.of(intent(true, true, List.of(pattern)), read(unmarked, Verdict.UNMARKED));
    assertThat(observed.conflict()).as("Observe compares it as it would be adopted").isEmpty();
    assertThat(observed.identityWrite()).isEqualTo(IdentityWrite.ADOPT);
    assertThat(observed.identityIsOurs()).isFalse();
    assertThat(observed.differences())
        .as("the missing ownership tags are no difference")
        .noneMatch(d -> d.contains("ownership tags"));

    AzurePlan adopted =
        AzurePlan.of(intent(false, true, List.of(pattern)), read(unmarked, Verdict.UNMARKED));
    assertThat(adopted.conflict()).isEmpty();
    assertThat(adopted.identityWrite()).isEqualTo(IdentityWrite.ADOPT);
    assertThat(adopted.grant()).contains(pattern);
    assertThat(adopted.identityIsOurs()).as("not before its tags are written").isFalse();
  }

  @Test
  void aLegacyIdentityIsMarkedWithoutADifferenceAndRemovedMarksAreOne() {
    AzurePlan legacy =
        AzurePlan.of(
            intent(true), read(identity(Map.of()), Verdict.LEGACY, credential(FIRST, SUBJECT)));
    assertThat(legacy.identityWrite()).isEqualTo(IdentityWrite.MARK_LEGACY);
    assertThat(legacy.differences()).as("a migration of the marks, not drift").isEmpty();

    AzurePlan drifted =
        AzurePlan.of(
            intent(true),
            read(identity(Map.of()), Verdict.MARKS_DRIFTED, credential(FIRST, SUBJECT)));
    assertThat(drifted.identityWrite()).isEqualTo(IdentityWrite.RESTORE_MARKS);
    assertThat(drifted.differences())
        .containsExactly("ownership tags of " + AT.describe() + " are missing or changed");
  }

  @Test
  void anIdentityElsewhereThanTheSpecSaysIsAFinding() {
    LiveIdentity moved =
        new LiveIdentity(AT.id(), AT.name(), "West Europe", Map.of(), "c", PRINCIPAL, "t");
    AzurePlan plan =
        AzurePlan.of(
            intent(false),
            new AzureLive(
                List.of(),
                Optional.of(moved),
                Optional.of(Verdict.OURS),
                List.of(credential(FIRST, SUBJECT)),
                List.of()));
    assertThat(plan.findings())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.getRule()).isEqualTo("IdentityLocationMismatch");
              assertThat(f.getMessage()).contains("West Europe").contains("eastus");
            });
    assertThat(
            AzurePlan.of(
                    intent(false),
                    read(
                        new LiveIdentity(
                            AT.id(), AT.name(), "East US", Map.of(), "c", PRINCIPAL, "t"),
                        Verdict.OURS,
                        credential(FIRST, SUBJECT)))
                .findings())
        .as("Azure's display name of the same region")
        .isEmpty();
  }

  // --------------------------------------------------------------------------- credentials

  @Test
  void foreignAndUndeclaredCredentialsAreDifferencesAndUnderObserveFindings() {
    Credential foreign = new Credential("by-hand", ISSUER, "repo:x/y:pull_request", AUDIENCE);
    Credential stale = credential(SECOND, "repo:my-org/my-app:ref:refs/heads/old");
    AzureLive live =
        read(identity(Map.of()), Verdict.OURS, credential(FIRST, SUBJECT), foreign, stale);

    AzurePlan observed = AzurePlan.of(intent(true), live);
    AzurePlan enforced = AzurePlan.of(intent(false), live);

    assertThat(observed.differences())
        .containsExactly(
            AT.name()
                + " holds federated credential "
                + foreign.describe()
                + " that the operator did not create",
            "federated credential " + stale.describe() + " is no longer declared");
    assertThat(observed.findings())
        .extracting(Finding::getRule)
        .containsExactly("ForeignFederatedCredential", "ForeignFederatedCredential");
    assertThat(enforced.findings()).as("under Enforce they are removed, not reported").isEmpty();
    assertThat(enforced.credentials().foreign()).containsExactly(foreign);
    assertThat(enforced.credentials().stale()).containsExactly(stale);
    assertThat(enforced.placed()).containsExactly(credential(FIRST, SUBJECT));
  }

  @Test
  void theOldSubjectAfterAMigrationsWindowIsSaidToBeSo() {
    Credential old = credential(SECOND, "repo:my-org/my-app:environment:old");
    AzureLive live = read(identity(Map.of()), Verdict.OURS, credential(FIRST, SUBJECT), old);
    Intent ended =
        new Intent(
            target(), OWNER, "team-a/deploy", "prod", PRINCIPAL, false, List.of(), true, true);

    assertThat(AzurePlan.of(ended, live).differences())
        .singleElement()
        .satisfies(d -> assertThat(d).contains("of the subject migration, whose window has ended"));
  }

  // --------------------------------------------------------------------------- assignments

  @Test
  void assignmentsAreComparedAndOthersOnesReportedNeverPlannedAway() {
    String ourStale = AssignmentPlan.assignmentName(RG_SCOPE, OWNER_ROLE, PRINCIPAL);
    AssignmentPlan.Live operatorMade = assignment(ourStale, RG_SCOPE, OWNER_ROLE);
    AssignmentPlan.Live handMade = assignment("hand-made", "/subscriptions/" + SUB, OWNER_ROLE);
    AzureLive live =
        new AzureLive(
            READER_AT_RG,
            Optional.of(identity(Map.of())),
            Optional.of(Verdict.OURS),
            List.of(credential(FIRST, SUBJECT)),
            List.of(operatorMade, handMade));

    AzurePlan plan = AzurePlan.of(intent(true), live);

    assertThat(plan.differences())
        .containsExactly(
            "role assignment " + OWNER_ROLE + " at " + RG_SCOPE + " is no longer declared",
            "role assignment Reader at " + RG_SCOPE + " does not exist");
    assertThat(plan.assignments().orElseThrow().toDelete()).containsExactly(operatorMade);
    assertThat(plan.findings())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.getRule()).isEqualTo("UndeclaredRoleAssignment");
              assertThat(f.getMessage()).contains("hand-made");
            });
  }

  // ------------------------------------------------------------------------------- helpers

  private static Intent intent(boolean observe) {
    return intent(observe, false, List.of());
  }

  private static Intent intent(boolean observe, boolean adoptExisting, List<String> adoptable) {
    return new Intent(
        target(),
        OWNER,
        "team-a/deploy",
        "prod",
        PRINCIPAL,
        adoptExisting,
        adoptable,
        observe,
        false);
  }

  private static Target target() {
    return new Target(
        AT, "eastus", List.of(credential(FIRST, SUBJECT)), List.of(FIRST, SECOND), List.of());
  }

  private static AzureLive read(LiveIdentity identity, Verdict verdict, Credential... credentials) {
    return new AzureLive(
        List.of(), Optional.of(identity), Optional.of(verdict), List.of(credentials), List.of());
  }

  private static LiveIdentity identity(Map<String, String> tags) {
    return new LiveIdentity(AT.id(), AT.name(), "eastus", tags, "client", PRINCIPAL, "tenant");
  }

  private static Credential credential(String name, String subject) {
    return new Credential(name, ISSUER, subject, AUDIENCE);
  }

  private static AssignmentPlan.Live assignment(String name, String scope, String role) {
    return new AssignmentPlan.Live(
        scope + "/providers/Microsoft.Authorization/roleAssignments/" + name,
        name,
        scope,
        "/subscriptions/" + SUB + "/providers/Microsoft.Authorization/roleDefinitions/" + role,
        PRINCIPAL,
        "ServicePrincipal");
  }
}
