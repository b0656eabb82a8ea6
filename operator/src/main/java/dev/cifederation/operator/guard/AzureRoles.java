package dev.cifederation.operator.guard;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Azure's built-in roles that can hand out access, by name and by role definition GUID, so that a
 * GUID or a full definition ID is recognised as well as the name.
 */
final class AzureRoles {

  static final Map<String, String> GUIDS =
      Map.of(
          "owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
          "user access administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
          "role based access control administrator", "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
          "contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c",
          "reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7");
  private static final Map<String, String> PRIVILEGED =
      Map.of(
          "owner", "Owner",
          "user access administrator", "User Access Administrator",
          "role based access control administrator", "Role Based Access Control Administrator");

  private AzureRoles() {}

  /** The display name when the role (name, GUID or definition ID) is one that grants access. */
  static Optional<String> privileged(String role) {
    String canonical = canonical(role);
    return Optional.ofNullable(PRIVILEGED.get(canonical));
  }

  /** Whether two role references (name, GUID or definition ID) name the same built-in role. */
  static boolean same(String a, String b) {
    return canonical(a).equals(canonical(b));
  }

  /** Lower-case name for known built-ins named any way, else the lower-cased reference. */
  private static String canonical(String role) {
    String lower = role == null ? "" : role.strip().toLowerCase(Locale.ROOT);
    String last = lower.substring(lower.lastIndexOf('/') + 1);
    return GUIDS.entrySet().stream()
        .filter(e -> e.getValue().equals(last) || e.getKey().equals(lower))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElse(lower);
  }
}
