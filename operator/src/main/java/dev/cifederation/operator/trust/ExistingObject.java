package dev.cifederation.operator.trust;

import java.util.List;
import java.util.Objects;

/**
 * Where a trust found in a cloud lives, in the spec's terms: what an imported {@code
 * CIFederatedIdentity} must name so that the operator addresses the same object. Read by the
 * scanners of {@code audit} and {@code import}, turned into a spec by {@link TrustDecompiler}.
 */
public sealed interface ExistingObject {

  /** An IAM role. */
  record AwsRole(String accountId, String roleName) implements ExistingObject {
    public AwsRole {
      Objects.requireNonNull(accountId, "accountId");
      Objects.requireNonNull(roleName, "roleName");
    }
  }

  /**
   * A workload identity pool provider and the service account whose bindings name its pool.
   *
   * @param serviceAccount null when no service account binds a member of the pool
   */
  record GcpProvider(
      String projectId,
      String projectNumber,
      String poolId,
      String providerId,
      String serviceAccount)
      implements ExistingObject {
    public GcpProvider {
      Objects.requireNonNull(projectId, "projectId");
      Objects.requireNonNull(projectNumber, "projectNumber");
      Objects.requireNonNull(poolId, "poolId");
      Objects.requireNonNull(providerId, "providerId");
    }
  }

  /**
   * A user-assigned managed identity and the role assignments of its principal.
   *
   * @param roleAssignments role name (or definition GUID when unresolved) and scope
   */
  record AzureIdentity(
      String subscriptionId,
      String resourceGroup,
      String identityName,
      String location,
      List<RoleAssignment> roleAssignments)
      implements ExistingObject {
    public AzureIdentity {
      Objects.requireNonNull(subscriptionId, "subscriptionId");
      Objects.requireNonNull(resourceGroup, "resourceGroup");
      Objects.requireNonNull(identityName, "identityName");
      roleAssignments = List.copyOf(roleAssignments);
    }
  }

  /** One role assignment: the role's name (a GUID when it could not be resolved) at a scope. */
  record RoleAssignment(String role, String scope) {}
}
