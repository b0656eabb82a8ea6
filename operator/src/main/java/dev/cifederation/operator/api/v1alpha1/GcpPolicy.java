package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

public class GcpPolicy {

  @Size(max = 100)
  @JsonPropertyDescription("Project IDs identities may use, or '*' for any. Empty grants none.")
  private List<@Size(max = 30) String> projects = new ArrayList<>();

  @Size(max = 100)
  @JsonPropertyDescription(
      "Service-account email patterns identities may bind, e.g. *@my-project.iam.gserviceaccount.com ('*' matches"
          + " within the part before or after '@'). Empty grants none.")
  private List<@Size(max = 254) String> serviceAccounts = new ArrayList<>();

  @Size(max = 100)
  @ValidationRule(
      value = "self.all(p, p.startsWith('projects/'))",
      message =
          "spec.gcp.adoptableProviders entries must be provider name patterns"
              + " (projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/ID)")
  @JsonPropertyDescription(
      "Provider name patterns of existing workload identity pool providers an identity with spec.adoptExisting"
          + " may take over ('*' matches any run of characters). Empty: no adoption.")
  private List<@Size(max = 512) String> adoptableProviders = new ArrayList<>();

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

  public List<String> getAdoptableProviders() {
    return adoptableProviders;
  }

  public void setAdoptableProviders(List<String> adoptableProviders) {
    this.adoptableProviders = adoptableProviders;
  }
}
