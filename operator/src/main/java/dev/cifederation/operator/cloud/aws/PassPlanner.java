package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.Owner.Verdict;
import dev.cifederation.operator.cloud.aws.AwsPlan.ProviderStep;
import dev.cifederation.operator.cloud.aws.AwsPlan.ProviderWrite;
import dev.cifederation.operator.cloud.aws.AwsPlan.RoleStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides one pass of an identity in its account from what was observed: the shared OIDC provider
 * (created when missing, its client ID added; never written when another cluster's or not the
 * operator's), the role (created, or its differences from the desired role in {@link RolePlanner}'s
 * order; adopted or re-marked first when that is allowed), and the roles it still owns under an
 * earlier name. Anything not this identity's is a Conflict and stops the pass before any write.
 * Under Observe the same decisions become differences to report. Pure: no IAM call.
 */
final class PassPlanner {

  private final Intent intent;
  private final List<String> notices = new ArrayList<>();
  private final List<String> differences = new ArrayList<>();

  private PassPlanner(Intent intent) {
    this.intent = intent;
  }

  static AwsPlan plan(Intent intent, AccountView live) {
    return new PassPlanner(intent).decide(live);
  }

  /**
   * Whether the pass may act on the role of the spec's name: it is this identity's, or a policy
   * grants its adoption and the identity asks for it. Only then is a role read beyond the snapshot.
   */
  static boolean mayActOn(Intent intent, LiveRole role) {
    Verdict verdict = OwnershipTags.judge(intent.owner(), role, intent.recordedRoleArn());
    return verdict.isOurs() || adoptionGrant(intent, role, verdict).isPresent();
  }

  /**
   * The provider step alone, for a provider that exists: the pass's own decision, and again when
   * one appeared since the account was read.
   */
  static Decision<ProviderStep> provider(Intent intent, LiveProvider provider) {
    return new PassPlanner(intent).existingProvider(provider);
  }

  /**
   * The role step alone, for a role of the spec's name: again when one appeared since the account
   * was read. A step that adopts or re-marks the role comes with a notice, which only {@link #plan}
   * keeps.
   */
  static Decision<RoleStep> role(Intent intent, LiveRole role) {
    return new PassPlanner(intent).existingRole(role);
  }

  /** A step (none: nothing to do or to record), or why the pass stops. */
  record Decision<T>(Optional<T> step, Optional<String> conflict) {}

  private AwsPlan decide(AccountView live) {
    Decision<ProviderStep> provider =
        live.provider().isPresent() ? existingProvider(live.provider().get()) : missingProvider();
    ProviderStep providerStep =
        provider.step().orElse(new ProviderStep(Optional.empty(), Optional.empty()));
    if (provider.conflict().isPresent()) {
      return plan(provider.conflict(), providerStep, Optional.empty(), List.of());
    }
    Decision<RoleStep> role =
        live.role().isPresent() ? existingRole(live.role().get()) : missingRole();
    if (role.conflict().isPresent()) {
      return plan(role.conflict(), providerStep, Optional.empty(), List.of());
    }
    return plan(Optional.empty(), providerStep, role.step(), superseded(live.roles()));
  }

  private AwsPlan plan(
      Optional<String> conflict,
      ProviderStep provider,
      Optional<RoleStep> role,
      List<LiveRole> superseded) {
    return new AwsPlan(intent, conflict, provider, role, superseded, notices, differences);
  }

  // ------------------------------------------------------------------------------------ provider

  private Decision<ProviderStep> missingProvider() {
    String arn = intent.trust().providerArn();
    if (intent.observe()) {
      differences.add("IAM OIDC provider " + arn + " does not exist");
      return step(new ProviderStep(Optional.empty(), Optional.empty()));
    }
    return step(new ProviderStep(Optional.of(ProviderWrite.CREATE), Optional.of(arn)));
  }

