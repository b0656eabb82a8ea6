package dev.cifederation.operator.cloud.azure;

import dev.cifederation.operator.api.v1alpha1.AzureIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.AzureRoleAssignment;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.azure.CredentialPlan.Credential;
import dev.cifederation.operator.trust.AzureTrust;
import dev.cifederation.operator.trust.CloudNames;
import java.util.List;
import java.util.Optional;

/**
 * What one resource asks for in Azure: the identity, its location, the federated credentials (one,
 * or two during a subject migration's window, the current subject's first), the two credential
 * names the operator owns on it, and the declared role assignments. Names come from the compiled
 * trust or, without it (a cleanup whose issuer is gone), are derived as the compiler derives them.
 */
record Target(
    IdentityRef identity,
    String location,
    List<Credential> credentials,
    List<String> ownCredentialNames,
    List<AzureRoleAssignment> roleAssignments) {

  Target {
    credentials = List.copyOf(credentials);
    ownCredentialNames = List.copyOf(ownCredentialNames);
    roleAssignments = List.copyOf(roleAssignments);
  }

  static Target of(CloudRequest request) {
    AzureIdentitySpec spec = request.identity().getSpec().getAzure();
    AzureTrust trust = request.trust() == null ? null : request.trust().azure();
    String identityName =
        trust != null
            ? trust.identityName()
            : spec.getIdentityName() == null || spec.getIdentityName().isBlank()
                ? CloudNames.azureIdentityName(request.namespace(), request.name())
                : spec.getIdentityName();
    List<Credential> credentials =
        trust == null
            ? List.of()
            : trust.credentials().stream()
                .map(c -> new Credential(c.name(), c.issuer(), c.subject(), c.audiences()))
                .toList();
    return new Target(
        new IdentityRef(spec.getSubscriptionId(), spec.getResourceGroup(), identityName),
        spec.getLocation(),
        credentials,
        ownCredentialNames(request),
        roleAssignments(spec));
  }

  /**
   * For cleanup: the recorded identity when the status names one (a block removed from the spec or
   * a target changed since leaves it there), else the spec's.
   */
  static Target forCleanup(CloudRequest request, Optional<String> recordedId) {
    Optional<IdentityRef> recorded = recordedId.flatMap(IdentityRef::parse);
    if (recorded.isEmpty()) {
      return of(request);
    }
    AzureIdentitySpec spec = request.identity().getSpec().getAzure();
    return new Target(
        recorded.get(),
        spec == null ? null : spec.getLocation(),
        List.of(),
        ownCredentialNames(request),
        roleAssignments(spec));
  }

  /** The two names the operator owns on the identity: the first and a migration's second. */
  static List<String> ownCredentialNames(CloudRequest request) {
    return List.of(
        CloudNames.azureCredentialName(request.namespace(), request.name()),
        CloudNames.azureMigrationCredentialName(request.namespace(), request.name()));
  }

  String describeIdentity() {
    return identity.describe();
  }

  private static List<AzureRoleAssignment> roleAssignments(AzureIdentitySpec spec) {
    return spec == null || spec.getRoleAssignments() == null
        ? List.of()
        : spec.getRoleAssignments();
  }
}
