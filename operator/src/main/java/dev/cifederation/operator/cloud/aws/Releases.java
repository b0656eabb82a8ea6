package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.aws.AwsFailure.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the operator made, let go: a role deleted (deletionPolicy Delete) or unmarked (Orphan), and
 * a shared OIDC provider deleted with the last role that trusts it. Used by cleanup and by a pass
 * that finds a role the identity owns under an earlier name. Something already gone is no failure.
 */
final class Releases {

  private Releases() {}

  /** Deletes the role (Delete) or removes only its ownership tags (Orphan); says which. */
  static String release(IamGateway iam, LiveRole role, boolean orphan) {
    if (orphan) {
      ignoringMissing(() -> iam.untagRole(role.name(), OwnershipTags.MARKS));
      return "IAM role " + role.arn() + " orphaned: kept, ownership tags removed";
    }
    // the policies first: IAM refuses to delete a role that still has them
    for (String arn : role.managedPolicyArns()) {
      ignoringMissing(() -> iam.detachPolicy(role.name(), arn));
    }
    for (String policy : role.inlinePolicies().keySet()) {
      ignoringMissing(() -> iam.deleteInlinePolicy(role.name(), policy));
    }
    ignoringMissing(() -> iam.deleteRole(role.name()));
    return "IAM role " + role.arn() + " deleted";
  }

  /**
   * Deletes each provider of {@code providerOwner} that no role in the account trusts any more, as
   * {@code fresh} (read after the roles were released) shows, whoever owns the roles: a shared
   * provider goes with its last user, never before.
   */
  static List<String> releaseProviders(
      IamGateway iam, AccountSnapshot fresh, Set<String> providerArns, Owner providerOwner) {
    List<String> released = new ArrayList<>();
    for (String arn : providerArns) {
      Optional<LiveProvider> provider = fresh.provider(arn, iam::readProvider);
      if (provider.isEmpty() || !OwnershipTags.owns(providerOwner, provider.get().tags())) {
        continue;
      }
      if (fresh.anyRoleTrusts(arn, null)) {
        released.add("IAM OIDC provider " + arn + " kept: other roles trust it");
        continue;
      }
      ignoringMissing(() -> iam.deleteProvider(arn));
      released.add("IAM OIDC provider " + arn + " deleted: no role trusts it any more");
    }
    return released;
  }

  private static void ignoringMissing(Runnable write) {
    try {
      write.run();
    } catch (AwsFailure e) {
      if (e.kind() != Kind.NO_SUCH_ENTITY) {
        throw e;
      }
    }
  }
}
