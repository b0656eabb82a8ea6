package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

public class AzurePolicy {

  @Size(max = 100)
  @JsonPropertyDescription(
      "Subscription IDs identities may use, or '*' for any. Empty grants none. Every role assignment's scope must"
          + " lie in a granted subscription.")
  private List<@Size(max = 36) String> subscriptions = new ArrayList<>();

  @Size(max = 100)
  @JsonPropertyDescription(
      "Scope prefixes role assignments must fall under. Empty: anywhere within the granted subscriptions.")
  private List<@Size(max = 1024) String> scopes = new ArrayList<>();

  @Size(max = 100)
  @JsonPropertyDescription(
      "Role names or definition IDs that may not be assigned, e.g. Owner. Held however the identity writes the"
          + " role (name, GUID or definition ID): the operator resolves the definition before deciding, and refuses a"
          + " role it cannot resolve.")
  private List<@Size(max = 512) String> forbiddenRoles = new ArrayList<>();

  @Size(max = 100)
  @ValidationRule(
      value = "self.all(i, i.startsWith('/subscriptions/'))",
      message =
          "spec.azure.adoptableIdentities entries must be managed-identity resource ID patterns")
  @JsonPropertyDescription(
      "Resource ID patterns of existing user-assigned managed identities an identity with spec.adoptExisting may"
          + " take over ('*' matches any run of characters). Empty: no adoption.")
  private List<@Size(max = 1024) String> adoptableIdentities = new ArrayList<>();

  public List<String> getSubscriptions() {
    return subscriptions;
  }

  public void setSubscriptions(List<String> subscriptions) {
    this.subscriptions = subscriptions;
  }

  public List<String> getScopes() {
    return scopes;
  }

  public void setScopes(List<String> scopes) {
    this.scopes = scopes;
  }

  public List<String> getForbiddenRoles() {
    return forbiddenRoles;
  }

  public void setForbiddenRoles(List<String> forbiddenRoles) {
    this.forbiddenRoles = forbiddenRoles;
  }

  public List<String> getAdoptableIdentities() {
    return adoptableIdentities;
  }

  public void setAdoptableIdentities(List<String> adoptableIdentities) {
    this.adoptableIdentities = adoptableIdentities;
  }
}
