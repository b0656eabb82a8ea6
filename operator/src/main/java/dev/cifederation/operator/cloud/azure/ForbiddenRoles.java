package dev.cifederation.operator.cloud.azure;

import java.util.List;
import java.util.Optional;

/**
 * The roles the selecting CIFederationPolicies forbid, held against a role as Azure resolved it.
 * Pure.
 *
 * <p>A policy entry is a role name or a definition GUID / ID, and the spec may write the role
 * either way too, so neither can be compared with the other as written: only once the spec's role
 * is resolved to its definition (GUID and name) can every entry be checked, a name against the
 * role's name (case-insensitive, as Azure keeps role names unique) and a GUID against its GUID.
 */
final class ForbiddenRoles {

  private final List<String> entries;

  ForbiddenRoles(List<String> entries) {
    this.entries = entries.stream().map(String::strip).filter(entry -> !entry.isEmpty()).toList();
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  /** The policy entry that forbids the role of this definition GUID and name, if any. */
  Optional<String> forbidding(String roleGuid, String roleName) {
    for (String entry : entries) {
      Optional<String> guid = AssignmentPlan.definitionGuid(entry);
      boolean matches =
          guid.isPresent()
              ? guid.get().equalsIgnoreCase(roleGuid)
              : roleName != null && entry.equalsIgnoreCase(roleName.strip());
      if (matches) {
        return Optional.of(entry);
      }
    }
    return Optional.empty();
  }
}
