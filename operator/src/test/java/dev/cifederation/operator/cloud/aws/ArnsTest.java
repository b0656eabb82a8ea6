package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.AwsIdentityStatus;
import org.junit.jupiter.api.Test;

class ArnsTest {

  @Test
  void accountAndRoleNameComeBackFromTheRecordedArns() {
    AwsIdentityStatus status = new AwsIdentityStatus();
    status.setRoleArn("arn:aws:iam::123456789012:role/cifederation/GitHubActionsDeployRole");
    status.setProviderArn("arn:aws:iam::123456789012:oidc-provider/gitlab.example.com/gitlab");

    assertThat(Arns.account(status)).contains("123456789012");
    assertThat(Arns.roleName(status)).contains("GitHubActionsDeployRole");
  }

  @Test
  void theProviderTellsTheAccountWhenNoRoleWasRecorded() {
    AwsIdentityStatus status = new AwsIdentityStatus();
    status.setProviderArn(
        "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com");

    assertThat(Arns.account(status)).contains("111111111111");
    assertThat(Arns.roleName(status)).isEmpty();
  }

  @Test
  void nothingRecordedOrNotAnIamArn() {
    assertThat(Arns.account(null)).isEmpty();
    AwsIdentityStatus status = new AwsIdentityStatus();
    status.setRoleArn("arn:aws:s3:::bucket");
    assertThat(Arns.account(status)).isEmpty();
    assertThat(Arns.roleName(status)).isEmpty();
  }
}