  private Decision<ProviderStep> existingProvider(LiveProvider provider) {
    String arn = provider.arn();
    String audience = intent.trust().audience();
    Optional<String> otherCluster = otherClusterOf(provider);
    if (otherCluster.isPresent()) {
      // The operator of another cluster made it and keeps it while any role of the account trusts
      // it (its cleanup reads every role): our roles trust it too, but we never write it.
      if (provider.clientIds().contains(audience)) {
        return step(new ProviderStep(Optional.empty(), Optional.of(arn)));
      }
      String what =
          "IAM OIDC provider "
              + arn
              + " belongs to the operator of cluster "
              + otherCluster.get()
              + " and does not list client ID "
              + audience
              + "; it is left untouched (that operator adds the client ID when one of its"
              + " identities needs it)";
      if (intent.observe()) {
        differences.add(what);
        return step(new ProviderStep(Optional.empty(), Optional.empty()));
      }
      return conflict(what);
    }
    if (!OwnershipTags.owns(intent.providerOwner(), provider.tags())) {
      return madeElsewhere(provider);
    }
    // The thumbprints of an existing provider are the issuer checks' to keep (keepThumbprints):
    // they add a rotated one before removing the old, which a per-identity pass cannot see.
    if (provider.clientIds().contains(audience)) {
      return step(new ProviderStep(Optional.empty(), Optional.of(arn)));
    }
    // only when missing: Add/RemoveClientID are rare writes (and moto does not implement them)
    if (intent.observe()) {
      differences.add("IAM OIDC provider " + arn + " does not list client ID " + audience);
      return step(new ProviderStep(Optional.empty(), Optional.of(arn)));
    }
    return step(new ProviderStep(Optional.of(ProviderWrite.ADD_CLIENT_ID), Optional.of(arn)));
  }

  /**
   * A provider someone else made for the issuer (Terraform, by hand): shared read-only. Roles trust
   * it as it is; its thumbprints and client IDs are its maker's, and it is never deleted (cleanup
   * and the issuer checks act only on providers with this cluster's marks). Tagging it with the
   * shared owner and this cluster hands it over to the operator.
   */
  private Decision<ProviderStep> madeElsewhere(LiveProvider provider) {
    String arn = provider.arn();
    String audience = intent.trust().audience();
    if (provider.clientIds().contains(audience)) {
      return step(new ProviderStep(Optional.empty(), Optional.of(arn)));
    }
    String what =
        "IAM OIDC provider "
            + arn
            + " was made outside the operator ("
            + OwnershipTags.describe(provider.tags())
            + ") and does not list client ID "
            + audience
            + ", so IAM would refuse the tokens; it is used read-only and left untouched. Add the"
            + " client ID where it is managed, or tag it "
            + OwnershipTags.OWNER_TAG
            + "="
            + OwnershipTags.SHARED_OWNER
            + ", "
            + OwnershipTags.CLUSTER_TAG
            + "="
            + intent.owner().cluster()
            + " to hand it over to the operator";
    if (intent.observe()) {
      differences.add(what);
      return step(new ProviderStep(Optional.empty(), Optional.empty()));
    }
    return conflict(what);
  }

  /** The cluster of another operator whose shared provider this is, if it is. */
  private Optional<String> otherClusterOf(LiveProvider provider) {
    String cluster = provider.tags().get(OwnershipTags.CLUSTER_TAG);
    return OwnershipTags.SHARED_OWNER.equals(provider.tags().get(OwnershipTags.OWNER_TAG))
            && cluster != null
            && !cluster.equals(intent.owner().cluster())
        ? Optional.of(cluster)
        : Optional.empty();
  }

  // ---------------------------------------------------------------------------------------- role

  private Decision<RoleStep> missingRole() {
    DesiredRole desired = intent.role();
    if (intent.observe()) {
      differences.add("IAM role " + desired.name() + " does not exist");
      return step(null);
    }
    LiveRole created = LiveRole.created(desired, intent.roleArn());
    return step(
        new RoleStep(
            intent.roleArn(),
            true,
            Map.of(),
            RolePlanner.plan(desired, created),
            created.afterApplying(desired),
            desired.asLiveTrust(intent.roleArn())));
  }

