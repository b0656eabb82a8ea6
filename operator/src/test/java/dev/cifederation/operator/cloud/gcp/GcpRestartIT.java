package dev.cifederation.operator.cloud.gcp;

import static dev.cifederation.operator.cloud.gcp.GcpTestbed.PROJECT_NUMBER;
import static dev.cifederation.operator.cloud.gcp.GcpTestbed.ROLE;
import static dev.cifederation.operator.cloud.gcp.GcpTestbed.SA;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.cloud.RetryPolicy;
import dev.cifederation.operator.reconcile.EventRecorder;
import dev.cifederation.operator.reconcile.IdentityReconciler;
import dev.cifederation.operator.testsupport.Conditions;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.OperatorInTheLoop;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator stopped while the provider it is creating is still an unfinished long-running
 * operation, and a new operator process (no memory, empty caches) started: it must neither
 * duplicate nor loop on the taken ID, and must converge once Google finishes the creation.
 */
class GcpRestartIT {

  private static final Duration RESYNC = Duration.ofSeconds(3);
  private static final KubeApiServerSupport API = KubeApiServerSupport.shared();
  private static final KubernetesClient CLIENT = API.newClient();
  private static final GcpTestbed BED = new GcpTestbed();
  private static final String POOL =
      "projects/" + PROJECT_NUMBER + "/locations/global/workloadIdentityPools/pool-restart";

  private static String namespace;
  private static final OperatorInTheLoop LOOP = new OperatorInTheLoop(CLIENT, () -> namespace);
  private Operator running;

  @BeforeAll
  static void setUp() {
    namespace = API.createNamespace("gcp-restart");
    LOOP.apply(Fixtures.gitHubIssuer("github"));
  }

  @AfterEach
  void stopOperator() {
    if (running != null) {
      running.stop();
    }
  }

  @AfterAll
  static void stopFake() {
    BED.close();
  }

  @Test
  void aRestartMidCreationConvergesWithoutDuplicatesOrLoops() {
    // the first process looks again only after a minute: whatever happens next is the second's
    running = startOperator(Duration.ofMinutes(1));
    create("first", "env-first");
    awaitGcp("first", "True", "Synced");

    // Google accepts the next creation but does not finish it while the first operator runs
    BED.state().setPollsUntilDone(1_000_000);
    BED.state().setCompleteAfter(Duration.ofHours(1));
    create("second", "env-second");
    CIFederatedIdentity waiting = awaitGcp("second", "Unknown", "Reconciling");
    assertThat(condition(waiting).getMessage()).contains("still running");
    assertThat(BED.state().pendingOperations()).singleElement().asString().contains("/providers/");
    running.stop();
    int postsBeforeRestart = providerCreates().size();

    running = startOperator(RESYNC);
    CIFederatedIdentity afterRestart =
        awaitStatus(
            "second",
            i ->
                condition(i).getReason().equals("Reconciling")
                    && condition(i).getMessage().contains("earlier request"));
    assertThat(afterRestart.getStatus().getGcp()).isNull();

    BED.state().setPollsUntilDone(2);
    BED.state().completePendingOperations();

    var gcp = awaitGcp("second", "True", "Synced").getStatus().getGcp();
    assertThat(BED.state().providers(POOL)).hasSize(2);
    assertThat(BED.state().provider(gcp.getProviderName()).orElseThrow().path("state").asText())
        .isEqualTo("ACTIVE");
    assertThat(BED.state().members(SA, ROLE)).contains(gcp.getPrincipal());
    List<Integer> creates = providerCreates();
    assertThat(postsBeforeRestart).as("first, and second left running").isEqualTo(2);
    assertThat(creates.subList(0, 2)).containsExactly(200, 200);
    assertThat(creates.subList(2, creates.size()))
        .as("after the restart: the taken ID is recognised (409), a retry per second at most")
        .isNotEmpty()
        .hasSizeLessThanOrEqualTo(5)
        .containsOnly(409);
  }

  private static List<Integer> providerCreates() {
    return BED.fake.requests().stream()
        .filter(r -> r.method().equals("POST") && r.path().endsWith("/providers"))
        .map(r -> r.status())
        .toList();
  }

  // ---------------------------------------------------------------------------------- helpers

  /** A new operator process, as far as the adapter can tell: new client, caches and locks. */
  private static Operator startOperator(Duration resync) {
    GcpSettings settings =
        BED.settings(resync)
            .withOperationTimeout(
                Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMillis(100));
    RetryPolicy retries = new RetryPolicy(resync, resync, resync.dividedBy(3), resync);
    Operator operator =
        new Operator(o -> o.withKubernetesClient(API.newClient()).withCloseClientOnStop(true));
    operator.register(
        new IdentityReconciler(
            new TrustCompiler(),
            List.of(BED.adapter(settings, retries, Clock.systemUTC())),
            new EventRecorder(CLIENT, Clock.systemUTC()),
            Clock.systemUTC()),
        o -> o.withReconciliationMaxInterval(resync).settingNamespaces(namespace));
    operator.start();
    return operator;
  }

  private static void create(String name, String environment) {
    LOOP.create(
        Fixtures.identity(
            null,
            name,
            """
            issuerRef: github
            repository: my-org/my-app
            subject: {environment: %s}
            gcp:
              projectId: my-project
              projectNumber: "%s"
              poolId: pool-restart
              serviceAccount: %s
            """
                .formatted(environment, PROJECT_NUMBER, SA)));
  }

  private static CIFederatedIdentity awaitGcp(String name, String status, String reason) {
    return awaitStatus(
        name,
        i -> condition(i).getStatus().equals(status) && condition(i).getReason().equals(reason));
  }

  /** A status with a GCPReady condition that satisfies {@code done}. */
  private static CIFederatedIdentity awaitStatus(
      String name, java.util.function.Predicate<CIFederatedIdentity> done) {
    return LOOP.awaitStatus(name, i -> Conditions.find(i, "GCPReady").isPresent() && done.test(i));
  }

  private static Condition condition(CIFederatedIdentity identity) {
    return Conditions.condition(identity, "GCPReady");
  }
}
