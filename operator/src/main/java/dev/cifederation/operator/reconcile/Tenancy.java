package dev.cifederation.operator.reconcile;

import dev.cifederation.operator.api.v1alpha1.DeletionPolicy;
import dev.cifederation.operator.config.OperatorConfig;
import dev.cifederation.operator.guard.PolicyEvaluator.Ungoverned;

/**
 * The operator-wide tenancy switches, fixed at start-up.
 *
 * @param ungoverned what a namespace no CIFederationPolicy selects may do: nothing (default), or
 *     everything but pullRequest in single-team mode
 * @param neverDelete production safety: every deletion orphans the cloud objects, whatever the
 *     identities' deletionPolicy says
 */
public record Tenancy(Ungoverned ungoverned, boolean neverDelete) {

  /** Default deny, deletions as the identities say. */
  public static final Tenancy DEFAULT = new Tenancy(Ungoverned.Deny, false);

  /** Single-team mode: no policy needed (tests of the cloud flow, one-team clusters). */
  public static final Tenancy SINGLE_TEAM = new Tenancy(Ungoverned.Allow, false);

  public static Tenancy from(OperatorConfig config) {
    return new Tenancy(
        config.allowUngovernedNamespaces() ? Ungoverned.Allow : Ungoverned.Deny,
        config.neverDelete());
  }

  /** The deletion policy in force for an identity that asks for {@code asked}. */
  public DeletionPolicy deletionPolicy(DeletionPolicy asked) {
    if (neverDelete) {
      return DeletionPolicy.Orphan;
    }
    return asked == null ? DeletionPolicy.Delete : asked;
  }
}
