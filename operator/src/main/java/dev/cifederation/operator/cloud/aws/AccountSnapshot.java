package dev.cifederation.operator.cloud.aws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cifederation.operator.cloud.ScopeScans;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

  AccountSnapshot(Instant takenAt, Map<String, LiveRole> rolesByName, Set<String> providerArns) {
    this.takenAt = takenAt;
    this.rolesByName = new ConcurrentHashMap<>(rolesByName);
    this.providerArns = Set.copyOf(providerArns);
  }

  Instant takenAt() {
    return takenAt;
  }

  Optional<LiveRole> role(String name) {
    return Optional.ofNullable(rolesByName.get(name));
  }

  /** The role as the operator has just written it. */
  void put(LiveRole role) {
    rolesByName.put(role.name(), role);
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
