package dev.cifederation.operator.cloud.gcp;

import static dev.cifederation.operator.cloud.gcp.GcpTestbed.PROJECT_NUMBER;
import static dev.cifederation.operator.cloud.gcp.GcpTestbed.ROLE;
import static dev.cifederation.operator.cloud.gcp.GcpTestbed.SA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.reconcile.EventRecorder;
import dev.cifederation.operator.reconcile.IdentityReconciler;
import dev.cifederation.operator.testsupport.Conditions;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.OperatorInTheLoop;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The GCP adapter with the operator in the loop: java-operator-sdk's LocallyRunOperatorExtension
 * runs the identity reconciler against a real kube-apiserver, and the adapter drives the real
 * Google SDK against the fake IAM. The resync interval is 3 s, so "within one resync" is seconds.
 * Each test uses its own pool, so pool reference counting is observable per test.
 */
class GcpIdentityIT {

  private static final Duration RESYNC = Duration.ofSeconds(3);

  /** One resync (the next scan), plus an operation's completion and polling slack. */
  private static final Duration ONE_RESYNC = RESYNC.plusSeconds(3);

  private static final KubeApiServerSupport API = KubeApiServerSupport.shared();
  private static final KubernetesClient CLIENT = API.newClient();
  private static final GcpTestbed BED = new GcpTestbed();
  private static final GcpSettings SETTINGS = BED.settings(RESYNC);

  private static final OperatorInTheLoop LOOP = new OperatorInTheLoop(CLIENT);

  @RegisterExtension
  static final LocallyRunOperatorExtension OPERATOR =
      LOOP.extension(
          new IdentityReconciler(
              new TrustCompiler(),
              List.of(BED.adapter(SETTINGS, GcpTestbed.quickRetries(RESYNC), Clock.systemUTC())),
              new EventRecorder(CLIENT, Clock.systemUTC()),
              Clock.systemUTC()),
          RESYNC);

  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void issuerAndFake() throws IOException {
    // operations of out-of-band edits (nobody polls them) finish on their own, as Google's do
    BED.state().setCompleteAfter(Duration.ofSeconds(1));
    LOOP.apply(Fixtures.example("issuer-github.yaml", CIIssuer.class));
  }

  @AfterAll
  static void stopFake() {
    BED.close();
  }

  @Test
  void theGcpExamplesYieldAProviderForExactlyTheDeclaredRepositoryAndSubject() {
    CIFederatedIdentity example = example("github-gcp.yaml");
    CIFederatedIdentity allClouds = example("github-all-clouds.yaml");

    CIFederatedIdentity synced = awaitGcp(example.getMetadata().getName(), "True", "Synced");
    CIFederatedIdentity alsoSynced = awaitGcp(allClouds.getMetadata().getName(), "True", "Synced");

    var gcp = synced.getStatus().getGcp();
    // the issuer's own pool: neither example names one
    String pool =
        "projects/" + PROJECT_NUMBER + "/locations/global/workloadIdentityPools/cifed-github";
    assertThat(gcp.getProviderName()).startsWith(pool + "/providers/cifed-");
    assertThat(gcp.getPrincipal())
        .isEqualTo(
            "principal://iam.googleapis.com/"
                + pool
                + "/subject/repo:my-org/my-app:environment:production");
    assertThat(gcp.getAudience()).isEqualTo("https://iam.googleapis.com/" + gcp.getProviderName());
    assertThat(Conditions.find(synced, "Ready").map(Condition::getStatus)).contains("True");
    ObjectNode provider = BED.state().provider(gcp.getProviderName()).orElseThrow();
    assertThat(provider.path("attributeCondition").asText())
        .isEqualTo(
            "assertion.repository == 'my-org/my-app' && assertion.sub =="
                + " 'repo:my-org/my-app:environment:production'");
    assertThat(provider.path("oidc").path("issuerUri").asText())
        .isEqualTo("https://token.actions.githubusercontent.com");
    assertThat(provider.path("description").asText())
        .as("marked with the object's uid, which a namesake created later does not have")
        .contains("cifederation.dev/uid=" + synced.getMetadata().getUid());

    var pinned = alsoSynced.getStatus().getGcp();
    assertThat(
            BED.state()
                .provider(pinned.getProviderName())
                .orElseThrow()
                .path("attributeCondition")
                .asText())
        .contains("assertion.repository_id == '123456789'")
        .contains("assertion.repository_owner_id == '987654'")
        .contains(
            "assertion.sub == 'repo:my-org@987654/my-app@123456789:job_workflow_ref:"
                + "my-org/my-app/.github/workflows/deploy.yml@refs/heads/main'");
    assertThat(BED.state().members(SA, ROLE))
        .as("the members of the examples' pool (other tests bind in pools of their own)")
        .filteredOn(m -> m.contains("/workloadIdentityPools/cifed-github/"))
        .containsExactlyInAnyOrder(gcp.getPrincipal(), pinned.getPrincipal());
  }

