package dev.cifederation.operator.cloud.aws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.ScopeScans;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What one bulk read saw of an account: every role with its documents, policies and tags, and the
 * ARNs of the OIDC providers (their details are read on first use and kept with the snapshot).
 * Shared by the passes of the account's identities, which record their own role writes in it.
 */
final class AccountSnapshot implements ScopeScans.View {

  private final Instant takenAt;
  private final Map<String, LiveRole> rolesByName;
  private final Set<String> providerArns;
  private final Map<String, Optional<LiveProvider>> providers = new ConcurrentHashMap<>();
  // role names by owner mark and by UID mark: a pass looks up the roles that may be its identity's
  // instead of judging every role of the account (which made a pass cost O(roles))
  private final Map<String, Set<String>> namesByMark = new HashMap<>();

  AccountSnapshot(Instant takenAt, Map<String, LiveRole> rolesByName, Set<String> providerArns) {
    this.takenAt = takenAt;
    this.rolesByName = new ConcurrentHashMap<>(rolesByName);
    this.providerArns = Set.copyOf(providerArns);
    rolesByName.values().forEach(this::index);
  }

  Instant takenAt() {
    return takenAt;
  }

  Optional<LiveRole> role(String name) {
    return Optional.ofNullable(rolesByName.get(name));
  }

  /** The role as the operator has just written it. */
  void put(LiveRole role) {
    synchronized (namesByMark) {
      LiveRole previous = rolesByName.put(role.name(), role);
      if (previous != null) {
        for (String key : markKeys(previous)) {
          Set<String> names = namesByMark.get(key);
          if (names != null) {
            names.remove(role.name());
          }
        }
      }
      index(role);
    }
  }

  /**
   * Every role that may be {@code owner}'s — tagged with its owner or UID mark, or at {@code
   * recordedArn} (may be null) — for {@link OwnershipTags#judge} to decide on; a superset of the
   * roles judged ours, without reading every role of the account.
   */
  List<LiveRole> rolesMarkedFor(Owner owner, String recordedArn) {
    Set<String> names = new TreeSet<>();
    synchronized (namesByMark) {
      names.addAll(namesByMark.getOrDefault(ownerKey(owner.owner()), Set.of()));
      if (!owner.uid().isEmpty()) {
        names.addAll(namesByMark.getOrDefault(uidKey(owner.uid()), Set.of()));
      }
    }
    List<LiveRole> roles = new ArrayList<>();
    names.forEach(name -> role(name).ifPresent(roles::add));
    if (recordedArn != null) {
      // a role's ARN ends in its name
      role(recordedArn.substring(recordedArn.lastIndexOf('/') + 1))
          .filter(role -> role.arn().equals(recordedArn) && !names.contains(role.name()))
          .ifPresent(roles::add);
    }
    return roles;
  }

  private void index(LiveRole role) {
    synchronized (namesByMark) {
      markKeys(role)
          .forEach(key -> namesByMark.computeIfAbsent(key, k -> new HashSet<>()).add(role.name()));
    }
  }

  private static List<String> markKeys(LiveRole role) {
    List<String> keys = new ArrayList<>(2);
    String owner = role.tags().get(OwnershipTags.OWNER_TAG);
    if (owner != null && !owner.isEmpty()) {
      keys.add(ownerKey(owner));
    }
    String uid = role.tags().get(OwnershipTags.UID_TAG);
    if (uid != null && !uid.isEmpty()) {
      keys.add(uidKey(uid));
    }
    return keys;
  }

  private static String ownerKey(String owner) {
    return "owner=" + owner;
  }

  private static String uidKey(String uid) {
    return "uid=" + uid;
  }

  Collection<LiveRole> roles() {
    return rolesByName.values();
  }

  /** Every OIDC provider of the account, by ARN. */
  Set<String> providerArns() {
    return providerArns;
  }

  boolean hasProvider(String arn) {
    return providerArns.contains(arn);
  }

  /** The provider's details, read once per snapshot with {@code reader}. */
  Optional<LiveProvider> provider(String arn, Function<String, Optional<LiveProvider>> reader) {
    if (!hasProvider(arn)) {
      return Optional.empty();
    }
    Optional<LiveProvider> known = providers.get(arn);
    if (known == null) {
      known = reader.apply(arn);
      providers.put(arn, known);
    }
    return known;
  }

  /**
   * Each role by name, as far as the trust and the permissions go; documents normalised, so a role
   * read back as the operator wrote it is the same.
   */
  @Override
  public Map<String, Object> fingerprints() {
    Map<String, Object> fingerprints = new HashMap<>();
    rolesByName.forEach((name, role) -> fingerprints.put(name, RoleFingerprint.of(role)));
    return fingerprints;
  }

  private record RoleFingerprint(
      JsonNode trustPolicy,
      Set<String> managedPolicyArns,
      Map<String, JsonNode> inlinePolicies,
      Optional<String> permissionsBoundaryArn,
      Map<String, String> tags) {

    static RoleFingerprint of(LiveRole role) {
      Map<String, JsonNode> inline = new HashMap<>();
      role.inlinePolicies().forEach((n, d) -> inline.put(n, PolicyDocuments.normalize(d)));
      return new RoleFingerprint(
          PolicyDocuments.normalize(role.trustPolicy()),
          role.managedPolicyArns(),
          inline,
          role.permissionsBoundaryArn(),
          role.tags());
    }
  }

  /** Whether a role other than {@code exceptRole} trusts the provider. */
  boolean anyRoleTrusts(String providerArn, String exceptRole) {
    return rolesByName.values().stream()
        .anyMatch(r -> !r.name().equals(exceptRole) && r.trustsFederated(providerArn));
  }
}
