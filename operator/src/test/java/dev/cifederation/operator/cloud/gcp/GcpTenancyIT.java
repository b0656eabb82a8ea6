package dev.cifederation.operator.cloud.gcp;

import static dev.cifederation.operator.cloud.gcp.GcpTestbed.CLUSTER;
import static dev.cifederation.operator.cloud.gcp.GcpTestbed.POOL;
import static dev.cifederation.operator.cloud.gcp.GcpTestbed.PROJECT_NUMBER;
import static dev.cifederation.operator.cloud.gcp.GcpTestbed.ROLE;
import static dev.cifederation.operator.cloud.gcp.GcpTestbed.SA;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuerSpec;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.DeletionPolicy;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.api.v1alpha1.TrustActiveReason;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.CloudRequest.Grants;
import dev.cifederation.operator.cloud.CloudRequest.Revocation;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.testsupport.Passes;
import dev.cifederation.operator.trust.Admission;
import dev.cifederation.operator.trust.Claims;
import dev.cifederation.operator.trust.GcpTrust;
import dev.cifederation.operator.trust.IssuerInfo;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.TrustCompilationException;
import dev.cifederation.operator.trust.TrustCompiler;
import dev.cifederation.operator.trust.TrustEvaluator;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tenancy on GCP, through the real Google SDK against the fake IAM: ownership that a namesake
 * cannot inherit, adoption as a grant, revocation in place (the provider disabled, judged by the
 * claims evaluator on what the fake holds), Observe that reveals nothing of a foreign provider, two
 * clusters in one project, and one issuer per pool.
 */
class GcpTenancyIT {

  private static final String GITHUB = "https://token.actions.githubusercontent.com";
  private static final String GHES = "https://ghes.example.com/_services/token";
  private static final String SUBJECT = "repo:my-org/my-app:environment:production";

  private final GcpTestbed bed = new GcpTestbed();
  private final GcpTestbed.MovableClock clock = new GcpTestbed.MovableClock();
  private final GcpSettings settings = bed.settings(Duration.ofMinutes(10));
  private final GcpCloudReconciler adapter = bed.adapter(settings, clock);
  private final TrustCompiler compiler = new TrustCompiler();

  @AfterEach
  void stop() {
    bed.close();
  }

  // ---------------------------------------------------------------------------------- namesake

  @Test
  void anIdentityRecreatedUnderTheSameNameFindsAConflictNotItsNamesakesProvider() {
    CIFederatedIdentity first =
        GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> {});
    assertThat(reconcile(first).reason()).isEqualTo(CloudReason.Synced);
    String description = provider(first).path("description").asText();
    later();
    long writes = bed.writes();

