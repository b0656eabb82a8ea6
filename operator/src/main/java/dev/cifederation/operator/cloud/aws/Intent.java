package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.trust.AwsTrust;
import java.util.List;
import java.util.Objects;

/**
 * What an identity asks of its account in one pass, taken from the request: the role it should
 * have, the provider it trusts, whose it is, what its status recorded, and what it may adopt.
 *
 * @param trust the compiled trust: the account, the provider's ARN, URL and audience
 * @param role the role it should have, ownership tags included
 * @param roleArn the ARN of {@code role}, as IAM gives it on creation
 * @param recordedRoleArn the role this identity's status records as its own; null when none
 * @param adoptExisting the identity's {@code spec.adoptExisting}
 * @param adoptable the role ARN patterns the selecting policies grant for adoption
 * @param observe managementPolicy Observe: nothing is written, differences are reported
 * @param orphan the deletion policy in force is Orphan: a role left behind is unmarked, not deleted
 */
record Intent(
    AwsTrust trust,
    DesiredRole role,
    String roleArn,
    Owner owner,
    String recordedRoleArn,
    boolean adoptExisting,
    List<String> adoptable,
    boolean observe,
    boolean orphan) {

  Intent {
    Objects.requireNonNull(trust, "trust");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(owner, "owner");
    adoptable = List.copyOf(adoptable);
  }

  /** The owner the account's shared providers are marked with. */
  Owner providerOwner() {
    return OwnershipTags.ofProvider(owner.cluster());
  }
}
