package dev.cifederation.operator.cloud.azure;

import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.api.v1alpha1.Severity;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.Owner.Verdict;
import dev.cifederation.operator.cloud.azure.ArmClient.LiveIdentity;
import dev.cifederation.operator.cloud.azure.CredentialPlan.Credential;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What one pass does in Azure for a resource, decided from what it read and nothing else: whether
 * the identity is the resource's to act on (else the Conflict, and nothing more), the identity's
 * one write if any (create, adopt, mark), the credentials' plan ({@link CredentialPlan}), the role
 * assignments' plan ({@link AssignmentPlan}), the findings on what is live, and, for Observe, the
 * differences in words. Pure: no cloud call, so it is tested without Azure.
 *
 * @param existing the identity as observe read it; empty when it is to be created
 * @param conflict why the identity is not the resource's; when present, nothing is written
 * @param grant the adoptable pattern that grants {@link IdentityWrite#ADOPT}
 * @param credentials the credentials' plan; for a new identity, from none
 * @param declared the declared assignments, their roles resolved
 * @param assignments the assignments' plan; empty for an identity not made yet, whose principal
 *     holds none: every declared one is then created
 * @param differences under Observe, what differs from the spec, in words
 */
record AzurePlan(
    Intent intent,
    Optional<LiveIdentity> existing,
    Optional<String> conflict,
    IdentityWrite identityWrite,
    Optional<String> grant,
    CredentialPlan credentials,
    List<AssignmentPlan.Desired> declared,
    Optional<AssignmentPlan> assignments,
    List<Finding> findings,
    List<String> differences) {

  AzurePlan {
    Objects.requireNonNull(intent, "intent");
    Objects.requireNonNull(existing, "existing");
    Objects.requireNonNull(conflict, "conflict");
    Objects.requireNonNull(identityWrite, "identityWrite");
    Objects.requireNonNull(grant, "grant");
    Objects.requireNonNull(credentials, "credentials");
    declared = List.copyOf(declared);
    Objects.requireNonNull(assignments, "assignments");
    findings = List.copyOf(findings);
    differences = List.copyOf(differences);
  }

  /**
   * What the resource asks for and may do, as the pass's request says it.
   *
   * @param owner the ownership marks of the resource, as Azure tags hold them
   * @param resource the resource's {@code namespace/name}, for messages
   * @param cluster the operator's cluster name, for messages
   * @param recordedPrincipalId the principal ID the resource's status records, or null
   * @param adoptable the adoptable patterns of the selecting policies
   * @param observe managementPolicy Observe: nothing is written
   * @param migrationEnded the last pass placed a subject migration's two credentials and the window
   *     is over: the old subject's credential goes as declared, not as drift
   */
  record Intent(
      Target target,
      Owner owner,
      String resource,
      String cluster,
      String recordedPrincipalId,
      boolean adoptExisting,
      List<String> adoptable,
      boolean observe,
      boolean migrationEnded) {
    Intent {
      adoptable = List.copyOf(adoptable);
    }
  }

  /** The one write the identity itself may need, before its credentials and assignments. */
  enum IdentityWrite {
    NONE,
    /** Azure has no identity of the name: create it, marked. */
    CREATE,
    /** Unmarked or an earlier namesake's, with the ask and an administrator's grant: mark it. */
    ADOPT,
    /** Made before UID marks and recorded by this resource: add the UID mark, once. */
    MARK_LEGACY,
    /** Ours, but marks were removed out of band: write them again. */
    RESTORE_MARKS
  }

  /** The adoptable pattern that lets the resource take the identity over, if it asks and may. */
  static Optional<String> adoption(Intent intent, LiveIdentity identity, Verdict verdict) {
    return intent.adoptExisting() && verdict.isAdoptable()
        ? OwnershipTags.grantedAdoption(intent.adoptable(), identity.id())
        : Optional.empty();
  }

  /**
   * Whether the pass acts on (and so reads) the identity: ours, or adopted by grant — now, or under
   * Observe announced and compared as it would be once adopted.
   */
  static boolean mayActOn(Intent intent, LiveIdentity identity, Verdict verdict) {
    return verdict.isOurs() || adoption(intent, identity, verdict).isPresent();
  }

  static AzurePlan of(Intent intent, AzureLive live) {
    Target target = intent.target();
    if (live.identity().isEmpty()) {
      return new AzurePlan(
          intent,
          Optional.empty(),
          Optional.empty(),
          IdentityWrite.CREATE,
          Optional.empty(),
          credentialsFrom(target, List.of()),
          live.roles(),
          Optional.empty(),
          List.of(),
          List.of(target.describeIdentity() + " does not exist"));
    }
    LiveIdentity identity = live.identity().get();
    Verdict verdict = live.verdict().orElseThrow();
    Optional<String> grant = adoption(intent, identity, verdict);
    if (!mayActOn(intent, identity, verdict)) {
      return new AzurePlan(
          intent,
          live.identity(),
          Optional.of(conflict(intent, verdict)),
          IdentityWrite.NONE,
          Optional.empty(),
          credentialsFrom(target, List.of()),
          live.roles(),
          Optional.empty(),
          List.of(),
          List.of());
    }
    List<Finding> findings = new ArrayList<>();
    List<String> differences = new ArrayList<>();
    IdentityWrite write =
        !verdict.isOurs()
            ? IdentityWrite.ADOPT
            : switch (verdict) {
              case LEGACY -> IdentityWrite.MARK_LEGACY;
              case MARKS_DRIFTED -> IdentityWrite.RESTORE_MARKS;
              default -> IdentityWrite.NONE;
            };
    if (write == IdentityWrite.RESTORE_MARKS) {
      differences.add("ownership tags of " + target.describeIdentity() + " are missing or changed");
    }
    if (!normalisedLocation(identity.location()).equals(normalisedLocation(target.location()))) {
      findings.add(
          finding(
              "IdentityLocationMismatch",
              Severity.Low,
              target.describeIdentity()
                  + " is in "
                  + identity.location()
                  + ", not "
                  + target.location()
                  + "; Azure cannot move an identity: restore spec.azure.location or recreate"
                  + " the identity"));
    }
    CredentialPlan credentials = credentialsFrom(target, live.credentials());
    compare(intent, credentials, differences, findings);
    AssignmentPlan assignments =
        AssignmentPlan.of(live.roles(), live.assignments(), identity.principalId());
    compare(assignments, differences, findings);
    return new AzurePlan(
        intent,
        live.identity(),
        Optional.empty(),
        write,
        write == IdentityWrite.ADOPT ? grant : Optional.empty(),
        credentials,
        live.roles(),
        Optional.of(assignments),
        findings,
        differences);
  }

  /** Whether the identity exists and is this resource's before any write (not to be adopted). */
  boolean identityIsOurs() {
    return existing.isPresent() && conflict.isEmpty() && identityWrite != IdentityWrite.ADOPT;
  }

  /** What the identity holds once the plan is applied, the current subject's first. */
  List<Credential> placed() {
    return credentials.after();
  }

  private static CredentialPlan credentialsFrom(Target target, List<Credential> live) {
    return CredentialPlan.of(target.credentials(), target.ownCredentialNames(), live);
  }

  private static void compare(
      Intent intent, CredentialPlan plan, List<String> differences, List<Finding> findings) {
    Target target = intent.target();
    for (Credential foreign : plan.foreign()) {
      differences.add(
          target.identity().name()
              + " holds federated credential "
              + foreign.describe()
              + " that the operator did not create");
      if (intent.observe()) {
        findings.add(
            finding(
                "ForeignFederatedCredential",
                Severity.High,
                target.describeIdentity()
                    + " also trusts "
                    + foreign.describe()
                    + ": that subject can obtain the identity's roles"));
      }
    }
    for (CredentialPlan.Put put : plan.puts()) {
      differences.add(
          put.replaced().isEmpty()
              ? "no federated credential admits subject " + put.credential().subject()
              : "federated credential "
                  + put.credential().name()
                  + ": "
                  + String.join(", ", put.differences()));
    }
    for (Credential stale : plan.stale()) {
      differences.add(staleCredential(intent, stale) + " is no longer declared");
      if (intent.observe()) {
        // under one of the operator's names, but a trust the spec does not declare
        findings.add(
            finding(
                "ForeignFederatedCredential",
                Severity.High,
                target.describeIdentity()
                    + " also trusts "
                    + stale.describe()
                    + ", which the spec no longer declares: that subject can obtain the"
                    + " identity's roles"));
      }
    }
  }

  private static void compare(
      AssignmentPlan plan, List<String> differences, List<Finding> findings) {
    for (AssignmentPlan.Live stale : plan.toDelete()) {
      differences.add(
          "role assignment "
              + stale.roleDefinitionGuid()
              + " at "
              + stale.scope()
              + " is no longer declared");
    }
    for (AssignmentPlan.Create create : plan.toCreate()) {
      differences.add(
          "role assignment "
              + create.desired().role()
              + " at "
              + create.desired().scope()
              + " does not exist");
    }
    for (AssignmentPlan.GrantedByOther other : plan.grantedByOthers()) {
      findings.add(grantedByOther(other.desired(), "assignment " + other.assignment().name()));
    }
    for (AssignmentPlan.Live foreign : plan.undeclaredOfOthers()) {
      findings.add(
          finding(
              "UndeclaredRoleAssignment",
              Severity.High,
              "The identity also holds role definition "
                  + foreign.roleDefinitionGuid()
                  + " at "
                  + foreign.scope()
                  + " through assignment "
                  + foreign.name()
                  + ", which spec.azure.roleAssignments does not declare and the operator did"
                  + " not make (so it does not remove it): declare it or remove it in Azure"));
    }
  }

  /** An owned credential the spec no longer declares, in words. */
  static String staleCredential(Intent intent, Credential stale) {
    return "federated credential "
        + stale.describe()
        + (intent.migrationEnded() ? " of the subject migration, whose window has ended" : "");
  }

  /** A declared role that someone else's assignment grants: it outlives the resource. */
  static Finding grantedByOther(AssignmentPlan.Desired desired, String by) {
    return finding(
        "RoleGrantedOutsideOperator",
        Severity.Low,
        desired.role()
            + " at "
            + desired.scope()
            + " is granted by "
            + by
            + "; it stays when this resource is deleted");
  }

  /**
   * The identity is not this resource's. The message says which kind of stranger it is and what
   * would let this resource have it, but copies nothing of it (tags, credentials, assignments): a
   * spec naming someone else's identity must not read it out, not even under Observe.
   */
  private static String conflict(Intent intent, Verdict verdict) {
    String remedy =
        switch (verdict) {
          case UNMARKED, EARLIER_NAMESAKE ->
              intent.adoptExisting()
                  ? "spec.adoptExisting is set, but no CIFederationPolicy selecting this"
                      + " namespace lists its resource ID in spec.azure.adoptableIdentities"
                  : "to take it over, set spec.adoptExisting: true and have a"
                      + " CIFederationPolicy selecting this namespace grant it in"
                      + " spec.azure.adoptableIdentities; or choose another"
                      + " spec.azure.identityName";
          case OTHER_OWNER ->
              "it is never adopted while marked: choose another spec.azure.identityName, or"
                  + " release it from its owner with deletionPolicy Orphan first";
          default -> "it is never adopted: choose another spec.azure.identityName";
        };
    return intent.target().describeIdentity()
        + " exists and is not this resource's ("
        + OwnershipTags.describe(verdict, intent.resource(), intent.cluster())
        + "); it is left untouched: "
        + remedy;
  }

  private static Finding finding(String rule, Severity severity, String message) {
    return new Finding(rule, severity, Cloud.Azure.name(), message);
  }

  private static String normalisedLocation(String location) {
    return location == null ? "" : location.replace(" ", "").toLowerCase(Locale.ROOT);
  }
}
