package dev.cifederation.operator.guard;

import dev.cifederation.operator.api.v1alpha1.PolicyCompliantReason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of checking one identity against the policies that select its namespace.
 *
 * @param reason Compliant, or the first rule broken
 * @param message for people: which policy, which field, what is allowed
 * @param policies the names of the policies applied; empty when none selects the namespace
 * @param sessionCap the lowest maxSessionDuration cap among them, for the trust lint
 * @param suspendedBy the policy that suspends every identity it selects, when one does
 * @param adoptable per granted cloud, the patterns of existing objects the granting policy lets an
 *     identity with spec.adoptExisting take over
 * @param forbiddenRoles the Azure roles any selecting policy forbids, for the adapter to check
 *     again once it has resolved each role in the cloud
 */
public record PolicyVerdict(
    PolicyCompliantReason reason,
    String message,
    List<String> policies,
    Optional<Duration> sessionCap,
    Optional<String> suspendedBy,
    Map<PolicyEvaluator.Target, List<String>> adoptable,
    List<String> forbiddenRoles) {

  public PolicyVerdict {
    policies = List.copyOf(policies);
    adoptable = Map.copyOf(adoptable);
    forbiddenRoles = List.copyOf(forbiddenRoles);
  }

  public boolean compliant() {
    return reason == PolicyCompliantReason.Compliant;
  }

  /** The adoptable patterns granted for one cloud; empty when none. */
  public List<String> adoptable(PolicyEvaluator.Target target) {
    return adoptable.getOrDefault(target, List.of());
  }
}
