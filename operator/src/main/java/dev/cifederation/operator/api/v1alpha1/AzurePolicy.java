package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

public class AzurePolicy {

  @Size(max = 100)
  @JsonPropertyDescription("Subscription IDs identities may use; empty allows any.")
  private List<@Size(max = 36) String> subscriptions = new ArrayList<>();

  @Size(max = 100)
  @JsonPropertyDescription("Scope prefixes role assignments must fall under; empty allows any.")
  private List<@Size(max = 1024) String> scopes = new ArrayList<>();

  @Size(max = 100)
  @JsonPropertyDescription("Role names or definition IDs that may not be assigned, e.g. Owner.")
  private List<@Size(max = 512) String> forbiddenRoles = new ArrayList<>();

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
}
