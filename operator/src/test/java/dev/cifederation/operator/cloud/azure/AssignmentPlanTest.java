package dev.cifederation.operator.cloud.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cifederation.operator.cloud.azure.AssignmentPlan.Desired;
import dev.cifederation.operator.cloud.azure.AssignmentPlan.Live;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AssignmentPlanTest {

  private static final String SUB = "00000000-0000-0000-0000-000000000000";
  private static final String RG_SCOPE = "/subscriptions/" + SUB + "/resourceGroups/my-rg";
  private static final String SUB_SCOPE = "/subscriptions/" + SUB;
  private static final String CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";
  private static final String READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
  private static final String OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
  private static final String PRINCIPAL = "6d3c1f1e-5b8a-4c61-9d1e-1c3f1f0b6a11";
  private static final String OTHER_PRINCIPAL = "0a0a0a0a-5b8a-4c61-9d1e-1c3f1f0b6a11";

  @Test
  void assignmentNamesAreStableNameBasedGuids() {
    String name = AssignmentPlan.assignmentName(RG_SCOPE, CONTRIBUTOR, PRINCIPAL);
    assertThat(UUID.fromString(name).version()).as("name-based UUID").isEqualTo(3);
    assertThat(AssignmentPlan.assignmentName(RG_SCOPE, CONTRIBUTOR, PRINCIPAL)).isEqualTo(name);
    assertThat(
            AssignmentPlan.assignmentName(
                "/SUBSCRIPTIONS/" + SUB + "/resourcegroups/MY-RG/",
                CONTRIBUTOR.toUpperCase(),
                PRINCIPAL.toUpperCase()))
        .as("Azure compares scopes and GUIDs case-insensitively")
        .isEqualTo(name);
    assertThat(AssignmentPlan.assignmentName("/" + RG_SCOPE, CONTRIBUTOR, PRINCIPAL))
        .as("a doubled slash is the same scope")
        .isEqualTo(name);
    assertThat(AssignmentPlan.assignmentName(SUB_SCOPE, CONTRIBUTOR, PRINCIPAL)).isNotEqualTo(name);
    assertThat(AssignmentPlan.assignmentName(RG_SCOPE, READER, PRINCIPAL)).isNotEqualTo(name);
    assertThat(AssignmentPlan.assignmentName(RG_SCOPE, CONTRIBUTOR, OTHER_PRINCIPAL))
        .isNotEqualTo(name);
  }

  @Test
  void missingDeclaredAssignmentsAreCreatedUnderTheirDeterministicNames() {
    AssignmentPlan plan =
        AssignmentPlan.of(
            List.of(
                new Desired(RG_SCOPE, CONTRIBUTOR, "Contributor"),
                new Desired(SUB_SCOPE, READER, "Reader")),
            List.of(),
            PRINCIPAL);
    assertThat(plan.toCreate())
        .extracting(AssignmentPlan.Create::name)
        .containsExactly(
            AssignmentPlan.assignmentName(RG_SCOPE, CONTRIBUTOR, PRINCIPAL),
            AssignmentPlan.assignmentName(SUB_SCOPE, READER, PRINCIPAL));
    assertThat(plan.toDelete()).isEmpty();
    assertThat(plan.inSync()).isFalse();
  }

  @Test
  void declaredTwiceIsCreatedOnce() {
    AssignmentPlan plan =
        AssignmentPlan.of(
            List.of(
                new Desired(RG_SCOPE, CONTRIBUTOR, "Contributor"),
                new Desired(
                    RG_SCOPE.toUpperCase().replace("SUBSCRIPTIONS", "subscriptions"),
                    CONTRIBUTOR,
                    CONTRIBUTOR)),
            List.of(),
            PRINCIPAL);
    assertThat(plan.toCreate()).hasSize(1);
  }

  @Test
  void theOperatorsAssignmentsAreKeptWhileDeclaredAndDeletedWhenNot() {
    Live contributor = operatorMade(RG_SCOPE, CONTRIBUTOR, PRINCIPAL);
    Live reader = operatorMade(SUB_SCOPE, READER, PRINCIPAL);
    AssignmentPlan plan =
        AssignmentPlan.of(
            List.of(new Desired(RG_SCOPE, CONTRIBUTOR, "Contributor")),
            List.of(contributor, reader),
            PRINCIPAL);
    assertThat(plan.kept()).containsExactly(contributor);
    assertThat(plan.toDelete()).containsExactly(reader);
    assertThat(plan.toCreate()).isEmpty();
    assertThat(plan.undeclaredOfOthers()).isEmpty();
  }

  @Test
  void othersAssignmentsAreNeverDeletedButReportedOrCountedAsGranting() {
    Live handMadeUndeclared = handMade(SUB_SCOPE, OWNER, PRINCIPAL);
    Live handMadeDeclared = handMade(RG_SCOPE, CONTRIBUTOR, PRINCIPAL);
    Live otherPrincipal = operatorMade(RG_SCOPE, READER, OTHER_PRINCIPAL);
    AssignmentPlan plan =
        AssignmentPlan.of(
            List.of(new Desired(RG_SCOPE, CONTRIBUTOR, "Contributor")),
            List.of(handMadeUndeclared, handMadeDeclared, otherPrincipal),
            PRINCIPAL);
    assertThat(plan.toDelete()).isEmpty();
    assertThat(plan.toCreate()).as("already granted by someone else's assignment").isEmpty();
    assertThat(plan.grantedByOthers())
        .extracting(AssignmentPlan.GrantedByOther::assignment)
        .containsExactly(handMadeDeclared);
    assertThat(plan.undeclaredOfOthers()).containsExactly(handMadeUndeclared);
    assertThat(plan.inSync()).isTrue();
  }

  @Test
  void anAssignmentWithAForeignNameIsNotTheOperatorsEvenWithTheSameProperties() {
    assertThat(operatorMade(RG_SCOPE, CONTRIBUTOR, PRINCIPAL).madeByOperator()).isTrue();
    assertThat(handMade(RG_SCOPE, CONTRIBUTOR, PRINCIPAL).madeByOperator()).isFalse();
    Live renamed =
        new Live(
            "id",
            AssignmentPlan.assignmentName(RG_SCOPE, READER, PRINCIPAL),
            RG_SCOPE,
            definition(CONTRIBUTOR),
            PRINCIPAL,
            "ServicePrincipal");
    assertThat(renamed.madeByOperator()).as("our name for another role").isFalse();
  }

  @Test
  void rolesAreGivenAsGuidsDefinitionIdsOrNames() {
    assertThat(AssignmentPlan.definitionGuid(CONTRIBUTOR.toUpperCase())).contains(CONTRIBUTOR);
    assertThat(AssignmentPlan.definitionGuid(definition(READER))).contains(READER);
    assertThat(
            AssignmentPlan.definitionGuid(
                "/providers/Microsoft.Authorization/roleDefinitions/" + OWNER))
        .contains(OWNER);
    assertThat(AssignmentPlan.definitionGuid("Contributor")).isEmpty();
    assertThat(AssignmentPlan.definitionGuid("User Access Administrator")).isEmpty();
    assertThat(AssignmentPlan.definitionId(RG_SCOPE, READER)).isEqualTo(definition(READER));
    assertThat(AssignmentPlan.subscriptionOf("//subscriptions/abc/resourceGroups/x"))
        .isEqualTo("abc");
    assertThatThrownBy(
            () ->
                AssignmentPlan.subscriptionOf("/providers/Microsoft.Management/managementGroups/x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Live operatorMade(String scope, String role, String principal) {
    String name = AssignmentPlan.assignmentName(scope, role, principal);
    return new Live(
        scope + "/providers/Microsoft.Authorization/roleAssignments/" + name,
        name,
        scope,
        definition(role),
        principal,
        "ServicePrincipal");
  }

  private static Live handMade(String scope, String role, String principal) {
    String name = UUID.randomUUID().toString();
    return new Live(
        scope + "/providers/Microsoft.Authorization/roleAssignments/" + name,
        name,
        scope,
        definition(role),
        principal,
        "ServicePrincipal");
  }

  private static String definition(String guid) {
    return "/subscriptions/" + SUB + "/providers/Microsoft.Authorization/roleDefinitions/" + guid;
  }
}
