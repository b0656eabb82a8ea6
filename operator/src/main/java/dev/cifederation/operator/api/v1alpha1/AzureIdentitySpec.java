package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

public class AzureIdentitySpec {

  static final String GUID =
      "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

  @Required
  @Size(min = 36, max = 36)
  @ValidationRule(
      value = "self.matches('" + GUID + "')",
      message = "spec.azure.subscriptionId must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")
  @ValidationRule(
      value = "self == oldSelf",
      message = "spec.azure.subscriptionId is immutable once set")
  @JsonPropertyDescription("The Azure subscription that holds the managed identity. Immutable.")
  private String subscriptionId;

  @Required
  @Size(min = 1, max = 90)
  @ValidationRule(
      value = "self.matches('^[-\\\\w._()]+$') && !self.endsWith('.')",
      message =
          "spec.azure.resourceGroup must be 1-90 of letters, digits, '-', '_', '.', '(' and ')', not ending in '.'")
  @ValidationRule(
      value = "self == oldSelf",
      message = "spec.azure.resourceGroup is immutable once set")
  @JsonPropertyDescription("Resource group of the managed identity. Immutable.")
  private String resourceGroup;

  @Required
  @Size(min = 1, max = 64)
  @ValidationRule(
      value = "self.matches('^[a-z0-9]+$')",
      message = "spec.azure.location must be an Azure region name such as eastus")
  @JsonPropertyDescription("Azure region of the managed identity, e.g. eastus.")
  private String location;

  @Size(min = 3, max = 128)
  @ValidationRule(
      value = "self.matches('^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$')",
      message =
          "spec.azure.identityName must be 3-128 of letters, digits, '-' and '_', starting with a letter or digit")
  @JsonPropertyDescription(
      "Name of the user-assigned managed identity. Default: derived from namespace and name.")
  private String identityName;

  @Size(max = 50)
  @ValidationRule(
      value = "self.all(a, self.exists_one(b, b.role == a.role && b.scope == a.scope))",
      message = "spec.azure.roleAssignments must not repeat a role at the same scope")
  @JsonPropertyDescription("Azure RBAC roles granted to the identity; exactly these are assigned.")
  private List<AzureRoleAssignment> roleAssignments = new ArrayList<>();

  public String getSubscriptionId() {
    return subscriptionId;
  }

  public void setSubscriptionId(String subscriptionId) {
    this.subscriptionId = subscriptionId;
  }

  public String getResourceGroup() {
    return resourceGroup;
  }

  public void setResourceGroup(String resourceGroup) {
    this.resourceGroup = resourceGroup;
  }

  public String getLocation() {
    return location;
  }

  public void setLocation(String location) {
    this.location = location;
  }

  public String getIdentityName() {
    return identityName;
  }

  public void setIdentityName(String identityName) {
    this.identityName = identityName;
  }

  public List<AzureRoleAssignment> getRoleAssignments() {
    return roleAssignments;
  }

  public void setRoleAssignments(List<AzureRoleAssignment> roleAssignments) {
    this.roleAssignments = roleAssignments;
  }
}
