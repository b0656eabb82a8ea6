package dev.cifederation.operator.cloud.azure;

import dev.cifederation.operator.cloud.Owner.Verdict;
import dev.cifederation.operator.cloud.azure.ArmClient.LiveIdentity;
import dev.cifederation.operator.cloud.azure.CredentialPlan.Credential;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one pass read in Azure for a resource: the declared roles resolved, the managed identity of
 * the spec's name and whose it is, and, only when the resource may act on it, its federated
 * credentials and its principal's role assignments (nothing of a stranger's identity is read).
 *
 * @param identity empty when Azure has no identity of that name
 * @param verdict whose the identity is; empty without one
 * @param credentials every federated credential on the identity; empty when not read
 * @param assignments the principal's role assignments in the subscriptions concerned; empty when
 *     not read
 */
record AzureLive(
    List<AssignmentPlan.Desired> roles,
    Optional<LiveIdentity> identity,
    Optional<Verdict> verdict,
    List<Credential> credentials,
    List<AssignmentPlan.Live> assignments) {

  AzureLive {
    roles = List.copyOf(roles);
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(verdict, "verdict");
    credentials = List.copyOf(credentials);
    assignments = List.copyOf(assignments);
  }

  /** No identity of the spec's name. */
  static AzureLive missing(List<AssignmentPlan.Desired> roles) {
    return new AzureLive(roles, Optional.empty(), Optional.empty(), List.of(), List.of());
  }

  /** An identity the resource may not act on: only its tags were read. */
  static AzureLive stranger(
      List<AssignmentPlan.Desired> roles, LiveIdentity identity, Verdict verdict) {
    return new AzureLive(roles, Optional.of(identity), Optional.of(verdict), List.of(), List.of());
  }
}
