package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

public class GcpPolicy {

  @Size(max = 100)
  @JsonPropertyDescription("Project IDs identities may use; empty allows any.")
  private List<@Size(max = 30) String> projects = new ArrayList<>();

  @Size(max = 100)
  @JsonPropertyDescription(
      "Service-account email patterns identities may bind, e.g. *@my-project.iam.gserviceaccount.com.")
  private List<@Size(max = 254) String> serviceAccounts = new ArrayList<>();

  public List<String> getProjects() {
    return projects;
  }

  public void setProjects(List<String> projects) {
    this.projects = projects;
  }

  public List<String> getServiceAccounts() {
    return serviceAccounts;
  }

  public void setServiceAccounts(List<String> serviceAccounts) {
    this.serviceAccounts = serviceAccounts;
  }
}
