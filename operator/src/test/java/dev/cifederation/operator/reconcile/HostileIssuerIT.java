package dev.cifederation.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.issuer.AddressPolicy;
import dev.cifederation.operator.issuer.HostileIssuer;
import dev.cifederation.operator.issuer.IssuerProbe;
import dev.cifederation.operator.issuer.KnownThumbprints;
import dev.cifederation.operator.issuer.TestPki;
import dev.cifederation.operator.issuer.TrustAnchors;
import dev.cifederation.operator.observe.CertificateExpiry;
import dev.cifederation.operator.testsupport.Conditions;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.OperatorInTheLoop;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The issuer reconciler against a real kube-apiserver and a hostile local issuer: a 2 GiB body, a 1
 * B/s drip, a redirect to the metadata service, a jwks_uri on loopback and 10 MB of headers each
 * end with their own IssuerReachable reason, while a healthy issuer checked by the same operator
 * keeps being checked every resync and the heap stays flat.
 */
class HostileIssuerIT {

  private static final Duration RESYNC = Duration.ofSeconds(3);
  private static final TestPki PKI = TestPki.generate();
  private static final HostileIssuer SERVER =
      new HostileIssuer(PKI.serverChain(PKI.intermediateA, Duration.ofDays(30)));
  private static final KubeApiServerSupport API = KubeApiServerSupport.shared();
  private static final KubernetesClient CLIENT = API.newClient();
  private static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();

  /** The server's own address is allowed, as CIFED_ISSUER_ALLOW_PRIVATE would; nothing else. */
  private static final AddressPolicy ONLY_THE_TEST_SERVER =
      address ->
          address.getHostAddress().equals("127.0.0.1")
              ? Optional.empty()
              : AddressPolicy.standard(false).refusal(address);

  private static final OperatorInTheLoop LOOP = new OperatorInTheLoop(CLIENT);

  @RegisterExtension
  static final LocallyRunOperatorExtension OPERATOR =
      LOOP.extension(
          new IssuerReconciler(
              new IssuerProbe(
                  TrustAnchors.withExtraFile(Optional.empty()),
                  Duration.ofSeconds(3),
                  ONLY_THE_TEST_SERVER),
              Optional.empty(),
              new KnownThumbprints(),
              new CertificateExpiry(REGISTRY, Clock.systemUTC()),
              new EventRecorder(CLIENT, Clock.systemUTC()),
              RESYNC,
              Clock.systemUTC()),
          RESYNC);

  @AfterAll
  static void stop() throws IOException {
    SERVER.close();
  }

  @Test
  void eachHostileIssuerEndsWithItsReasonWhileAHealthyOneKeepsBeingChecked() {
    long heapBefore = usedHeap();
    String healthy = createIssuer("/ok");
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put(createIssuer("/huge"), "TooLarge");
    expected.put(createIssuer("/drip"), "Timeout");
    expected.put(createIssuer("/redirect"), "Redirected");
    expected.put(createIssuer("/loopjwks"), "AddressNotAllowed");
    expected.put(createIssuer("/headers"), "TooLarge");

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              assertThat(reason(healthy)).isEqualTo("Reachable");
              expected.forEach(
                  (name, reason) -> assertThat(reason(name)).as(name).isEqualTo(reason));
            });

    // while the hostile ones keep failing (and being retried), the healthy one is checked every
    // resync: three fresh lastCheckedTime values within four resyncs
    Set<String> checks = new TreeSet<>();
    Instant until = Instant.now().plus(RESYNC.multipliedBy(4).plusSeconds(2));
    await()
        .atMost(RESYNC.multipliedBy(4).plusSeconds(5))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              CIIssuer issuer = LOOP.issuer(healthy);
              checks.add(issuer.getStatus().getLastCheckedTime());
              assertThat(reason(healthy)).isEqualTo("Reachable");
              return checks.size() >= 4 || Instant.now().isAfter(until);
            });
    assertThat(checks)
        .as("lastCheckedTime values seen (the first is from before)")
        .hasSizeGreaterThanOrEqualTo(4);
    assertThat(SERVER.hugeBytesSent()).as("bytes of the 2 GiB body sent").isLessThan(64L << 20);
    assertThat(usedHeap() - heapBefore).as("heap growth").isLessThan(128L << 20);
    expected.keySet().forEach(name -> CLIENT.resources(CIIssuer.class).withName(name).delete());
    CLIENT.resources(CIIssuer.class).withName(healthy).delete();
  }

  private static String createIssuer(String path) {
    String name = "hostile-" + path.substring(1) + "-" + Fixtures.shortId();
    CIIssuer issuer =
        Serialization.unmarshal(
            """
            apiVersion: cifederation.dev/v1alpha1
            kind: CIIssuer
            metadata: {name: %s}
            spec:
              url: %s
              dialect: GitLab
              caBundle: |
            %s
            """
                .formatted(name, SERVER.url(path), PKI.rootPem().indent(4)),
            CIIssuer.class);
    CLIENT.resource(issuer).create();
    return name;
  }

  private static String reason(String name) {
    CIIssuer issuer = LOOP.issuer(name);
    return issuer == null ? "" : Conditions.reason(issuer, "IssuerReachable");
  }

  private static long usedHeap() {
    System.gc();
    Runtime runtime = Runtime.getRuntime();
    return runtime.totalMemory() - runtime.freeMemory();
  }
}