    // the finalizer was stripped, the object deleted and created again: new uid, empty status
    CIFederatedIdentity again =
        GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> {});
    CloudOutcome conflict = reconcile(again);

    assertThat(conflict.status()).isEqualTo(ConditionStatus.False);
    assertThat(conflict.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(conflict.message())
        .contains("made for an earlier object of the same name")
        .contains("spec.adoptExisting")
        .contains("spec.gcp.adoptableProviders");
    assertThat(bed.writes()).as("nothing written").isEqualTo(writes);
    assertThat(provider(first).path("description").asText()).isEqualTo(description);
  }

  @Test
  void aNamesakeTakesOverOnlyWithAGrantAndWhenItAsks() {
    CIFederatedIdentity first =
        GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> {});
    reconcile(first);
    later();
    String uid = UUID.randomUUID().toString();
    String name = providerName(first);

    CloudOutcome asksWithoutGrant =
        reconcile(GcpTestbed.identity("deploy", uid, s -> s.setAdoptExisting(true)));
    CloudOutcome grantedButNotAsked =
        reconcile(GcpTestbed.identity("deploy", uid, s -> {}), grant(name), Optional.empty());

    assertThat(asksWithoutGrant.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(asksWithoutGrant.message()).contains("no selecting policy grants this provider");
    assertThat(grantedButNotAsked.reason()).isEqualTo(CloudReason.Conflict);

    CIFederatedIdentity adopter = GcpTestbed.identity("deploy", uid, s -> s.setAdoptExisting(true));
    CloudOutcome adopted = reconcile(adopter, grant(POOL + "/providers/*"), Optional.empty());

    assertThat(adopted.reason()).isEqualTo(CloudReason.Synced);
    assertThat(adopted.corrections()).anySatisfy(c -> assertThat(c).startsWith("adopted provider"));
    assertThat(provider(adopter).path("description").asText()).contains("uid=" + uid);
  }

  // ---------------------------------------------------------------------------- legacy marks

  @Test
  void aProviderOfTheEarlierVersionRecordedInTheStatusGetsTheUidOnce() {
    CIFederatedIdentity identity =
        GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> {});
    reconcile(identity);
    String name = providerName(identity);
    // as the previous version marked it: owner and cluster, no uid
    bed.state()
        .editProvider(
            name,
            p ->
                p.put(
                    "description",
                    "cifederation.dev/owner=team-a/deploy cifederation.dev/cluster=" + CLUSTER));
    later();

    CloudOutcome migrated = reconcile(identity);

    assertThat(migrated.reason()).isEqualTo(CloudReason.Synced);
    assertThat(provider(identity).path("description").asText())
        .contains("uid=" + identity.getMetadata().getUid());
    assertThat(migrated.corrections())
        .singleElement()
        .asString()
        .startsWith("marked provider " + name + " with this identity's uid");
    assertThat(identity.getStatus().getGcp().getDriftCorrections())
        .as("a migration is not drift")
        .isZero();

    later();
    long writes = bed.writes();
    assertThat(reconcile(identity).reason()).isEqualTo(CloudReason.Synced);
    assertThat(bed.writes()).as("once").isEqualTo(writes);
  }

  @Test
  void aProviderOfTheEarlierVersionNotRecordedIsAConflict() {
    CIFederatedIdentity identity =
        GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> {});
    reconcile(identity);
    bed.state()
        .editProvider(
            providerName(identity),
            p ->
                p.put(
                    "description",
                    "cifederation.dev/owner=team-a/deploy cifederation.dev/cluster=" + CLUSTER));
    later();
    long writes = bed.writes();

    CloudOutcome conflict =
        reconcile(GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> {}));

    assertThat(conflict.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(conflict.message()).contains("earlier object of the same name");
    assertThat(bed.writes()).isEqualTo(writes);
  }

  // ---------------------------------------------------------------------------------- adoption

  @Test
  void anUnmarkedProviderIsAdoptedWithAGrantThenReconciledAndDeletedAsOurs() {
    CIFederatedIdentity identity =
        GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> s.setAdoptExisting(true));
    String name = providerName(identity);
    putForeignProvider(name, GITHUB, "assertion.repository_owner == 'my-org'");

    CloudOutcome refused = reconcile(identity);
    assertThat(refused.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(refused.message())
        .contains("spec.gcp.adoptableProviders")
        .doesNotContain("repository_owner");

    CloudOutcome adopted = reconcile(identity, grant(name), Optional.empty());

    assertThat(adopted.reason()).isEqualTo(CloudReason.Synced);
    assertThat(adopted.corrections())
        .anySatisfy(c -> assertThat(c).startsWith("adopted provider " + name).contains(name));
    ObjectNode live = provider(identity);
    assertThat(live.path("description").asText())
        .contains("cifederation.dev/owner=team-a/deploy")
        .contains("uid=" + identity.getMetadata().getUid());
    assertThat(live.path("attributeCondition").asText())
        .as("then reconciled as usual")
        .contains("assertion.sub == '" + SUBJECT + "'");
    assertThat(bed.state().members(SA, ROLE)).contains(principal(POOL));

    CloudOutcome deleted = adapter.cleanup(request(identity, Grants.NONE, Optional.empty()));
    assertThat(deleted.done()).isTrue();
    assertThat(provider(identity).path("state").asText()).isEqualTo("DELETED");
  }

  @Test
  void aHandMadeProviderIsObservedWithoutDriftThenAdoptedByItsMarksAloneItsTrustUnchanged() {
    // as Terraform makes them: a pool, a provider of its own ID with the compiled trust, and the
    // binding; described by a manifest naming the provider, under Observe
    CIFederatedIdentity identity =
        GcpTestbed.identity(
            "deploy",
            UUID.randomUUID().toString(),
            s -> {
              s.setAdoptExisting(true);
              s.setManagementPolicy(ManagementPolicy.Observe);
              s.getGcp().setProviderId("github-deploy");
            });
    GcpTrust trust = request(identity, GITHUB).trust().gcp();
    assertThat(trust.providerName()).endsWith("/providers/github-deploy");
    putHandMadeProvider(trust);
    bed.state().addMember(SA, ROLE, trust.principal());
    ObjectNode before = provider(identity).deepCopy();

    CloudOutcome observed =
        reconcile(identity, grant(POOL + "/providers/github-*"), Optional.empty());

    assertThat(observed.reason()).as(observed.message()).isEqualTo(CloudReason.Observed);
    assertThat(observed.message()).contains("managementPolicy Enforce takes it over");
    assertThat(identity.getStatus().getGcp().getProviderName())
        .as("not recorded before it is this identity's")
        .isNull();
    assertThat(bed.writes()).isZero();

    identity.getSpec().setManagementPolicy(ManagementPolicy.Enforce);
    identity.getMetadata().setGeneration(2L);
    CloudOutcome adopted =
        reconcile(identity, grant(POOL + "/providers/github-*"), Optional.empty());

    assertThat(adopted.reason()).as(adopted.message()).isEqualTo(CloudReason.Synced);
    assertThat(adopted.corrections())
        .singleElement()
        .asString()
        .startsWith("adopted provider " + trust.providerName());
    assertThat(bed.writes()).as("one patch: the marks").isEqualTo(1);
    ObjectNode after = provider(identity);
    assertThat(after.path("description").asText()).contains("cifederation.dev/owner=team-a/deploy");
    for (String field : List.of("attributeCondition", "attributeMapping", "oidc", "disabled")) {
      assertThat(after.path(field)).as(field + " unchanged").isEqualTo(before.path(field));
    }
    later();
    assertThat(
            reconcile(identity, grant(POOL + "/providers/github-*"), Optional.empty())
                .corrections())
        .isEmpty();
    assertThat(bed.writes()).as("marked once").isEqualTo(1);

    // the pool was made elsewhere: used, never deleted
    assertThat(adapter.cleanup(request(identity, Grants.NONE, Optional.empty())).done()).isTrue();
    assertThat(bed.state().pool(POOL)).isPresent();
    assertThat(bed.state().pool(POOL).get().path("state").asText()).isEqualTo("ACTIVE");
  }

  @Test
  void withoutAGrantAHandMadeProviderIsNeitherObservedNorAdopted() {
    CIFederatedIdentity identity =
        GcpTestbed.identity(
            "deploy",
            UUID.randomUUID().toString(),
            s -> {
              s.setAdoptExisting(true);
              s.setManagementPolicy(ManagementPolicy.Observe);
              s.getGcp().setProviderId("github-deploy");
            });
    putHandMadeProvider(request(identity, GITHUB).trust().gcp());

    CloudOutcome observed = reconcile(identity);
    identity.getSpec().setManagementPolicy(ManagementPolicy.Enforce);
    CloudOutcome enforced = reconcile(identity);

    assertThat(observed.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(enforced.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(enforced.message()).contains("no selecting policy grants this provider");
    assertThat(bed.writes()).isZero();
  }

  /**
   * A recorded provider name counts as ownership evidence: Observe of a provider that does not
   * exist must not record it, or an unmarked provider someone creates later at that ID would be
   * taken over by Enforce without an adoption grant.
   */
  @Test
  void observeRecordsNoProviderThatDoesNotExistSoOneMadeLaterByHandIsNotTakenOver() {
    CIFederatedIdentity identity =
        GcpTestbed.identity(
            "deploy",
            UUID.randomUUID().toString(),
            s -> {
              s.setManagementPolicy(ManagementPolicy.Observe);
              s.getGcp().setProviderId("github-deploy");
            });

    CloudOutcome missing = reconcile(identity);

    assertThat(missing.reason()).isEqualTo(CloudReason.DriftDetected);
    assertThat(identity.getStatus().getGcp().getProviderName())
        .as("nothing exists to be this identity's")
        .isNull();

    putHandMadeProvider(request(identity, GITHUB).trust().gcp());
    later();
    identity.getSpec().setManagementPolicy(ManagementPolicy.Enforce);
    CloudOutcome enforced = reconcile(identity);

    assertThat(enforced.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(enforced.message()).contains("not this identity's");
    assertThat(bed.writes()).isZero();
  }

  @Test
  void anotherClustersProviderIsNeverAdoptedWhateverTheGrant() {
    CIFederatedIdentity identity =
        GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> s.setAdoptExisting(true));
    reconcile(identity);
    String name = providerName(identity);
    bed.state()
        .editProvider(
            name,
            p ->
                p.put(
                    "description",
                    Ownership.providerDescription(new Owner("team-a/deploy", "elsewhere", "x"))));
    later();
    long writes = bed.writes();

    CloudOutcome conflict = reconcile(identity, grant("*"), Optional.empty());

    assertThat(conflict.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(conflict.message()).contains("another cluster").contains("never adopted");
    assertThat(bed.writes()).isEqualTo(writes);
  }

  // ------------------------------------------------------------------------------ two clusters

  @Test
  void twoClustersInOneProjectNeverChangeOrDeleteEachOthersObjects() {
    GcpCloudReconciler east = bed.adapter(settings, GcpTestbed.RETRIES, clock, "east");
    GcpCloudReconciler west = bed.adapter(settings, GcpTestbed.RETRIES, clock, "west");
    CIFederatedIdentity eastDeploy =
        GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> {});
    CIFederatedIdentity westDeploy =
        GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> {});
    CIFederatedIdentity westShip =
        GcpTestbed.identity(
            "ship", UUID.randomUUID().toString(), s -> s.getSubject().setEnvironment("shipping"));

    assertThat(reconcile(east, eastDeploy).reason()).isEqualTo(CloudReason.Synced);
    String eastDescription = provider(eastDeploy).path("description").asText();
    long writes = bed.writes();
    CloudOutcome clash = reconcile(west, westDeploy);
    assertThat(clash.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(clash.message()).contains("another cluster");
    assertThat(bed.writes()).isEqualTo(writes);
    assertThat(reconcile(west, westShip).reason()).isEqualTo(CloudReason.Synced);

    // west deletes both of its identities: its own provider goes, east's stays, the pool stays
    assertThat(west.cleanup(request(westDeploy, Grants.NONE, Optional.empty())).done()).isTrue();
    assertThat(west.cleanup(request(westShip, Grants.NONE, Optional.empty())).done()).isTrue();
    ObjectNode eastProvider = provider(eastDeploy);
    assertThat(eastProvider.path("state").asText()).isEqualTo("ACTIVE");
    assertThat(eastProvider.path("description").asText()).isEqualTo(eastDescription);
    assertThat(bed.state().members(SA, ROLE)).contains(principal(POOL));
    assertThat(provider(westShip).path("state").asText()).isEqualTo("DELETED");
    assertThat(bed.state().pool(POOL).orElseThrow().path("state").asText())
        .as("created by east, never deleted by west")
        .isEqualTo("ACTIVE");

    // east revoking touches only its own provider
    later();
    reconcile(east, eastDeploy, Grants.NONE, Optional.of(suspended()));
    assertThat(provider(eastDeploy).path("disabled").asBoolean()).isTrue();
    assertThat(provider(westShip).path("disabled").asBoolean()).isFalse();
  }

  // -------------------------------------------------------------------------------- revocation

  @Test
  void revocationDisablesTheProviderInPlaceAndResumeRestoresTheSameProvider() {
    CIFederatedIdentity identity =
        GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> {});
    reconcile(identity);
    String name = identity.getStatus().getGcp().getProviderName();
    String principal = identity.getStatus().getGcp().getPrincipal();
    Claims token = token(GITHUB, SUBJECT, name);
    assertThat(admissions(POOL, token)).as("before").anyMatch(Admission::admitted);
    later();

    CloudOutcome revoked = reconcile(identity, Grants.NONE, Optional.of(suspended()));

    assertThat(revoked.status()).isEqualTo(ConditionStatus.False);
    assertThat(revoked.reason()).isEqualTo(CloudReason.Revoked);
    assertThat(revoked.message())
        .contains("disabled")
        .contains("spec.suspend is true")
        .contains(name);
    assertThat(identity.getStatus().getGcp().getProviderName()).isEqualTo(name);
    assertThat(identity.getStatus().getGcp().getPrincipal()).isEqualTo(principal);
    assertThat(provider(identity).path("disabled").asBoolean()).isTrue();
    assertThat(provider(identity).path("state").asText()).isEqualTo("ACTIVE");
    assertThat(bed.state().members(SA, ROLE)).as("binding kept").contains(principal);
    assertThat(((LiveTrust.Gcp) revoked.liveTrust().orElseThrow()).disabled())
        .as("the live trust as read")
        .isTrue();
    List<Admission> refused = admissions(POOL, token);
    assertThat(refused).noneMatch(Admission::admitted);
    assertThat(refused).anySatisfy(a -> assertThat(a.reason()).contains("is disabled"));

    later();
    long writes = bed.writes();
    assertThat(reconcile(identity, Grants.NONE, Optional.of(suspended())).reason())
        .isEqualTo(CloudReason.Revoked);
    assertThat(bed.writes()).as("a second revoked pass writes nothing").isEqualTo(writes);

    later();
    CloudOutcome resumed = reconcile(identity);

    assertThat(resumed.reason()).isEqualTo(CloudReason.Synced);
    assertThat(resumed.corrections()).as("resume is not drift").isEmpty();
    assertThat(identity.getStatus().getGcp().getProviderName()).isEqualTo(name);
    assertThat(provider(identity).path("disabled").asBoolean()).isFalse();
    assertThat(admissions(POOL, token)).anyMatch(Admission::admitted);
    assertThat(bed.calls("providers.create")).as("never re-created").isEqualTo(1);
  }

  @Test
  void revocationActsOnWhatTheStatusRecordsNeverOnANewlyNamedPool() {
    CIFederatedIdentity identity =
        GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> {});
    reconcile(identity);
    identity.getSpec().getGcp().setPoolId("moved-pool");
    later();

    CloudOutcome revoked = reconcile(identity, Grants.NONE, Optional.of(suspended()));

    assertThat(revoked.reason()).isEqualTo(CloudReason.Revoked);
    assertThat(bed.state().pool(POOL.replace(GcpTestbed.POOL_ID, "moved-pool"))).isEmpty();
    assertThat(bed.calls("pools.create")).isEqualTo(1);
    assertThat(bed.state().providers(POOL))
        .singleElement()
        .satisfies(p -> assertThat(p.path("disabled").asBoolean()).isTrue());
  }

  @Test
  void revocationUnderObserveWritesNothing() {
    CIFederatedIdentity identity =
        GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> {});
    reconcile(identity);
    identity.getSpec().setManagementPolicy(ManagementPolicy.Observe);
    later();
    long writes = bed.writes();

    CloudOutcome reported = reconcile(identity, Grants.NONE, Optional.of(suspended()));

    assertThat(reported.reason()).isEqualTo(CloudReason.Revoked);
    assertThat(reported.message())
        .startsWith("Observe (nothing written)")
        .contains("stays enabled");
    assertThat(bed.writes()).isEqualTo(writes);
    assertThat(provider(identity).path("disabled").asBoolean()).isFalse();
  }

  @Test
  void aRecordedProviderThatIsNoLongerOursIsNotTouchedByRevocation() {
    CIFederatedIdentity identity =
        GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> {});
    reconcile(identity);
    bed.state()
        .editProvider(
            providerName(identity),
            p ->
                p.put(
                    "description",
                    Ownership.providerDescription(new Owner("team-b/deploy", CLUSTER, "uid-b"))));
    later();
    long writes = bed.writes();

    CloudOutcome outcome = reconcile(identity, Grants.NONE, Optional.of(suspended()));

    assertThat(outcome.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(bed.writes()).isEqualTo(writes);
    assertThat(identity.getStatus().getGcp().getProviderName())
        .as("what was known is kept")
        .isEqualTo(providerName(identity));
  }

  @Test
  void revocationDisablesTheRecordedProviderWhoseMarksWereRemovedAndMarksItAgain() {
    CIFederatedIdentity identity =
        GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> {});
    reconcile(identity);
    String marks = provider(identity).path("description").asText();
    bed.state().editProvider(providerName(identity), p -> p.put("description", "edited by hand"));
    later();

    CloudOutcome revoked = reconcile(identity, Grants.NONE, Optional.of(suspended()));

    assertThat(revoked.reason()).isEqualTo(CloudReason.Revoked);
    assertThat(provider(identity).path("disabled").asBoolean()).isTrue();
    assertThat(provider(identity).path("description").asText()).isEqualTo(marks);
  }

  // ----------------------------------------------------------------------------------- observe

  @Test
  void observeOnAForeignProviderReportsOnlyThatItIsForeign() {
    CIFederatedIdentity watched =
        GcpTestbed.identity(
            "deploy",
            UUID.randomUUID().toString(),
            s -> s.setManagementPolicy(ManagementPolicy.Observe));
    String name = providerName(watched);
    String secretCondition = "assertion.sub == 'repo:secret-org/secret-repo:ref:refs/heads/x'";
    String secretIssuer = "https://secret-issuer.example.com";
    String secretMember =
        "principal://iam.googleapis.com/" + POOL + "/subject/secret-member-subject";
    bed.state()
        .putPool(
            PROJECT_NUMBER,
            GcpTestbed.POOL_ID,
            JsonNodeFactory.instance.objectNode().put("description", "Terraform"));
    putForeignProvider(name, secretIssuer, secretCondition);
    bed.state().addMember(SA, ROLE, secretMember);

    CloudOutcome outcome = reconcile(watched);

    assertThat(outcome.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(outcome.message()).contains("not this identity's").startsWith("Observe");
    assertThat(outcome.liveTrust()).isEmpty();
    assertThat(outcome.findings()).isEmpty();
    String everything =
        outcome.message()
            + outcome.corrections()
            + Serialization.asJson(watched.getStatus())
            + outcome.findings();
    assertThat(everything)
        .doesNotContain("secret-org")
        .doesNotContain("secret-issuer")
        .doesNotContain("secret-member");
    assertThat(bed.writes()).isZero();
  }

  // ------------------------------------------------------------------------ one issuer a pool

  @Test
  void eachIssuerGetsItsOwnPoolByDefaultSoAnotherIssuersTokenIsRefused() {
    CIFederatedIdentity onGithub =
        GcpTestbed.identity("deploy", UUID.randomUUID().toString(), s -> {});
    CIFederatedIdentity onGhes =
        GcpTestbed.identity(
            "deploy-ghes", UUID.randomUUID().toString(), s -> s.setIssuerRef("ghes"));

    assertThat(reconcile(onGithub).reason()).isEqualTo(CloudReason.Synced);
    assertThat(reconcile(onGhes, GHES).reason()).isEqualTo(CloudReason.Synced);

    String ghesPool = POOL.replace(GcpTestbed.POOL_ID, "cifed-ghes");
    assertThat(onGhes.getStatus().getGcp().getProviderName()).startsWith(ghesPool + "/providers/");
    assertThat(bed.state().pool(ghesPool).orElseThrow().path("description").asText())
        .contains("cifederation.dev/issuer=" + GHES);
    // the same sub from the other issuer, against every provider of the github pool
    Claims impostor = token(GHES, SUBJECT, onGithub.getStatus().getGcp().getProviderName());
    assertThat(admissions(POOL, impostor)).isNotEmpty().noneMatch(Admission::admitted);
    Claims own = token(GHES, SUBJECT, onGhes.getStatus().getGcp().getProviderName());
    assertThat(admissions(ghesPool, own)).anyMatch(Admission::admitted);
  }

  @Test
  void aSecondIssuerIsRefusedInAPoolThatServesOneAndNothingIsWritten() {
    CIFederatedIdentity onGithub =
        GcpTestbed.identity(
            "deploy", UUID.randomUUID().toString(), s -> s.getGcp().setPoolId("shared"));
    CIFederatedIdentity onGhes =
        GcpTestbed.identity(
            "deploy-ghes",
            UUID.randomUUID().toString(),
            s -> {
              s.setIssuerRef("ghes");
              s.getGcp().setPoolId("shared");
            });
    String shared = POOL.replace(GcpTestbed.POOL_ID, "shared");
    reconcile(onGithub);
    long writes = bed.writes();

    CloudOutcome refused = reconcile(onGhes, GHES);

    assertThat(refused.status()).isEqualTo(ConditionStatus.False);
    assertThat(refused.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(refused.message())
        .contains("spec.gcp.poolId 'shared'")
        .contains("serves another issuer (" + GITHUB + ")");
    assertThat(bed.writes()).isEqualTo(writes);
    assertThat(bed.state().providers(shared)).hasSize(1);
    assertThat(bed.state().members(SA, ROLE)).containsExactly(principal(shared));
    Claims impostor = token(GHES, SUBJECT, onGithub.getStatus().getGcp().getProviderName());
    assertThat(admissions(shared, impostor)).noneMatch(Admission::admitted);

    // what the check prevents: the provider an earlier version would have written there
    String ghesProvider = request(onGhes, GHES).trust().gcp().providerId();
    bed.state()
        .putProvider(
            shared,
            ghesProvider,
            JsonNodeFactory.instance
                .objectNode()
                .put("attributeCondition", "assertion.sub == '" + SUBJECT + "'")
                .<ObjectNode>set(
                    "attributeMapping",
                    JsonNodeFactory.instance.objectNode().put("google.subject", "assertion.sub"))
                .set("oidc", JsonNodeFactory.instance.objectNode().put("issuerUri", GHES)));
    Claims viaGhes = token(GHES, SUBJECT, shared + "/providers/" + ghesProvider);
    assertThat(admissions(shared, viaGhes))
        .as("a GHES token with github's subject passes on github's binding")
        .anyMatch(Admission::admitted);
    later();
    CloudOutcome exposed = reconcile(onGithub);
    assertThat(exposed.reason())
        .as("the github identity learns its pool serves two issuers")
        .isEqualTo(CloudReason.Conflict);
    assertThat(exposed.message()).contains(GHES);
  }

  @Test
  void twoIssuersRacingIntoAnEmptyUnmarkedPoolCannotBothGetIn() throws Exception {
    bed.state()
        .putPool(
            PROJECT_NUMBER,
            "terraform-pool",
            JsonNodeFactory.instance.objectNode().put("description", "Terraform"));
    String pool = POOL.replace(GcpTestbed.POOL_ID, "terraform-pool");
    CIFederatedIdentity onGithub =
        GcpTestbed.identity(
            "deploy", UUID.randomUUID().toString(), s -> s.getGcp().setPoolId("terraform-pool"));
    CIFederatedIdentity onGhes =
        GcpTestbed.identity(
            "deploy-ghes",
            UUID.randomUUID().toString(),
            s -> {
              s.setIssuerRef("ghes");
              s.getGcp().setPoolId("terraform-pool");
            });
    CloudRequest github = request(onGithub, GITHUB);
    CloudRequest ghes = request(onGhes, GHES);
    bed.state().setPollsUntilDone(5);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch start = new CountDownLatch(1);
      Future<CloudOutcome> first =
          threads.submit(
              () -> {
                start.await();
                return adapter.reconcile(github);
              });
      Future<CloudOutcome> second =
          threads.submit(
              () -> {
                start.await();
                return adapter.reconcile(ghes);
              });
      start.countDown();

      List<CloudReason> reasons =
          List.of(
              first.get(30, TimeUnit.SECONDS).reason(), second.get(30, TimeUnit.SECONDS).reason());

      assertThat(reasons).containsExactlyInAnyOrder(CloudReason.Synced, CloudReason.Conflict);
      assertThat(bed.state().providers(pool)).hasSize(1);
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aPoolMadeBeforeTheChangeIsJudgedByItsProvidersIssuers() {
    String legacy = POOL.replace(GcpTestbed.POOL_ID, "ci-federation");
    bed.state()
        .putPool(
            PROJECT_NUMBER,
            "ci-federation",
            JsonNodeFactory.instance
                .objectNode()
                .put(
                    "description",
                    "cifederation.dev/managed-by=cifederation-operator cifederation.dev/cluster="
                        + CLUSTER));
    bed.state()
        .putProvider(
            legacy,
            "cifed-other-ghes-0123456789",
            JsonNodeFactory.instance
                .objectNode()
                .put("description", "made by the earlier version")
                .set("oidc", JsonNodeFactory.instance.objectNode().put("issuerUri", GHES)));
    CIFederatedIdentity onGithub =
        GcpTestbed.identity(
            "deploy", UUID.randomUUID().toString(), s -> s.getGcp().setPoolId("ci-federation"));

    CloudOutcome refused = reconcile(onGithub);

    assertThat(refused.reason()).isEqualTo(CloudReason.Conflict);
    assertThat(refused.message()).contains("spec.gcp.poolId 'ci-federation'").contains(GHES);
    assertThat(bed.writes()).isZero();

    // once that provider is gone, the pool is marked with the issuer it then serves
    bed.state().softDeleteProvider(legacy + "/providers/cifed-other-ghes-0123456789");
    later();
    assertThat(reconcile(onGithub).reason()).isEqualTo(CloudReason.Synced);
    assertThat(bed.state().pool(legacy).orElseThrow().path("description").asText())
        .contains("cifederation.dev/issuer=" + GITHUB);
  }

  // ----------------------------------------------------------------------------------- helpers

  /** Every provider of the pool as the fake holds it, with the service account's members. */
  private List<Admission> admissions(String pool, Claims token) {
    List<String> members =
        bed.state().members(SA, ROLE).stream().filter(m -> m.contains(pool + "/")).toList();
    List<Admission> admissions = new ArrayList<>();
    for (ObjectNode provider : bed.state().providers(pool)) {
      if (provider.path("state").asText().equals("DELETED")) {
        continue;
      }
      Map<String, String> mapping = new LinkedHashMap<>();
      provider
          .path("attributeMapping")
          .fields()
          .forEachRemaining(e -> mapping.put(e.getKey(), e.getValue().asText()));
      List<String> audiences = new ArrayList<>();
      provider.path("oidc").path("allowedAudiences").forEach(a -> audiences.add(a.asText()));
      JsonNode condition = provider.get("attributeCondition");
      admissions.add(
          TrustEvaluator.evaluate(
              new LiveTrust.Gcp(
                  provider.path("name").asText(),
                  provider.path("oidc").path("issuerUri").asText(),
                  audiences,
                  mapping,
                  condition == null ? null : condition.asText(),
                  members,
                  provider.path("disabled").asBoolean(false)),
              token));
    }
    return admissions;
  }

  /** A token of that issuer and subject for my-org/my-app, sent to the given provider. */
  private static Claims token(String issuer, String subject, String providerName) {
    return Claims.of(
        Map.of(
            "iss",
            issuer,
            "sub",
            subject,
            "aud",
            "https://iam.googleapis.com/" + providerName,
            "repository",
            "my-org/my-app",
            "environment",
            "production"));
  }

  /** A provider with exactly the compiled trust, as Terraform would make it from an import. */
  private void putHandMadeProvider(GcpTrust trust) {
    bed.state()
        .putPool(
            PROJECT_NUMBER,
            trust.poolId(),
            JsonNodeFactory.instance.objectNode().put("description", "Terraform"));
    ObjectNode mapping = JsonNodeFactory.instance.objectNode();
    trust.attributeMapping().forEach(mapping::put);
    bed.state()
        .putProvider(
            POOL,
            trust.providerId(),
            JsonNodeFactory.instance
                .objectNode()
                .put("displayName", "GitHub deploy")
                .put("description", "managed by terraform")
                .put("attributeCondition", trust.attributeCondition())
                .<ObjectNode>set("attributeMapping", mapping)
                .set(
                    "oidc",
                    JsonNodeFactory.instance.objectNode().put("issuerUri", trust.issuerUri())));
  }

  private void putForeignProvider(String name, String issuer, String condition) {
    String pool = name.substring(0, name.indexOf("/providers/"));
    if (bed.state().pool(pool).isEmpty()) {
      bed.state()
          .putPool(
              PROJECT_NUMBER,
              pool.substring(pool.lastIndexOf('/') + 1),
              JsonNodeFactory.instance.objectNode().put("description", "Terraform"));
    }
    bed.state()
        .putProvider(
            pool,
            name.substring(name.lastIndexOf('/') + 1),
            JsonNodeFactory.instance
                .objectNode()
                .put("description", "made by hand")
                .put("attributeCondition", condition)
                .<ObjectNode>set(
                    "attributeMapping",
                    JsonNodeFactory.instance.objectNode().put("google.subject", "assertion.sub"))
                .set("oidc", JsonNodeFactory.instance.objectNode().put("issuerUri", issuer)));
  }

  private static String principal(String pool) {
    return "principal://iam.googleapis.com/" + pool + "/subject/" + SUBJECT;
  }

  private static Revocation suspended() {
    return new Revocation(TrustActiveReason.Suspended, "spec.suspend is true");
  }

  private static Grants grant(String pattern) {
    return new Grants(List.of(pattern), List.of());
  }

  /** A resync later: the scheduled scans ran. */
  private void later() {
    clock.advance(Duration.ofMinutes(10));
    bed.scanDue();
  }

  private CloudOutcome reconcile(CIFederatedIdentity identity) {
    return reconcile(adapter, identity, Grants.NONE, Optional.empty());
  }

  private CloudOutcome reconcile(CIFederatedIdentity identity, String issuer) {
    CloudOutcome outcome = adapter.reconcile(request(identity, issuer));
    settle(identity, outcome);
    return outcome;
  }

  private CloudOutcome reconcile(GcpCloudReconciler on, CIFederatedIdentity identity) {
    return reconcile(on, identity, Grants.NONE, Optional.empty());
  }

  private CloudOutcome reconcile(
      CIFederatedIdentity identity, Grants grants, Optional<Revocation> revocation) {
    return reconcile(adapter, identity, grants, revocation);
  }

  private CloudOutcome reconcile(
      GcpCloudReconciler on,
      CIFederatedIdentity identity,
      Grants grants,
      Optional<Revocation> revocation) {
    CloudOutcome outcome = on.reconcile(request(identity, grants, revocation));
    settle(identity, outcome);
    return outcome;
  }

  /** Keeps the status the identity reconciler would write after this outcome. */
  private static void settle(CIFederatedIdentity identity, CloudOutcome outcome) {
    Passes.settle(identity, Cloud.GCP, outcome);
  }

  private CloudRequest request(
      CIFederatedIdentity identity, Grants grants, Optional<Revocation> revocation) {
    CloudRequest plain = request(identity, GITHUB);
    return new CloudRequest(identity, plain.trust(), revocation, DeletionPolicy.Delete, grants);
  }

  private CloudRequest request(CIFederatedIdentity identity, String issuerUrl) {
    CIIssuerSpec issuer = new CIIssuerSpec();
    issuer.setUrl(issuerUrl);
    issuer.setDialect(IssuerDialect.GitHub);
    try {
      return new CloudRequest(
          identity,
          compiler.compile(
              IssuerInfo.from(issuer),
              identity.getMetadata().getNamespace(),
              identity.getMetadata().getName(),
              identity.getSpec()));
    } catch (TrustCompilationException e) {
      throw new IllegalStateException(e);
    }
  }

  private String providerName(CIFederatedIdentity identity) {
    return request(identity, GITHUB).trust().gcp().providerName();
  }

  private ObjectNode provider(CIFederatedIdentity identity) {
    String name =
        identity.getStatus() != null && identity.getStatus().getGcp() != null
            ? identity.getStatus().getGcp().getProviderName()
            : providerName(identity);
    return bed.state().provider(name).orElseThrow();
  }
}
