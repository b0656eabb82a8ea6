package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

public class AzureRoleAssignment {

  @Required
  @Size(min = 1, max = 512)
  @JsonPropertyDescription(
      "Built-in role name (e.g. Contributor, Reader) or a role definition ID (GUID or full resource ID).")
  private String role;

  @Required
  @Size(min = 15, max = 1024)
  @ValidationRule(
      value = "self.startsWith('/subscriptions/') && !self.contains('*') && !self.matches('\\\\s')",
      message =
          "spec.azure.roleAssignments[].scope must be a resource ID starting with /subscriptions/")
  @JsonPropertyDescription(
      "Scope of the assignment, e.g. /subscriptions/<id>/resourceGroups/my-rg.")
  private String scope;

  public AzureRoleAssignment() {}

  public AzureRoleAssignment(String role, String scope) {
    this.role = role;
    this.scope = scope;
  }

  public String getRole() {
    return role;
  }

  public void setRole(String role) {
    this.role = role;
  }

  public String getScope() {
    return scope;
  }

  public void setScope(String scope) {
    this.scope = scope;
  }
}
