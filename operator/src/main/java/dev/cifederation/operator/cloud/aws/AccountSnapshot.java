package dev.cifederation.operator.cloud.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.ScopeScans;
import dev.cifederation.operator.trust.PolicyJson;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What one bulk read saw of an account: every role with its documents, policies and tags, and the
 * ARNs of the OIDC providers (their details are read on first use and kept with the snapshot).
 * Shared by the passes of the account's identities, which record their own role writes in it.
 *
 * <p>A snapshot lives for a resync interval and holds every role of the account, so each role is
 * kept as compact JSON text and decoded when a pass asks for it: a decoded role was a quarter of
 * the operator's heap per identity (a heap dump at 5,000 roles: 5.6 KiB per role as trees).
 */
final class AccountSnapshot implements ScopeScans.View {

  private final Instant takenAt;
  private final Map<String, StoredRole> rolesByName;
  private final Set<String> providerArns;
  private final Map<String, Optional<LiveProvider>> providers = new ConcurrentHashMap<>();
  // role names by owner mark and by UID mark: a pass looks up the roles that may be its identity's
  // instead of judging every role of the account (which made a pass cost O(roles))
  private final Map<String, Set<String>> namesByMark = new HashMap<>();

  AccountSnapshot(Instant takenAt, Map<String, LiveRole> rolesByName, Set<String> providerArns) {
    this(takenAt, providerArns, stored(rolesByName.values()));
  }

  private AccountSnapshot(
      Instant takenAt, Set<String> providerArns, Map<String, StoredRole> rolesByName) {
    this.takenAt = takenAt;
    this.rolesByName = new ConcurrentHashMap<>(rolesByName);
    this.providerArns = Set.copyOf(providerArns);
    rolesByName.values().forEach(role -> index(role.name(), role.tags()));
  }

  /**
   * Roles as a bulk read pages through them, each kept as text as soon as it is read: the decoded
   * roles of a whole account are never in memory at once.
   */
  static final class Builder {
    private final Map<String, StoredRole> roles = new LinkedHashMap<>();

    Builder add(LiveRole role) {
      roles.put(role.name(), StoredRole.of(role));
      return this;
    }

    AccountSnapshot build(Instant takenAt, Set<String> providerArns) {
      return new AccountSnapshot(takenAt, providerArns, roles);
    }
  }

  private static Map<String, StoredRole> stored(Collection<LiveRole> roles) {
    Map<String, StoredRole> stored = new LinkedHashMap<>();
    roles.forEach(role -> stored.put(role.name(), StoredRole.of(role)));
    return stored;
  }

  Instant takenAt() {
    return takenAt;
  }

  Optional<LiveRole> role(String name) {
    return Optional.ofNullable(rolesByName.get(name)).map(StoredRole::live);
  }

  /** The role as the operator has just written it. */
  void put(LiveRole role) {
    synchronized (namesByMark) {
      StoredRole previous = rolesByName.put(role.name(), StoredRole.of(role));
      if (previous != null) {
        for (String key : markKeys(previous.tags())) {
          Set<String> names = namesByMark.get(key);
          if (names != null) {
            names.remove(role.name());
          }
        }
      }
      index(role.name(), role.tags());
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

  private void index(String name, Map<String, String> tags) {
    synchronized (namesByMark) {
      markKeys(tags)
          .forEach(key -> namesByMark.computeIfAbsent(key, k -> new HashSet<>()).add(name));
    }
  }

  private static List<String> markKeys(Map<String, String> tags) {
    List<String> keys = new ArrayList<>(2);
    String owner = tags.get(OwnershipTags.OWNER_TAG);
    if (owner != null && !owner.isEmpty()) {
      keys.add(ownerKey(owner));
    }
    String uid = tags.get(OwnershipTags.UID_TAG);
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

  /** Every role, decoded: for the rare reads of the whole account (cleanup, audit). */
  Collection<LiveRole> roles() {
    return rolesByName.values().stream().map(StoredRole::live).toList();
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
   * read back as the operator wrote it is the same. Computed once per role as it is stored: a scan
   * compares two snapshots of every role of the account.
   */
  @Override
  public Map<String, Object> fingerprints() {
    Map<String, Object> fingerprints = new HashMap<>();
    rolesByName.forEach((name, role) -> fingerprints.put(name, role.fingerprint()));
    return fingerprints;
  }

  /** Whether a role other than {@code exceptRole} trusts the provider. */
  boolean anyRoleTrusts(String providerArn, String exceptRole) {
    return rolesByName.values().stream()
        .anyMatch(r -> !r.name().equals(exceptRole) && r.live().trustsFederated(providerArn));
  }

  /**
   * A role as the snapshot keeps it: its documents as compact JSON text, the rest as read.
   *
   * @param maxSessionDuration seconds, or -1 when the bulk read did not include it
   * @param permissionsBoundaryArn null when the role has none
   */
  private record StoredRole(
      String name,
      String path,
      String arn,
      String trustPolicy,
      Set<String> managedPolicyArns,
      Map<String, String> inlinePolicies,
      int maxSessionDuration,
      String permissionsBoundaryArn,
      Map<String, String> tags,
      String fingerprint) {

    static StoredRole of(LiveRole role) {
      Map<String, String> inline = new HashMap<>();
      role.inlinePolicies().forEach((n, d) -> inline.put(n, PolicyDocuments.toJson(d)));
      return new StoredRole(
          role.name(),
          role.path(),
          role.arn(),
          PolicyDocuments.toJson(role.trustPolicy()),
          role.managedPolicyArns(),
          Map.copyOf(inline),
          role.maxSessionDuration().orElse(-1),
          role.permissionsBoundaryArn().orElse(null),
          role.tags(),
          fingerprintOf(role));
    }

    /** A digest of what drift is judged on: normalised documents, policies, boundary, tags. */
    private static String fingerprintOf(LiveRole role) {
      Map<String, String> inline = new TreeMap<>();
      role.inlinePolicies()
          .forEach((n, d) -> inline.put(n, PolicyDocuments.toJson(PolicyDocuments.normalize(d))));
      List<Object> parts =
          List.of(
              PolicyDocuments.toJson(PolicyDocuments.normalize(role.trustPolicy())),
              new TreeSet<>(role.managedPolicyArns()),
              inline,
              role.permissionsBoundaryArn().orElse(""),
              new TreeMap<>(role.tags()));
      try {
        byte[] text = PolicyJson.MAPPER.writeValueAsBytes(parts);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text));
      } catch (JsonProcessingException | NoSuchAlgorithmException e) {
        // strings, sets and maps always serialise; every JVM has SHA-256
        throw new IllegalStateException(e);
      }
    }

    LiveRole live() {
      Map<String, JsonNode> inline = new HashMap<>();
      inlinePolicies.forEach((n, d) -> inline.put(n, PolicyDocuments.readCompact(d)));
      return new LiveRole(
          name,
          path,
          arn,
          PolicyDocuments.readCompact(trustPolicy),
          managedPolicyArns,
          inline,
          maxSessionDuration < 0 ? OptionalInt.empty() : OptionalInt.of(maxSessionDuration),
          Optional.ofNullable(permissionsBoundaryArn),
          tags);
    }
  }
}
