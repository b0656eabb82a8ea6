package dev.cifederation.operator.cloud.azure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ForbiddenRolesTest {

  private static final String OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
  private static final String CUSTOM = "3f2c9d44-8b1e-4c0a-9f6e-5d7a1b2c3d4e";

  @Test
  void aNameEntryForbidsTheRoleOfThatNameWhateverGuidItWasWrittenAs() {
    ForbiddenRoles forbidden = new ForbiddenRoles(List.of("owner", "Deploy Admin"));
    assertThat(forbidden.forbidding(OWNER, "Owner")).contains("owner");
    assertThat(forbidden.forbidding(CUSTOM, "Deploy Admin")).contains("Deploy Admin");
    assertThat(forbidden.forbidding(CUSTOM, "Deploy Reader")).isEmpty();
  }

  @Test
  void aGuidOrDefinitionIdEntryForbidsThatDefinitionWhateverItIsCalled() {
    ForbiddenRoles forbidden =
        new ForbiddenRoles(
            List.of(
                OWNER.toUpperCase(),
                "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/" + CUSTOM));
    assertThat(forbidden.forbidding(OWNER, "Owner")).contains(OWNER.toUpperCase());
    assertThat(forbidden.forbidding(CUSTOM, "Deploy Admin")).isPresent();
    assertThat(forbidden.forbidding("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"))
        .isEmpty();
  }

  @Test
  void blankEntriesForbidNothing() {
    ForbiddenRoles forbidden = new ForbiddenRoles(List.of(" ", ""));
    assertThat(forbidden.isEmpty()).isTrue();
    assertThat(forbidden.forbidding(OWNER, "Owner")).isEmpty();
  }
}
