package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

public class AwsIdentitySpec {

  @Required
  @ValidationRule(
      value = "self.matches('^[0-9]{12}$')",
      message = "spec.aws.accountId must be a 12-digit AWS account ID")
  @ValidationRule(value = "self == oldSelf", message = "spec.aws.accountId is immutable once set")
  @Size(max = 12)
  @JsonPropertyDescription("The 12-digit AWS account the role lives in. Immutable.")
  private String accountId;

  @Size(min = 1, max = 64)
  @ValidationRule(
      value = "self.matches('^[A-Za-z0-9+=,.@_-]{1,64}$')",
      message =
          "spec.aws.roleName must be 1-64 characters of letters, digits and +=,.@_- (IAM role name rules)")
  @JsonPropertyDescription(
      "Name of the IAM role. Default: derived from namespace and name, IAM-legal and at most 64 characters.")
  private String roleName;

  @Default("1h")
  @Size(min = 2, max = 16)
  @ValidationRule(
      value = "self.matches('^([0-9]{1,2}h)?([0-9]{1,4}m)?([0-9]{1,6}s)?$')",
      message = "spec.aws.maxSessionDuration must be a duration such as 1h, 90m or 2h30m")
  @ValidationRule(
      value =
          "!self.matches('^([0-9]{1,2}h)?([0-9]{1,4}m)?([0-9]{1,6}s)?$') || (duration(self) >= duration('1h') &&"
              + " duration(self) <= duration('12h'))",
      message = "spec.aws.maxSessionDuration must be between 1h and 12h (IAM limits)")
  @JsonPropertyDescription(
      "Maximum session duration of the role, between 1h and 12h (e.g. 1h, 90m).")
  private String maxSessionDuration = "1h";

  @Size(max = 20)
  @ValidationRule(
      value =
          "self.all(a, a.matches('^arn:aws(-[a-z]+)*:iam::(aws|[0-9]{12}):policy/[A-Za-z0-9+=,.@_/-]+$'))",
      message =
          "spec.aws.managedPolicyArns entries must be IAM policy ARNs (arn:aws:iam::<account|aws>:policy/<name>)")
  @ValidationRule(
      value = "self.all(a, self.exists_one(b, b == a))",
      message = "spec.aws.managedPolicyArns entries must be unique")
  @JsonPropertyDescription(
      "ARNs of managed policies attached to the role; exactly these are attached (others are detached).")
  private List<@Size(max = 2048) String> managedPolicyArns = new ArrayList<>();

  @PreserveUnknownFields
  @JsonPropertyDescription(
      "An IAM policy document (Version, Statement) written as YAML, put as the role's single inline policy.")
  private ObjectNode inlinePolicy;

  @Size(max = 2048)
  @ValidationRule(
      value =
          "self.matches('^arn:aws(-[a-z]+)*:iam::(aws|[0-9]{12}):policy/[A-Za-z0-9+=,.@_/-]+$')",
      message =
          "spec.aws.permissionsBoundaryArn must be an IAM policy ARN (arn:aws:iam::<account|aws>:policy/<name>)")
  @JsonPropertyDescription("ARN of the managed policy set as the role's permissions boundary.")
  private String permissionsBoundaryArn;

  public String getAccountId() {
    return accountId;
  }

  public void setAccountId(String accountId) {
    this.accountId = accountId;
  }

  public String getRoleName() {
    return roleName;
  }

  public void setRoleName(String roleName) {
    this.roleName = roleName;
  }

  public String getMaxSessionDuration() {
    return maxSessionDuration;
  }

  public void setMaxSessionDuration(String maxSessionDuration) {
    this.maxSessionDuration = maxSessionDuration;
  }

  public List<String> getManagedPolicyArns() {
    return managedPolicyArns;
  }

  public void setManagedPolicyArns(List<String> managedPolicyArns) {
    this.managedPolicyArns = managedPolicyArns;
  }

  public ObjectNode getInlinePolicy() {
    return inlinePolicy;
  }

  public void setInlinePolicy(ObjectNode inlinePolicy) {
    this.inlinePolicy = inlinePolicy;
  }

  public String getPermissionsBoundaryArn() {
    return permissionsBoundaryArn;
  }

  public void setPermissionsBoundaryArn(String permissionsBoundaryArn) {
    this.permissionsBoundaryArn = permissionsBoundaryArn;
  }
}
