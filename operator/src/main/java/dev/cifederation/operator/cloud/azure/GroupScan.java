package dev.cifederation.operator.cloud.azure;

import dev.cifederation.operator.cloud.ScopeScans;
import dev.cifederation.operator.cloud.azure.ArmClient.LiveIdentity;
import dev.cifederation.operator.cloud.azure.CredentialPlan.Credential;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * One scan of a resource group: its user-assigned identities (one list), the federated credentials
 * of the identities this cluster marked (one list per identity: Azure has no bulk list of
 * credentials), and the role assignments at, above and below the group (one list, all principals).
 * The passes of the group's identities are served from it and record their own writes in it.
 */
final class GroupScan implements ScopeScans.View {

  private final String groupScope;
  private final Map<String, LiveIdentity> identities = new ConcurrentHashMap<>();
  private final Map<String, List<Credential>> credentials = new ConcurrentHashMap<>();
  private final Map<String, AssignmentPlan.Live> assignments = new ConcurrentHashMap<>();

  /**
   * @param credentials by identity name, for the identities whose credentials were read
   */
  GroupScan(
      String subscriptionId,
      String group,
      Collection<LiveIdentity> identities,
      Map<String, List<Credential>> credentials,
      Collection<AssignmentPlan.Live> assignments) {
    this.groupScope = scopeOf(subscriptionId, group);
    identities.forEach(this::putIdentity);
    credentials.forEach(this::putCredentials);
    assignments.forEach(this::putAssignment);
  }

  /** The key of a resource group among the scans. */
  static String key(String subscriptionId, String group) {
    return scopeOf(subscriptionId, group);
  }

  static String scopeOf(String subscriptionId, String group) {
    return ("/subscriptions/" + subscriptionId + "/resourceGroups/" + group)
        .toLowerCase(Locale.ROOT);
  }

  Optional<LiveIdentity> identity(String name) {
    return Optional.ofNullable(identities.get(lower(name)));
  }

  /** The identity's credentials, when the scan (or a pass) read them. */
  Optional<List<Credential>> credentials(String identityName) {
    return Optional.ofNullable(credentials.get(lower(identityName)));
  }

  /**
   * Whether a role assignment at {@code scope} is in this scan: the scope is the group, inside it,
   * or above it (a subscription or management group).
   */
  boolean covers(String scope) {
    String s = lower(scope).replaceAll("/+$", "");
    return s.equals(groupScope) || s.startsWith(groupScope + "/") || groupScope.startsWith(s + "/");
  }

  /** The principal's assignments this scan holds. */
  List<AssignmentPlan.Live> assignmentsOf(String principalId) {
    return assignments.values().stream()
        .filter(a -> a.principalId() != null && a.principalId().equalsIgnoreCase(principalId))
        .sorted(Comparator.comparing(AssignmentPlan.Live::id))
        .toList();
  }

  void putIdentity(LiveIdentity identity) {
    identities.put(lower(identity.name()), identity);
  }

  void removeIdentity(String name) {
    identities.remove(lower(name));
    credentials.remove(lower(name));
  }

  void putCredentials(String identityName, List<Credential> list) {
    credentials.put(lower(identityName), List.copyOf(list));
  }

  /** The principal's assignments in this scan, as a pass has just written them. */
  void replaceAssignments(String principalId, List<AssignmentPlan.Live> now) {
    assignments.values().removeIf(a -> principalId.equalsIgnoreCase(a.principalId()));
    now.stream().filter(a -> covers(a.scope())).forEach(this::putAssignment);
  }

  void putAssignment(AssignmentPlan.Live assignment) {
    assignments.put(lower(assignment.id()), assignment);
  }

  /**
   * {@code identity/NAME}: its ID, tags and principal; {@code credentials/NAME}: the set of its
   * credentials; {@code assignments/PRINCIPAL}: the set of the principal's assignments.
   */
  @Override
  public Map<String, Object> fingerprints() {
    Map<String, Object> fingerprints = new HashMap<>();
    identities.forEach(
        (name, i) ->
            fingerprints.put(
                identityKey(name), List.of(String.valueOf(i.principalId()), lowerKeys(i.tags()))));
    credentials.forEach((name, list) -> fingerprints.put(credentialsKey(name), Set.copyOf(list)));
    assignments.values().stream()
        .filter(a -> a.principalId() != null)
        .collect(
            Collectors.groupingBy(
                a -> lower(a.principalId()),
                Collectors.mapping(
                    a -> lower(a.id()) + " " + a.roleDefinitionGuid(), Collectors.toSet())))
        .forEach((principal, set) -> fingerprints.put(assignmentsKey(principal), set));
    return fingerprints;
  }

  static String identityKey(String name) {
    return "identity/" + lower(name);
  }

  static String credentialsKey(String name) {
    return "credentials/" + lower(name);
  }

  static String assignmentsKey(String principalId) {
    return "assignments/" + lower(principalId);
  }

  private static Map<String, String> lowerKeys(Map<String, String> tags) {
    Map<String, String> lowered = new HashMap<>();
    if (tags != null) {
      tags.forEach((k, v) -> lowered.put(lower(k), v));
    }
    return lowered;
  }

  private static String lower(String s) {
    return s == null ? "" : s.toLowerCase(Locale.ROOT);
  }
}
