package dev.cifederation.operator.cloud.gcp;

import static dev.cifederation.operator.cloud.gcp.PolicyMembers.WORKLOAD_IDENTITY_USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.services.iam.v1.model.Binding;
import com.google.api.services.iam.v1.model.Oidc;
import com.google.api.services.iam.v1.model.Policy;
import com.google.api.services.iam.v1.model.WorkloadIdentityPool;
import com.google.api.services.iam.v1.model.WorkloadIdentityPoolProvider;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.cloud.CloudFailure;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.gcp.GcpPlan.PoolWork;
import dev.cifederation.operator.cloud.gcp.ProviderSpec.Field;
import dev.cifederation.operator.trust.GcpTrust;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The plan is a pure function of what observe read and the compiled trust: no cloud here. */
class GcpPlanTest {

  private static final String CLUSTER = "prod";
  private static final String GITHUB = "https://token.actions.githubusercontent.com";
  private static final String GHES = "https://ghes.example.com/_services/token";
  private static final String SA = "ci-deployer@my-project.iam.gserviceaccount.com";
  private static final String POOL = "projects/123/locations/global/workloadIdentityPools/cifed-gh";
  private static final String PROVIDER = POOL + "/providers/cifed-team-a-deploy-0123456789";
  private static final String PRINCIPAL =
      "principal://iam.googleapis.com/" + POOL + "/subject/repo:my-org/my-app:env:prod";
  private static final String CONDITION = "assertion.sub == 'repo:my-org/my-app:env:prod'";
  private static final Owner ME = new Owner("team-a/deploy", CLUSTER, "uid-1");

  private final GcpTrust trust = trust(PRINCIPAL);
  private final WorkloadIdentityPoolProvider wanted = ProviderSpec.desired(trust, ME);

  @Test
  void nothingThereMeansCreateEverythingAndObserveSaysSo() {
    GcpPlan plan = plan(claimant(false), PoolView.of(Optional.empty(), List.of()), policy());

    assertThat(plan.pool()).isEqualTo(new PoolWork(PoolWork.Action.CREATE, false));
    assertThat(plan.provider().live()).isEmpty();
    assertThat(plan.binding().add()).isTrue();
    assertThat(plan.moved()).isEmpty();
    assertThat(plan.differences())
        .containsExactly(
            "pool " + POOL + " does not exist",
            "provider " + PROVIDER + " does not exist",
            WORKLOAD_IDENTITY_USER + " for " + PRINCIPAL + " is missing on " + SA);
  }

  @Test
  void whatIsAsWantedNeedsNothing() {
    GcpPlan plan = plan(claimant(false), pool(ourPool(), live()), policy(PRINCIPAL));

    assertThat(plan.pool().isNone()).isTrue();
    assertThat(plan.provider().undelete()).isFalse();
    assertThat(plan.provider().claim()).isEmpty();
    assertThat(plan.provider().patch()).isEmpty();
    assertThat(plan.binding().isNone()).isTrue();
    assertThat(plan.differences()).isEmpty();
  }

  @Test
  void aWidenedConditionIsPatchedAloneAndAMissingMemberAdded() {
    WorkloadIdentityPoolProvider widened = live().setAttributeCondition("true");

    GcpPlan plan = plan(claimant(false), pool(ourPool(), widened), policy());

    assertThat(plan.provider().patch()).containsExactly(Field.attributeCondition);
    assertThat(plan.binding().add()).isTrue();
    assertThat(plan.differences())
        .containsExactly(
            "provider " + PROVIDER + " differs: attributeCondition='true'",
            WORKLOAD_IDENTITY_USER + " for " + PRINCIPAL + " is missing on " + SA);
  }

  @Test
  void aSoftDeletedPoolAndProviderAreUndeleted() {
    WorkloadIdentityPool deleted = ourPool().setState(PoolView.DELETED);

    GcpPlan plan =
        plan(claimant(false), pool(deleted, live().setState(PoolView.DELETED)), policy(PRINCIPAL));

    assertThat(plan.pool().action()).isEqualTo(PoolWork.Action.UNDELETE);
    assertThat(plan.provider().undelete()).isTrue();
    assertThat(plan.differences())
        .containsExactly("pool " + POOL + " is deleted", "provider " + PROVIDER + " is deleted");
  }

  @Test
  void anotherIdentitysProviderIsRefusedWhateverTheGrant() {
    WorkloadIdentityPoolProvider theirs =
        live().setDescription(Ownership.providerDescription(new Owner("team-b/x", CLUSTER, "u")));
    Claimant asksWithGrant =
        new Claimant(ME, Optional.empty(), true, List.of(POOL + "/providers/*"), false);

    assertThatThrownBy(() -> plan(asksWithGrant, pool(ourPool(), theirs), policy()))
        .isInstanceOf(CloudFailure.class)
        .hasMessageContaining("belongs to another identity")
        .hasMessageNotContaining(CONDITION)
        .extracting(e -> ((CloudFailure) e).reason())
        .isEqualTo(CloudReason.Conflict);
    assertThatThrownBy(() -> plan(claimant(true), pool(ourPool(), theirs), policy()))
        .hasMessageStartingWith("Observe (nothing read from it is reported)");
  }

