package dev.cifederation.operator.cloud.azure;

import dev.cifederation.operator.api.v1alpha1.AzureRoleAssignment;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.cloud.CloudFailure;
import dev.cifederation.operator.cloud.azure.ArmClient.RoleDefinitionRef;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The declared roles resolved to their definitions, however the spec writes them (a role name, a
 * definition GUID or a definition ID), and held against the roles the selecting policies forbid,
 * before anything is written. Built-in roles never change, so they are cached for an hour; custom
 * ones are read every time.
 */
final class RoleDefinitions {

  private static final Duration BUILT_IN_TTL = Duration.ofHours(1);

  private record Cached(RoleDefinitionRef role, Instant until) {}

  private final Clock clock;
  private final Map<String, Cached> builtIn = new ConcurrentHashMap<>();
  private final Map<String, Object> lookups = new ConcurrentHashMap<>();

  RoleDefinitions(Clock clock) {
    this.clock = clock;
  }

  /**
   * Every declared assignment with its role resolved at its scope. A role that is forbidden, or
   * that cannot be resolved while some are forbidden, refuses the whole spec.
   *
   * @throws CloudFailure ForbiddenByPolicy, NotFound (no such role) or InvalidSpec (a role name
   *     that several definitions carry)
   */
  List<AssignmentPlan.Desired> resolve(
      ArmClient arm, List<AzureRoleAssignment> declared, ForbiddenRoles forbidden) {
    List<AssignmentPlan.Desired> resolved = new ArrayList<>();
    for (int i = 0; i < declared.size(); i++) {
      AzureRoleAssignment assignment = declared.get(i);
      String field = "spec.azure.roleAssignments[" + i + "].role";
      Optional<RoleDefinitionRef> role = definition(arm, assignment, field);
      if (role.isEmpty()) {
        String what =
            field
                + " '"
                + assignment.getRole().strip()
                + "' names no role definition visible at "
                + assignment.getScope();
        if (!forbidden.isEmpty()) {
          throw new CloudFailure(
              CloudReason.ForbiddenByPolicy,
              what
                  + ", so it cannot be held against spec.azure.forbiddenRoles of the"
                  + " CIFederationPolicies selecting this namespace: refused, nothing written");
        }
        throw new CloudFailure(
            CloudReason.NotFound,
            what + " (it takes a role name, a role definition GUID or a role definition ID)");
      }
      String guid = role.get().guid().toLowerCase(Locale.ROOT);
      Optional<String> rule = forbidden.forbidding(role.get().guid(), role.get().roleName());
      if (rule.isPresent()) {
        throw new CloudFailure(
            CloudReason.ForbiddenByPolicy,
            field
                + " '"
                + assignment.getRole().strip()
                + "' is the role '"
                + role.get().roleName()
                + "' ("
                + guid
                + ") at "
                + assignment.getScope()
                + ", which a CIFederationPolicy selecting this namespace forbids"
                + " (spec.azure.forbiddenRoles: '"
                + rule.get()
                + "'): refused, nothing written");
      }
      resolved.add(new AssignmentPlan.Desired(assignment.getScope(), guid, assignment.getRole()));
    }
    return resolved;
  }

  /**
   * The role's definition at the assignment's scope, looked up by GUID or by name; empty when there
   * is none.
   */
  private Optional<RoleDefinitionRef> definition(
      ArmClient arm, AzureRoleAssignment declared, String field) {
    Optional<String> guid = AssignmentPlan.definitionGuid(declared.getRole());
    String roleName = declared.getRole().strip();
    String cacheKey =
        AssignmentPlan.subscriptionOf(declared.getScope()).toLowerCase(Locale.ROOT)
            + "|"
            + guid.map(g -> "guid:" + g).orElse("name:" + roleName.toLowerCase(Locale.ROOT));
    Optional<RoleDefinitionRef> known = cachedBuiltIn(cacheKey);
    if (known.isPresent()) {
      return known;
    }
    // identities created together all miss the cache at once: one of them looks the role up
    synchronized (lookups.computeIfAbsent(cacheKey, k -> new Object())) {
      known = cachedBuiltIn(cacheKey);
      return known.isPresent() ? known : lookUp(arm, declared, field, guid, roleName, cacheKey);
    }
  }

  private Optional<RoleDefinitionRef> cachedBuiltIn(String cacheKey) {
    Cached cached = builtIn.get(cacheKey);
    return cached != null && cached.until().isAfter(clock.instant())
        ? Optional.of(cached.role())
        : Optional.empty();
  }

  private Optional<RoleDefinitionRef> lookUp(
      ArmClient arm,
      AzureRoleAssignment declared,
      String field,
      Optional<String> guid,
      String roleName,
      String cacheKey) {
    Optional<RoleDefinitionRef> role;
    if (guid.isPresent()) {
      role = arm.getRoleDefinition(declared.getScope(), guid.get());
    } else {
      List<RoleDefinitionRef> found = arm.findRoleDefinitions(declared.getScope(), roleName);
      if (found.size() > 1) {
        throw new CloudFailure(
            CloudReason.InvalidSpec,
            found.size()
                + " role definitions are named '"
                + roleName
                + "' at "
                + declared.getScope()
                + "; give the role definition ID in "
                + field
                + " instead");
      }
      role = found.stream().findFirst();
    }
    role.filter(RoleDefinitionRef::builtIn)
        .ifPresent(r -> builtIn.put(cacheKey, new Cached(r, clock.instant().plus(BUILT_IN_TTL))));
    return role;
  }
}
