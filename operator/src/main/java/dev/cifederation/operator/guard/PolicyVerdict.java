package dev.cifederation.operator.guard;

import dev.cifederation.operator.api.v1alpha1.PolicyCompliantReason;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of checking one identity against the policies that select its namespace.
 *
 * @param reason Compliant, or the first rule broken
 * @param message for people: which policy, which field, what is allowed
 * @param policies the names of the policies applied; empty when the operator's default applied
 * @param sessionCap the lowest maxSessionDuration cap among them, for the trust lint
 */
public record PolicyVerdict(
    PolicyCompliantReason reason,
    String message,
    List<String> policies,
    Optional<Duration> sessionCap) {

  public PolicyVerdict {
    policies = List.copyOf(policies);
  }

  public boolean compliant() {
    return reason == PolicyCompliantReason.Compliant;
  }
}
