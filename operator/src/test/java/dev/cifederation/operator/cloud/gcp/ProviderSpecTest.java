package dev.cifederation.operator.cloud.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.services.iam.v1.model.Oidc;
import com.google.api.services.iam.v1.model.WorkloadIdentityPoolProvider;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.gcp.ProviderSpec.Field;
import dev.cifederation.operator.trust.GcpTrust;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ProviderSpecTest {

  private static final String OWNER = "team-a/deploy";
  private static final String CONDITION =
      "assertion.repository == 'my-org/my-app' && assertion.sub =="
          + " 'repo:my-org/my-app:environment:production'";

  private final WorkloadIdentityPoolProvider desired =
      ProviderSpec.desired(trust(List.of()), new Owner(OWNER, "prod", "uid-1"));

  @Test
  void desiredCarriesTheCompiledTrustAndTheOwnershipMarks() {
    assertThat(desired.getAttributeCondition()).isEqualTo(CONDITION);
    assertThat(desired.getAttributeMapping())
        .containsEntry("google.subject", "assertion.sub")
        .containsEntry("attribute.repository", "assertion.repository");
    assertThat(desired.getOidc().getIssuerUri())
        .isEqualTo("https://token.actions.githubusercontent.com");
    assertThat(desired.getOidc().getAllowedAudiences()).as("default audience").isNull();
    assertThat(desired.getDescription())
        .isEqualTo(
            "cifederation.dev/owner=team-a/deploy cifederation.dev/uid=uid-1"
                + " cifederation.dev/cluster=prod");
    assertThat(desired.getDisplayName()).isEqualTo(OWNER);
    assertThat(desired.getDisabled()).isFalse();
  }

  @Test
  void displayNamesAreCutToGooglesLimit() {
    assertThat(ProviderSpec.displayName("a-long-namespace/a-rather-long-identity-name"))
        .hasSize(32);
  }

  @Test
  void aLiveCopyAsGoogleReturnsItHasNoDiff() {
    // Google omits false and empty values and may re-space the expressions
    WorkloadIdentityPoolProvider live = live();
    live.setDisabled(null);
    live.setAttributeCondition(CONDITION.replace(" == ", "=="));
    live.setAttributeMapping(new TreeMap<>(live.getAttributeMapping()));

    assertThat(ProviderSpec.diff(live, desired)).isEmpty();
  }

  @Test
  void aWidenedConditionIsTheOnlyDifference() {
    WorkloadIdentityPoolProvider live =
        live().setAttributeCondition("assertion.repository_owner == 'my-org'");

    List<Field> diff = ProviderSpec.diff(live, desired);

    assertThat(diff).containsExactly(Field.attributeCondition);
    assertThat(ProviderSpec.updateMask(diff)).isEqualTo("attributeCondition");
    assertThat(ProviderSpec.describe(Field.attributeCondition, live))
        .isEqualTo("attributeCondition='assertion.repository_owner == 'my-org''");
  }

  @Test
  void aRemovedConditionIsADifference() {
    assertThat(ProviderSpec.diff(live().setAttributeCondition(null), desired))
        .containsExactly(Field.attributeCondition);
  }

  @Test
  void everyManagedFieldIsCompared() {
    WorkloadIdentityPoolProvider live = live();
    live.setDisplayName("renamed");
    live.setDescription("cifederation.dev/owner=team-a/deploy cifederation.dev/cluster=prod hi");
    live.setDisabled(true);
    Map<String, String> mapping = new LinkedHashMap<>(live.getAttributeMapping());
    mapping.put("attribute.actor", "assertion.actor");
    live.setAttributeMapping(mapping);
    live.setAttributeCondition("true");
    live.setOidc(
        new Oidc()
            .setIssuerUri("https://evil.example.com")
            .setAllowedAudiences(List.of("other"))
            .setJwksJson("{\"keys\":[]}"));

    List<Field> diff = ProviderSpec.diff(live, desired);

    assertThat(diff).containsExactly(Field.values());
    assertThat(ProviderSpec.updateMask(diff))
        .isEqualTo(
            "displayName,description,disabled,attributeMapping,attributeCondition,"
                + "oidc.issuerUri,oidc.allowedAudiences,oidc.jwksJson");
  }

  @Test
  void aMappingExpressionChangeIsADifferenceButItsSpacingIsNot() {
    Map<String, String> respaced = new LinkedHashMap<>(desired.getAttributeMapping());
    respaced.put("google.subject", " assertion . sub ");
    Map<String, String> changed = new LinkedHashMap<>(desired.getAttributeMapping());
    changed.put("google.subject", "assertion.repository");

    assertThat(ProviderSpec.diff(live().setAttributeMapping(respaced), desired)).isEmpty();
    assertThat(ProviderSpec.diff(live().setAttributeMapping(changed), desired))
        .containsExactly(Field.attributeMapping);
  }

  @Test
  void audiencesAreASet() {
    WorkloadIdentityPoolProvider withAudiences =
        ProviderSpec.desired(trust(List.of("a", "b")), new Owner(OWNER, "prod", "uid-1"));
    WorkloadIdentityPoolProvider live = withAudiences.clone();
    live.getOidc().setAllowedAudiences(List.of("b", "a", "a"));

    assertThat(ProviderSpec.diff(live, withAudiences)).isEmpty();
    live.getOidc().setAllowedAudiences(List.of("a"));
    assertThat(ProviderSpec.diff(live, withAudiences)).containsExactly(Field.allowedAudiences);
  }

  @Test
  void thePatchBodyHoldsOnlyTheMaskedFields() {
    WorkloadIdentityPoolProvider body =
        ProviderSpec.patchBody(desired, List.of(Field.attributeCondition, Field.jwksJson));

    assertThat(body.getAttributeCondition()).isEqualTo(CONDITION);
    assertThat(body.getOidc()).isNotNull();
    assertThat(body.getOidc().getJwksJson()).as("cleared by the mask").isNull();
    assertThat(body.getOidc().getIssuerUri()).isNull();
    assertThat(body.getDescription()).isNull();
    assertThat(body.getAttributeMapping()).isNull();
  }

  private WorkloadIdentityPoolProvider live() {
    WorkloadIdentityPoolProvider live = desired.clone();
    live.setName("projects/1/locations/global/workloadIdentityPools/p/providers/x");
    live.setState("ACTIVE");
    live.setAttributeMapping(new LinkedHashMap<>(desired.getAttributeMapping()));
    live.setOidc(desired.getOidc().clone());
    return live;
  }

  private static GcpTrust trust(List<String> audiences) {
    TreeMap<String, String> mapping = new TreeMap<>();
    mapping.put("google.subject", "assertion.sub");
    mapping.put("attribute.repository", "assertion.repository");
    return new GcpTrust(
        "my-project",
        "123456789012",
        "ci-federation",
        "cifed-team-a-deploy-0123456789",
        "projects/123456789012/locations/global/workloadIdentityPools/ci-federation/providers/cifed-team-a-deploy-0123456789",
        "https://token.actions.githubusercontent.com",
        new ArrayList<>(audiences),
        mapping,
        CONDITION,
        "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci-federation/subject/repo:my-org/my-app:environment:production",
        "https://iam.googleapis.com/projects/...",
        "ci-deployer@my-project.iam.gserviceaccount.com");
  }
}
