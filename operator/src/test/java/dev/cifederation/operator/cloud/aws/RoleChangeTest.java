package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** A change says what it wrote; under Observe, what differs, since nothing was written. */
class RoleChangeTest {

  private static final String BOUNDARY = "arn:aws:iam::123456789012:policy/boundary";

  @Test
  void aWidenedTrustIsReportedAsADifferenceNamingWhatTheLivePolicySays() throws Exception {
    var live =
        new ObjectMapper()
            .readTree(
                """
                {"Statement":[{"Effect":"Allow","Principal":{"Federated":"p"},
                 "Condition":{"StringLike":{"sub":"repo:my-org/*"}}}]}""");
    var change = new RoleChange.UpdateTrustPolicy(live, live);

    assertThat(change.describe()).startsWith("trust policy set to the compiled one (was Allow");
    assertThat(change.difference())
        .startsWith("trust policy differs from the compiled one (was Allow")
        .contains("repo:my-org/*");
  }

  @Test
  void everyDifferenceIsSaidOfARoleLeftAsItIs() {
    assertThat(new RoleChange.AttachManagedPolicy("arn:p").difference())
        .isEqualTo("managed policy arn:p not attached (in spec.aws.managedPolicyArns)");
    assertThat(new RoleChange.DetachManagedPolicy("arn:p").difference())
        .isEqualTo("managed policy arn:p attached (not in spec.aws.managedPolicyArns)");
    assertThat(new RoleChange.PutInlinePolicy("cifederation", null, true).difference())
        .isEqualTo("inline policy cifederation differs from spec.aws.inlinePolicy");
    assertThat(new RoleChange.PutInlinePolicy("cifederation", null, false).difference())
        .isEqualTo("inline policy cifederation missing (spec.aws.inlinePolicy)");
    assertThat(new RoleChange.DeleteInlinePolicy("extra").difference())
        .isEqualTo("inline policy extra present (not in spec.aws.inlinePolicy)");
    assertThat(new RoleChange.UpdateMaxSessionDuration(3600, OptionalInt.of(43200)).difference())
        .isEqualTo("max session duration is 43200 s, the spec's 3600 s");
    assertThat(new RoleChange.PutPermissionsBoundary(BOUNDARY, null).difference())
        .isEqualTo("permissions boundary is unset, spec.aws.permissionsBoundaryArn " + BOUNDARY);
    assertThat(new RoleChange.DeletePermissionsBoundary(BOUNDARY).difference())
        .isEqualTo(
            "permissions boundary "
                + BOUNDARY
                + " present (not in spec.aws.permissionsBoundaryArn)");
    assertThat(new RoleChange.TagRole(Map.of("cifederation.dev/owner", "a/b")).difference())
        .isEqualTo("ownership tags {cifederation.dev/owner=a/b} missing");
  }
}
