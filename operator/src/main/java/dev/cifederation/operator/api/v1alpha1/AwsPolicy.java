package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

public class AwsPolicy {

  @Size(max = 100)
  @ValidationRule(
      value = "self.all(a, a == '*' || a.matches('^[0-9]{12}$'))",
      message = "spec.aws.accounts entries must be 12-digit AWS account IDs or '*'")
  @JsonPropertyDescription(
      "Accounts identities may use: 12-digit IDs, or '*' for any account the operator reaches. Empty grants"
          + " none.")
  private List<@Size(max = 12) String> accounts = new ArrayList<>();

  @Size(max = 2048)
  @ValidationRule(
      value =
          "self.matches('^arn:aws(-[a-z]+)*:iam::(aws|[0-9]{12}):policy/[A-Za-z0-9+=,.@_/-]+$')",
      message =
          "spec.aws.permissionsBoundaryArn must be an IAM policy ARN (arn:aws:iam::<account|aws>:policy/<name>)")
  @JsonPropertyDescription("Permissions boundary every role must carry, when set.")
  private String permissionsBoundaryArn;

  @Size(max = 16)
  @ValidationRule(
      value = "self.matches('^([0-9]{1,2}h)?([0-9]{1,4}m)?([0-9]{1,6}s)?$')",
      message = "spec.aws.maxSessionDuration must be a duration such as 1h or 90m")
  @ValidationRule(
      value =
          "!self.matches('^([0-9]{1,2}h)?([0-9]{1,4}m)?([0-9]{1,6}s)?$') || (duration(self) >= duration('1h')"
              + " && duration(self) <= duration('12h'))",
      message = "spec.aws.maxSessionDuration must be between 1h and 12h (IAM limits)")
  @JsonPropertyDescription("Upper bound of the roles' maxSessionDuration.")
  private String maxSessionDuration;

  @Size(max = 100)
  @JsonPropertyDescription("IAM actions inline policies may not grant, e.g. '*', 'iam:*'.")
  private List<@Size(max = 255) String> forbiddenActions = new ArrayList<>();

  @Size(max = 100)
  @ValidationRule(
      value = "self.all(r, r.matches('^[A-Za-z0-9+=,.@_*-]{1,64}$'))",
      message =
          "spec.aws.roleNames entries must be IAM role-name patterns (letters, digits, +=,.@_- and '*')")
  @JsonPropertyDescription(
      "Role-name patterns identities may set in spec.aws.roleName ('*' matches any run of characters). Empty:"
          + " only the derived default name (which embeds namespace and name) is allowed.")
  private List<@Size(max = 64) String> roleNames = new ArrayList<>();

  @Size(max = 100)
  @ValidationRule(
      value = "self.all(a, a.startsWith('arn:'))",
      message =
          "spec.aws.managedPolicyArns entries must be IAM policy ARN patterns (arn:aws:iam::…)")
  @JsonPropertyDescription(
      "Managed-policy ARN patterns roles may attach ('*' matches any run of characters). Empty: no managed"
          + " policy. A privileged AWS-managed policy (AdministratorAccess, IAMFullAccess, PowerUserAccess, …) is"
          + " granted only by its exact ARN, never by a pattern.")
  private List<@Size(max = 2048) String> managedPolicyArns = new ArrayList<>();

  @Size(max = 100)
  @ValidationRule(
      value = "self.all(a, a.startsWith('arn:'))",
      message =
          "spec.aws.adoptableRoles entries must be IAM role ARN patterns (arn:aws:iam::…:role/…)")
  @JsonPropertyDescription(
      "Role ARN patterns of existing roles an identity with spec.adoptExisting may take over ('*' matches any"
          + " run of characters). Empty: no adoption.")
  private List<@Size(max = 2048) String> adoptableRoles = new ArrayList<>();

  public List<String> getAccounts() {
    return accounts;
  }

  public void setAccounts(List<String> accounts) {
    this.accounts = accounts;
  }

  public String getPermissionsBoundaryArn() {
    return permissionsBoundaryArn;
  }

  public void setPermissionsBoundaryArn(String permissionsBoundaryArn) {
    this.permissionsBoundaryArn = permissionsBoundaryArn;
  }

  public String getMaxSessionDuration() {
    return maxSessionDuration;
  }

  public void setMaxSessionDuration(String maxSessionDuration) {
    this.maxSessionDuration = maxSessionDuration;
  }

  public List<String> getForbiddenActions() {
    return forbiddenActions;
  }

  public void setForbiddenActions(List<String> forbiddenActions) {
    this.forbiddenActions = forbiddenActions;
  }

  public List<String> getRoleNames() {
    return roleNames;
  }

  public void setRoleNames(List<String> roleNames) {
    this.roleNames = roleNames;
  }

  public List<String> getManagedPolicyArns() {
    return managedPolicyArns;
  }

  public void setManagedPolicyArns(List<String> managedPolicyArns) {
    this.managedPolicyArns = managedPolicyArns;
  }

  public List<String> getAdoptableRoles() {
    return adoptableRoles;
  }

  public void setAdoptableRoles(List<String> adoptableRoles) {
    this.adoptableRoles = adoptableRoles;
  }
}