  @Test
  void handEditsAreRevertedWithinOneResync() throws Exception {
    LOOP.create(identity("drift", "pool-drift", "env-drift", ""));
    CIFederatedIdentity synced = awaitGcp("drift", "True", "Synced");
    String provider = synced.getStatus().getGcp().getProviderName();
    String principal = synced.getStatus().getGcp().getPrincipal();
    String desired =
        BED.state().provider(provider).orElseThrow().path("attributeCondition").asText();

    // someone widens the condition to the whole organisation, through the API as gcloud would
    Instant edited = Instant.now();
    patchThroughTheApi(provider, "attributeCondition", "assertion.repository_owner == 'my-org'");
    awaitCondition(provider, desired, edited);
    CIFederatedIdentity once = LOOP.awaitStatus("drift", i -> corrections(i) >= 1);
    assertThat(corrections(once)).isEqualTo(1);

    // someone removes it (Google refuses that today for GitHub; older providers have none)
    edited = Instant.now();
    BED.state().editProvider(provider, p -> p.remove("attributeCondition"));
    awaitCondition(provider, desired, edited);

    // and someone drops the binding
    edited = Instant.now();
    BED.state().removeMember(SA, ROLE, principal);
    Instant start = edited;
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> BED.state().members(SA, ROLE).contains(principal));
    assertThat(Duration.between(start, Instant.now())).isLessThan(ONE_RESYNC);

