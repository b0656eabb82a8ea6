package dev.cifederation.operator.cloud.azure;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which role assignments to create and delete so that a principal holds exactly the declared roles
 * the operator is responsible for. Pure.
 *
 * <p>The operator names its assignments deterministically: the name-based UUID of scope, role
 * definition and principal. An assignment whose name is the one derived from its own properties was
 * therefore made by the operator (nobody else derives names this way), which is how the plan tells
 * the operator's assignments from anyone else's without any stored state: undeclared ones of the
 * operator are deleted, anyone else's are left alone and reported.
 */
final class AssignmentPlan {

  private static final String NAMESPACE = "cifederation.dev/role-assignment";
  private static final Pattern GUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern DEFINITION_ID =
      Pattern.compile(
          "(?:/subscriptions/[^/]+)?/providers/Microsoft\\.Authorization/roleDefinitions/("
              + GUID.pattern()
              + ")",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern SUBSCRIPTION =
      Pattern.compile("/subscriptions/([^/]+).*", Pattern.CASE_INSENSITIVE);

  /** A declared assignment with its role resolved to a definition GUID. */
  record Desired(String scope, String roleDefinitionGuid, String role) {
    Key key() {
      return new Key(canonicalScope(scope), roleDefinitionGuid.toLowerCase(Locale.ROOT));
    }
  }

  /** A role assignment as Azure lists it. */
  record Live(
      String id,
      String name,
      String scope,
      String roleDefinitionId,
      String principalId,
      String principalType) {
    String roleDefinitionGuid() {
      return roleDefinitionId
          .substring(roleDefinitionId.lastIndexOf('/') + 1)
          .toLowerCase(Locale.ROOT);
    }

    Key key() {
      return new Key(canonicalScope(scope), roleDefinitionGuid());
    }

    /** Whether the operator made it: its name is the one derived from its own properties. */
    boolean madeByOperator() {
      return name.equalsIgnoreCase(assignmentName(scope, roleDefinitionGuid(), principalId));
    }
  }

  /** An assignment to create, under its deterministic name. */
  record Create(Desired desired, String name) {}

  /** A declared assignment that an assignment of someone else already grants. */
  record GrantedByOther(Desired desired, Live assignment) {}

  record Key(String scope, String roleDefinitionGuid) {}

  private final List<Create> toCreate;
  private final List<Live> toDelete;
  private final List<Live> kept;
  private final List<GrantedByOther> grantedByOthers;
  private final List<Live> undeclaredOfOthers;

  private AssignmentPlan(
      List<Create> toCreate,
      List<Live> toDelete,
      List<Live> kept,
      List<GrantedByOther> grantedByOthers,
      List<Live> undeclaredOfOthers) {
    this.toCreate = List.copyOf(toCreate);
    this.toDelete = List.copyOf(toDelete);
    this.kept = List.copyOf(kept);
    this.grantedByOthers = List.copyOf(grantedByOthers);
    this.undeclaredOfOthers = List.copyOf(undeclaredOfOthers);
  }

  /**
   * @param live the assignments Azure lists for the principal (others are ignored)
   */
  static AssignmentPlan of(List<Desired> desired, List<Live> live, String principalId) {
    Map<Key, Desired> declared = new LinkedHashMap<>();
    desired.forEach(d -> declared.putIfAbsent(d.key(), d));
    Set<Key> satisfied = new LinkedHashSet<>();
    List<Live> toDelete = new ArrayList<>();
    List<Live> kept = new ArrayList<>();
    List<GrantedByOther> grantedByOthers = new ArrayList<>();
    List<Live> undeclaredOfOthers = new ArrayList<>();
    for (Live assignment : live) {
      if (!assignment.principalId().equalsIgnoreCase(principalId)) {
        continue;
      }
      Desired match = declared.get(assignment.key());
      if (assignment.madeByOperator()) {
        if (match != null) {
          kept.add(assignment);
          satisfied.add(match.key());
        } else {
          toDelete.add(assignment);
        }
      } else if (match != null) {
        grantedByOthers.add(new GrantedByOther(match, assignment));
        satisfied.add(match.key());
      } else {
        undeclaredOfOthers.add(assignment);
      }
    }
    List<Create> toCreate = new ArrayList<>();
    declared.forEach(
        (key, d) -> {
          if (!satisfied.contains(key)) {
            toCreate.add(
                new Create(d, assignmentName(d.scope(), d.roleDefinitionGuid(), principalId)));
          }
        });
    return new AssignmentPlan(toCreate, toDelete, kept, grantedByOthers, undeclaredOfOthers);
  }

  /** Declared, missing: to create. */
  List<Create> toCreate() {
    return toCreate;
  }

  /** Made by the operator, no longer declared: to delete. */
  List<Live> toDelete() {
    return toDelete;
  }

  /** Made by the operator and declared. */
  List<Live> kept() {
    return kept;
  }

  /** Declared, and granted by an assignment someone else made (left as it is). */
  List<GrantedByOther> grantedByOthers() {
    return grantedByOthers;
  }

  /** Not declared, made by someone else: left alone, reported. */
  List<Live> undeclaredOfOthers() {
    return undeclaredOfOthers;
  }

  boolean inSync() {
    return toCreate.isEmpty() && toDelete.isEmpty();
  }

  // ---------------------------------------------------------------------------------- naming

  /**
   * The operator's name for the assignment of a role definition to a principal at a scope: a
   * name-based (version 3) UUID, the same on every run, so a repeated create is recognised (409
   * RoleAssignmentExists on the same name) and never duplicates.
   */
  static String assignmentName(String scope, String roleDefinitionGuid, String principalId) {
    String source =
        NAMESPACE
            + "|"
            + canonicalScope(scope)
            + "|"
            + roleDefinitionGuid.toLowerCase(Locale.ROOT)
            + "|"
            + principalId.toLowerCase(Locale.ROOT);
    return UUID.nameUUIDFromBytes(source.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /** A scope as Azure compares it: case-insensitive, single slashes, no trailing slash. */
  static String canonicalScope(String scope) {
    String collapsed = scope.strip().replaceAll("/{2,}", "/");
    while (collapsed.length() > 1 && collapsed.endsWith("/")) {
      collapsed = collapsed.substring(0, collapsed.length() - 1);
    }
    return collapsed.toLowerCase(Locale.ROOT);
  }

  /**
   * The role definition GUID when {@code role} names one (a GUID or a role definition ID), empty
   * when it is a role name to look up.
   */
  static Optional<String> definitionGuid(String role) {
    String trimmed = role.strip();
    if (GUID.matcher(trimmed).matches()) {
      return Optional.of(trimmed.toLowerCase(Locale.ROOT));
    }
    Matcher id = DEFINITION_ID.matcher(trimmed);
    return id.matches() ? Optional.of(id.group(1).toLowerCase(Locale.ROOT)) : Optional.empty();
  }

  /** The role definition ID Azure expects in an assignment at {@code scope}. */
  static String definitionId(String scope, String roleDefinitionGuid) {
    return "/subscriptions/"
        + subscriptionOf(scope)
        + "/providers/Microsoft.Authorization/roleDefinitions/"
        + roleDefinitionGuid;
  }

  /** The subscription a scope lies in ({@code /subscriptions/<id>/…}). */
  static String subscriptionOf(String scope) {
    Matcher matcher = SUBSCRIPTION.matcher(scope.strip().replaceAll("/{2,}", "/"));
    if (!matcher.matches()) {
      throw new IllegalArgumentException("not a subscription scope: " + scope);
    }
    return matcher.group(1);
  }
}
