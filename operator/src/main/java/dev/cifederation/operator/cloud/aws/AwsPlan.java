package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.trust.LiveTrust;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one pass decided for an identity in its account ({@link PassPlanner}): the provider step,
 * the role step, the roles it owns under an earlier name, or the Conflict that stops the pass
 * before any write. Data only; {@code AwsCloud.apply} writes it.
 *
 * @param intent what the plan was decided for (apply decides again only for an object that appeared
 *     since the account was read)
 * @param conflict why the pass writes nothing and ends Conflict
 * @param role empty when the role is missing and only observed, or after a conflict
 * @param superseded roles this identity owns under an earlier spec.aws.roleName, to be released
 * @param notices adoption and ownership migration: Events, never drift; under Observe, that Enforce
 *     would adopt the role (said in the condition, nothing written)
 * @param differences under Observe, what differs from the spec (nothing is written)
 */
record AwsPlan(
    Intent intent,
    Optional<String> conflict,
    ProviderStep provider,
    Optional<RoleStep> role,
    List<LiveRole> superseded,
    List<String> notices,
    List<String> differences) {

  AwsPlan {
    Objects.requireNonNull(intent, "intent");
    Objects.requireNonNull(conflict, "conflict");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(role, "role");
    superseded = List.copyOf(superseded);
    notices = List.copyOf(notices);
    differences = List.copyOf(differences);
  }

  /** The write the account's OIDC provider needs. */
  enum ProviderWrite {
    CREATE,
    ADD_CLIENT_ID
  }

  /**
   * @param write what to write, if anything
   * @param arn the provider the status records: empty when it is missing and only observed, or not
   *     usable
   */
  record ProviderStep(Optional<ProviderWrite> write, Optional<String> arn) {

    /** The provider's ARN when it exists already (not when this pass is to create it). */
    Optional<String> existing() {
      return write.filter(ProviderWrite.CREATE::equals).isPresent() ? Optional.empty() : arn;
    }
  }

  /**
   * @param arn the role's ARN (as IAM will give it, when it is to be created)
   * @param create CreateRole first, with the trust policy, session limit, boundary and tags
   * @param marks ownership tags written before the changes (adoption, a role made before UID marks)
   * @param changes the writes that bring the role to the desired state, in order
   * @param after the role once every write is made, for the account's snapshot
   * @param liveTrust the trust IAM holds after the pass (as read when nothing is written)
   */
  record RoleStep(
      String arn,
      boolean create,
      Map<String, String> marks,
      List<RoleChange> changes,
      LiveRole after,
      LiveTrust.Aws liveTrust) {

    RoleStep {
      marks = Map.copyOf(marks);
      changes = List.copyOf(changes);
    }

    boolean writes() {
      return create || !marks.isEmpty() || !changes.isEmpty();
    }
  }
}