  @Test
  void anUnmarkedProviderIsClaimedOnlyWhenAskedAndGranted() {
    WorkloadIdentityPoolProvider handMade = live().setDescription("made by hand");
    Claimant granted =
        new Claimant(ME, Optional.empty(), true, List.of(POOL + "/providers/*"), false);

    assertThatThrownBy(() -> plan(claimant(false), pool(ourPool(), handMade), policy()))
        .hasMessageContaining("spec.adoptExisting");
    GcpPlan plan = plan(granted, pool(ourPool(), handMade), policy());

    assertThat(plan.provider().claim())
        .hasValueSatisfying(c -> assertThat(c).startsWith("adopted"));
    assertThat(plan.provider().patch())
        .as("the claim writes the marks; nothing else differs")
        .isEmpty();
  }

  @Test
  void anOlderVersionsRecordedProviderIsMarkedAsAClaimButObserveReportsTheDescription() {
    WorkloadIdentityPoolProvider legacy =
        live().setDescription("cifederation.dev/owner=team-a/deploy cifederation.dev/cluster=prod");
    Claimant recorded = new Claimant(ME, Optional.of(PROVIDER), false, List.of(), false);
    Claimant observing = new Claimant(ME, Optional.of(PROVIDER), false, List.of(), true);

    assertThat(plan(recorded, pool(ourPool(), legacy), policy(PRINCIPAL)).provider().claim())
        .hasValueSatisfying(c -> assertThat(c).contains("with this identity's uid"));
    GcpPlan observed = plan(observing, pool(ourPool(), legacy), policy(PRINCIPAL));
    assertThat(observed.provider().claim()).isEmpty();
    assertThat(observed.provider().patch()).containsExactly(Field.description);
  }

  @Test
  void aSecondIssuerInThePoolIsAConflictUnderEnforceAndADifferenceUnderObserve() {
    WorkloadIdentityPoolProvider ghes =
        live().setName(POOL + "/providers/someone-else").setOidc(new Oidc().setIssuerUri(GHES));
    PoolView shared =
        PoolView.of(
            Optional.of(new WorkloadIdentityPool().setState("ACTIVE")), List.of(live(), ghes));

    assertThatThrownBy(() -> plan(claimant(false), shared, policy(PRINCIPAL)))
        .hasMessageContaining("serves another issuer (" + GHES + ")");
    assertThat(plan(claimant(true), shared, policy(PRINCIPAL)).differences())
        .singleElement()
        .asString()
        .contains("also serves " + GHES);
  }

  @Test
  void aChangedSubjectRemovesThePreviousMemberAndAChangedPoolReleasesTheOldProvider() {
    String previous = PRINCIPAL.replace("env:prod", "env:staging");
    Placement before =
        new Placement("123", "cifed-gh", "cifed-team-a-deploy-0123456789", previous, SA);

    GcpPlan plan =
        plan(claimant(false), pool(ourPool(), live()), policy(previous), Optional.of(before));

    assertThat(plan.binding().add()).isTrue();
    assertThat(plan.binding().stale()).contains(previous);
    assertThat(plan.binding().removeStale()).isTrue();
    assertThat(plan.moved()).as("same provider and account: nothing to release").isEmpty();

    Placement elsewhere = new Placement("123", "old-pool", "cifed-x", PRINCIPAL, SA);
    assertThat(
            plan(claimant(false), pool(ourPool(), live()), policy(), Optional.of(elsewhere))
                .moved())
        .contains(elsewhere);
  }

  // ---------------------------------------------------------------------------------- helpers

  private GcpPlan plan(Claimant claimant, PoolView pool, Policy policy) {
    return plan(claimant, pool, policy, Optional.empty());
  }

  private GcpPlan plan(
      Claimant claimant, PoolView pool, Policy policy, Optional<Placement> recorded) {
    return GcpPlan.of(trust, claimant, pool, policy, recorded);
  }

  private static Claimant claimant(boolean observeOnly) {
    return new Claimant(ME, Optional.empty(), false, List.of(), observeOnly);
  }

  private WorkloadIdentityPoolProvider live() {
    WorkloadIdentityPoolProvider live = wanted.clone();
    live.setName(PROVIDER);
    live.setState(PoolView.ACTIVE);
    live.setAttributeMapping(new TreeMap<>(wanted.getAttributeMapping()));
    live.setOidc(wanted.getOidc().clone());
    return live;
  }

  private static WorkloadIdentityPool ourPool() {
    return new WorkloadIdentityPool()
        .setName(POOL)
        .setState(PoolView.ACTIVE)
        .setDescription(Ownership.poolDescription(CLUSTER, GITHUB));
  }

  private static PoolView pool(WorkloadIdentityPool pool, WorkloadIdentityPoolProvider provider) {
    return PoolView.of(Optional.of(pool), List.of(provider));
  }

  private static Policy policy(String... members) {
    Policy policy = new Policy();
    if (members.length > 0) {
      policy.setBindings(
          List.of(
              new Binding()
                  .setRole(WORKLOAD_IDENTITY_USER)
                  .setMembers(new ArrayList<>(List.of(members)))));
    }
    return policy;
  }

  private static GcpTrust trust(String principal) {
    TreeMap<String, String> mapping = new TreeMap<>();
    mapping.put("google.subject", "assertion.sub");
    return new GcpTrust(
        "my-project",
        "123",
        "cifed-gh",
        "cifed-team-a-deploy-0123456789",
        PROVIDER,
        GITHUB,
        List.of(),
        mapping,
        CONDITION,
        principal,
        "https://iam.googleapis.com/" + PROVIDER,
        SA);
  }
}