  private Decision<RoleStep> existingRole(LiveRole role) {
    DesiredRole desired = intent.role();
    Owner owner = intent.owner();
    Verdict verdict = OwnershipTags.judge(owner, role, intent.recordedRoleArn());
    Map<String, String> marks = Map.of();
    if (!verdict.isOurs()) {
      Optional<String> grant = adoptionGrant(intent, role, verdict);
      if (grant.isEmpty()) {
        // never a word of a foreign role's trust or permissions: only whose it is
        return conflict(notOurs(role, verdict));
      }
      if (intent.observe()) {
        // the adoption step is switching to Enforce: compared as it would be then, so an
        // identity whose spec matches the role shows no difference (the marks are not one)
        marks = OwnershipTags.tags(owner);
        notices.add(
            "IAM role "
                + role.arn()
                + " is not yet this identity's; spec.aws.adoptableRoles pattern "
                + grant.get()
                + " lets it be adopted: managementPolicy Enforce takes it over, writing its"
                + " ownership tags and nothing else unless a difference is reported here");
      } else {
        marks = OwnershipTags.tags(owner);
        notices.add(
            "IAM role "
                + role.arn()
                + " adopted ("
                + OwnershipTags.explain(owner, verdict, role.tags())
                + "; spec.adoptExisting, granted by spec.aws.adoptableRoles pattern "
                + grant.get()
                + " of a CIFederationPolicy): ownership marks written");
      }
    } else if (verdict == Verdict.LEGACY && !intent.observe()) {
      marks = OwnershipTags.missing(owner, role.tags());
      notices.add(OwnershipTags.marksWritten(role.arn(), verdict, marks));
    }
    // marks removed out of band from a role that is still ours are drift: RolePlanner tags it
    LiveRole marked = role.withTags(marks);
    List<RoleChange> changes = RolePlanner.plan(desired, marked);
    if (intent.observe()) {
      changes.forEach(c -> differences.add("IAM role " + desired.name() + ": " + c.difference()));
    }
    return step(
        new RoleStep(
            role.arn(),
            false,
            marks,
            changes,
            marked.afterApplying(desired),
            // what IAM holds after the pass: as read, or as corrected (every planned change is
            // written, or the pass fails)
            intent.observe() || changes.isEmpty()
                ? marked.asLiveTrust()
                : desired.asLiveTrust(role.arn())));
  }

  private static Optional<String> adoptionGrant(Intent intent, LiveRole role, Verdict verdict) {
    return verdict.isAdoptable() && intent.adoptExisting()
        ? Adoption.grantFor(intent.adoptable(), role.arn())
        : Optional.empty();
  }

  /**
   * The Conflict message for a role that is not this identity's: whose it is and what would let
   * this identity have it — never its trust policy, principals or permissions.
   */
  private String notOurs(LiveRole role, Verdict verdict) {
    String found =
        (intent.observe() ? "Observe: " : "")
            + "IAM role "
            + role.arn()
            + " exists but is not managed by this identity ("
            + OwnershipTags.explain(intent.owner(), verdict, role.tags())
            + ")";
    if (intent.observe()) {
      return found + "; nothing of a role the operator does not own is compared or reported";
    }
    found += "; it is left untouched. ";
    if (verdict == Verdict.OTHER_CLUSTER) {
      return found
          + "A role of another cluster's operator is never adopted: choose another"
          + " spec.aws.roleName";
    }
    if (verdict == Verdict.OTHER_OWNER) {
      return found
          + "A role of another identity is never adopted: choose another spec.aws.roleName";
    }
    String needed =
        "Choose another spec.aws.roleName, or have it adopted: spec.adoptExisting: true on this"
            + " identity and the role's ARN granted in spec.aws.adoptableRoles of a"
            + " CIFederationPolicy selecting this namespace";
    if (intent.adoptExisting()) {
      needed += " (spec.adoptExisting is set, but no selecting policy grants " + role.arn() + ")";
    }
    return found + needed;
  }

  /**
   * A role this identity owns under another name is what an earlier spec.aws.roleName created: it
   * goes the way the deletion policy says, so a rename leaves neither a duplicate nor an orphan.
   */
  private List<LiveRole> superseded(List<LiveRole> roles) {
    String name = intent.role().name();
    List<LiveRole> superseded = new ArrayList<>();
    for (LiveRole role : roles) {
      if (role.name().equals(name)
          || !OwnershipTags.judge(intent.owner(), role, intent.recordedRoleArn()).isOurs()) {
        continue;
      }
      if (intent.observe()) {
        differences.add(
            "IAM role "
                + role.name()
                + " is no longer in the spec (spec.aws.roleName is now "
                + name
                + ")");
      } else {
        superseded.add(role);
      }
    }
    return superseded;
  }

  // ---------------------------------------------------------------------------------------------

  private <T> Decision<T> step(T step) {
    return new Decision<>(Optional.ofNullable(step), Optional.empty());
  }

  private <T> Decision<T> conflict(String why) {
    return new Decision<>(Optional.empty(), Optional.of(why));
  }
}