    CIFederatedIdentity after = LOOP.awaitStatus("drift", i -> corrections(i) >= 3);
    assertThat(corrections(after)).isEqualTo(3);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(LOOP.events("drift"))
                    .filteredOn(e -> e.getReason().equals("DriftCorrected"))
                    .hasSize(3)
                    .anySatisfy(e -> assertThat(e.getMessage()).contains("repository_owner")));
  }

  @Test
  void aSoftDeletedProviderIsRestoredNotRecreated() {
    LOOP.create(identity("undelete", "pool-undelete", "env-undelete", ""));
    String provider = awaitGcp("undelete", "True", "Synced").getStatus().getGcp().getProviderName();
    long creates = BED.calls("providers.create");

    BED.state().softDeleteProvider(provider);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                BED.state()
                    .provider(provider)
                    .orElseThrow()
                    .path("state")
                    .asText()
                    .equals("ACTIVE"));
    assertThat(BED.calls("providers.create")).isEqualTo(creates);
    assertThat(
            LOOP.awaitStatus("undelete", i -> corrections(i) >= 1)
                .getStatus()
                .getGcp()
                .getDriftCorrections())
        .isEqualTo(1);
  }

  @Test
  void twoGitHubIssuersNeverShareAPool() {
    String ghes = "ghes-gcp-it";
    CLIENT
        .resource(
            Serialization.unmarshal(
                """
                apiVersion: cifederation.dev/v1alpha1
                kind: CIIssuer
                metadata:
                  name: %s
                spec:
                  url: https://ghes.example.com/_services/token
                  dialect: GitHub
                """
                    .formatted(ghes),
                CIIssuer.class))
        .serverSideApply();
    LOOP.create(identity("on-github", "pool-shared", "env-shared", ""));
    awaitGcp("on-github", "True", "Synced");

    CIFederatedIdentity second = identity("on-ghes", "pool-shared", "env-shared", "");
    second.getSpec().setIssuerRef(ghes);
    LOOP.create(second);
    CIFederatedIdentity refused = awaitGcp("on-ghes", "False", "Conflict");

    assertThat(Conditions.find(refused, "GCPReady").orElseThrow().getMessage())
        .contains("spec.gcp.poolId 'pool-shared'")
        .contains("https://token.actions.githubusercontent.com");
    assertThat(
            BED.state()
                .providers(
                    "projects/"
                        + PROJECT_NUMBER
                        + "/locations/global/workloadIdentityPools/pool-shared"))
        .hasSize(1);

    // without a poolId it gets its issuer's own pool
    CIFederatedIdentity own = identity("on-ghes-own", "x", "env-shared", "");
    own.getSpec().setIssuerRef(ghes);
    own.getSpec().getGcp().setPoolId(null);
    LOOP.create(own);
    assertThat(awaitGcp("on-ghes-own", "True", "Synced").getStatus().getGcp().getProviderName())
        .contains("/workloadIdentityPools/cifed-" + ghes + "/providers/");
  }

  @Test
  void aConcurrentPolicyChangeIsRetriedAndKeptWhenBinding() {
    String alice = "user:alice@example.com";
    BED.fake.faults().beforeNextSetIamPolicy(() -> BED.state().addMember(SA, ROLE, alice));

    LOOP.create(identity("etag", "pool-etag", "env-etag", ""));
    CIFederatedIdentity synced = awaitGcp("etag", "True", "Synced");

    assertThat(BED.state().members(SA, ROLE))
        .contains(alice, synced.getStatus().getGcp().getPrincipal());
  }

  @Test
  void throttlingShowsInTheConditionAndPassesOnItsOwn() {
    BED.fake.faults().failNext("GET", ".*/pool-throttle", 2, 429);

    LOOP.create(identity("throttle", "pool-throttle", "env-throttle", ""));

    awaitGcp("throttle", "True", "Synced");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(LOOP.events("throttle"))
                    .anySatisfy(e -> assertThat(e.getMessage()).contains("GCPReady Throttled")));
  }

  @Test
  void deleteRemovesWhatWasCreatedAndOnlyThat() {
    String bob = "user:bob@example.com";
    LOOP.create(identity("delete-me", "pool-delete", "env-delete", ""));
    var gcp = awaitGcp("delete-me", "True", "Synced").getStatus().getGcp();
    BED.state().addMember(SA, ROLE, bob);
    String pool = gcp.getProviderName().substring(0, gcp.getProviderName().indexOf("/providers/"));

    LOOP.delete("delete-me");
    LOOP.awaitGone("delete-me");
    assertThat(BED.state().provider(gcp.getProviderName()).orElseThrow().path("state").asText())
        .isEqualTo("DELETED");
    assertThat(BED.state().members(SA, ROLE)).contains(bob).doesNotContain(gcp.getPrincipal());
    assertThat(BED.state().pool(pool).orElseThrow().path("state").asText())
        .as("the operator's pool, unused now")
        .isEqualTo("DELETED");
  }

  @Test
  void orphanLeavesProviderAndBindingWithoutOwnershipMarks() {
    LOOP.create(identity("orphan-me", "pool-orphan", "env-orphan", "deletionPolicy: Orphan"));
    var gcp = awaitGcp("orphan-me", "True", "Synced").getStatus().getGcp();

    LOOP.delete("orphan-me");
    LOOP.awaitGone("orphan-me");
    ObjectNode provider = BED.state().provider(gcp.getProviderName()).orElseThrow();
    assertThat(provider.path("state").asText()).isEqualTo("ACTIVE");
    assertThat(provider.has("description")).isFalse();
    assertThat(BED.state().members(SA, ROLE)).contains(gcp.getPrincipal());
  }

  @Test
  void observeWritesNothingAndReportsDrift() {
    long writes = BED.writes();

    LOOP.create(identity("observer", "pool-observe", "env-observe", "managementPolicy: Observe"));

    CIFederatedIdentity observed = awaitGcp("observer", "False", "DriftDetected");
    assertThat(Conditions.find(observed, "GCPReady").orElseThrow().getMessage())
        .contains("pool-observe does not exist");
    assertThat(
            BED.state()
                .pool(
                    "projects/"
                        + PROJECT_NUMBER
                        + "/locations/global/workloadIdentityPools/pool-observe"))
        .isEmpty();
    assertThat(BED.writes()).as("nobody else writes either while nothing drifts").isEqualTo(writes);
  }

  @Test
  void aSteadyResyncMakesNoWrites() {
    LOOP.create(identity("steady", "pool-steady", "env-steady", ""));
    awaitGcp("steady", "True", "Synced");
    // one more pass: every other identity of this class settles meanwhile
    LOOP.awaitPasses("steady", 1);
    String resourceVersion = LOOP.get("steady").getMetadata().getResourceVersion();
    int events = LOOP.events("steady").size();
    long writes = BED.writes();
    long wireWrites = BED.wireWrites();
    long lists = BED.calls("providers.list");

    LOOP.awaitPasses("steady", 3);

    assertThat(BED.calls("providers.list")).as("the passes read IAM").isGreaterThan(lists);
    assertThat(LOOP.get("steady").getMetadata().getResourceVersion())
        .as("no status patch in a steady resync")
        .isEqualTo(resourceVersion);
    assertThat(LOOP.events("steady")).as("no Event in a steady resync").hasSize(events);
    assertThat(BED.writes()).isEqualTo(writes);
    assertThat(BED.wireWrites()).isEqualTo(wireWrites);
  }

  // ---------------------------------------------------------------------------------- helpers

  private CIFederatedIdentity example(String file) {
    return LOOP.create(Fixtures.example(file, CIFederatedIdentity.class));
  }

  private static CIFederatedIdentity identity(
      String name, String pool, String environment, String extra) {
    return Fixtures.identity(
        null,
        name,
        """
        issuerRef: github
        repository: my-org/my-app
        subject: {environment: %s}
        gcp:
          projectId: my-project
          projectNumber: "%s"
          poolId: %s
          serviceAccount: %s
        %s
        """
            .formatted(environment, PROJECT_NUMBER, pool, SA, extra));
  }

  private CIFederatedIdentity awaitGcp(String name, String status, String reason) {
    return LOOP.awaitStatus(
        name,
        i ->
            Conditions.find(i, "GCPReady")
                .map(c -> c.getStatus().equals(status) && c.getReason().equals(reason))
                .orElse(false));
  }

  /**
   * Waits until the provider's condition is the desired one again (and no edit is pending); that
   * must take no longer than one resync after the edit.
   */
  private static void awaitCondition(String provider, String desired, Instant edited) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                BED.state().pendingOperations().isEmpty()
                    && BED.state()
                        .provider(provider)
                        .orElseThrow()
                        .path("attributeCondition")
                        .asText()
                        .equals(desired));
    assertThat(Duration.between(edited, Instant.now())).isLessThan(ONE_RESYNC.plusSeconds(1));
  }

  /** An out-of-band change through the REST API, the way another tool would make it. */
  private void patchThroughTheApi(String provider, String field, String value) throws Exception {
    String body = Serialization.jsonMapper().createObjectNode().put(field, value).toString();
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(BED.fake.baseUrl() + "v1/" + provider + "?updateMask=" + field))
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body))
                .header("Authorization", "Bearer " + GcpTestbed.TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    // see it applied before the operator can revert it
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () ->
                BED.state().provider(provider).orElseThrow().path(field).asText().equals(value)
                    || BED.state().pendingOperations().isEmpty());
  }

  private static long corrections(CIFederatedIdentity identity) {
    var gcp = identity.getStatus().getGcp();
    return gcp == null || gcp.getDriftCorrections() == null ? 0 : gcp.getDriftCorrections();
  }
}
