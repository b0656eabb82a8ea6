package dev.cifederation.operator.issuer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cifederation.operator.api.v1alpha1.IssuerReachableReason;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issuer checks against a hostile local HTTPS issuer: whatever it sends, the check ends within its
 * deadline, reads at most the size cap, never follows it elsewhere, and says why with a typed
 * reason — while a healthy issuer checked at the same time is unaffected.
 */
class HostileIssuerProbeIT {

  private static final TestPki PKI = TestPki.generate();
  private static final HostileIssuer SERVER =
      new HostileIssuer(PKI.serverChain(PKI.intermediateA, Duration.ofDays(30)));

  /** The hostile server on 127.0.0.1 is allowed; every other address follows the defaults. */
  private static final AddressPolicy ONLY_THE_TEST_SERVER =
      address ->
          address.getHostAddress().equals("127.0.0.1")
              ? Optional.empty()
              : AddressPolicy.standard(false).refusal(address);

  private static IssuerProbe probe(Duration deadline) {
    return new IssuerProbe(
        TrustAnchors.withExtraFile(Optional.empty()), deadline, ONLY_THE_TEST_SERVER);
  }

  @AfterAll
  static void stop() throws IOException {
    SERVER.close();
  }

  @Test
  void aHealthyIssuerOnTheSameServerIsReachable() throws Exception {
    IssuerHealth health = probe(Duration.ofSeconds(5)).check(SERVER.url("/ok"), PKI.rootPem());
    assertThat(health.jwksUri()).isEqualTo(SERVER.url("/jwks"));
  }

  @Test
  void aTwoGibibyteChunkedBodyIsCutAtTheCapWithoutBufferingIt() {
    long before = usedHeap();
    assertReason(
        () -> probe(Duration.ofSeconds(30)).check(SERVER.url("/huge"), PKI.rootPem()),
        IssuerReachableReason.TooLarge,
        "larger than 1024 KiB");
    // the server stops when the probe hangs up: a few socket buffers past the 1 MiB cap, not 2 GiB
    assertThat(SERVER.hugeBytesSent()).isLessThan(32L << 20);
    assertThat(usedHeap() - before).as("heap growth").isLessThan(64L << 20);
  }

  @Test
  void aDeclaredLengthPastTheCapIsRefusedBeforeReading() {
    assertReason(
        () -> probe(Duration.ofSeconds(5)).check(SERVER.url("/declared"), PKI.rootPem()),
        IssuerReachableReason.TooLarge,
        "/declared");
  }

  @Test
  void aOneBytePerSecondDripEndsAtTheDeadlineNotTheHeaderTimeout() {
    long start = System.nanoTime();
    assertReason(
        () -> probe(Duration.ofSeconds(2)).check(SERVER.url("/drip"), PKI.rootPem()),
        IssuerReachableReason.Timeout,
        "deadline");
    // 2 s deadline; the margin is for a loaded machine, not for the drip (100,000 s)
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void aRedirectToTheMetadataServiceIsNotFollowed() {
    assertReason(
        () -> probe(Duration.ofSeconds(5)).check(SERVER.url("/redirect"), PKI.rootPem()),
        IssuerReachableReason.Redirected,
        "169.254.169.254");
  }

  @Test
  void aJwksUriOnLoopbackIsRefusedAfterResolution() {
    // discovery is allowed, its jwks_uri names another loopback address the policy refuses
    assertReason(
        () -> probe(Duration.ofSeconds(5)).check(SERVER.url("/loopjwks"), PKI.rootPem()),
        IssuerReachableReason.AddressNotAllowed,
        "127.0.0.2");
  }

  @Test
  void hugeHeadersAreCutToo() {
    assertReason(
        () -> probe(Duration.ofSeconds(10)).check(SERVER.url("/headers"), PKI.rootPem()),
        IssuerReachableReason.TooLarge,
        "headers");
  }

  @Test
  void deepJsonIsAnInvalidDocument() {
    assertReason(
        () -> probe(Duration.ofSeconds(5)).check(SERVER.url("/deep"), PKI.rootPem()),
        IssuerReachableReason.InvalidDocument,
        "not a JSON object");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://169.254.169.254",
        "https://[fe80::1]",
        "https://0.0.0.0",
        "https://[::]",
        "https://[fd00:ec2::254]",
        "https://100.100.100.200",
        "https://127.0.0.1:1",
        "https://localhost:1",
        "https://10.0.0.1",
        "https://192.168.1.1",
        "https://172.16.0.1"
      })
  void theDefaultsRefuseLoopbackPrivateAndLinkLocalIssuersWithoutConnecting(String url) {
    IssuerProbe defaults =
        new IssuerProbe(
            TrustAnchors.withExtraFile(Optional.empty()),
            Duration.ofSeconds(5),
            AddressPolicy.standard(false));
    assertReason(() -> defaults.check(url, null), IssuerReachableReason.AddressNotAllowed, "");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://169.254.169.254",
        "https://[fe80::1]",
        "https://0.0.0.0",
        "https://[fd00:ec2::254]",
        "https://100.100.100.200"
      })
  void allowingPrivateIssuersStillRefusesMetadataAndUnspecifiedAddresses(String url) {
    IssuerProbe allowing =
        new IssuerProbe(
            TrustAnchors.withExtraFile(Optional.empty()),
            Duration.ofSeconds(5),
            AddressPolicy.standard(true));
    assertReason(() -> allowing.check(url, null), IssuerReachableReason.AddressNotAllowed, "");
  }

  @Test
  void aSlowIssuerDoesNotDelayAHealthyOneCheckedMeanwhile() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      // the same probe for all: one issuer's deadline, buffers and connections are its own
      IssuerProbe probe = probe(Duration.ofSeconds(20));
      List<Future<?>> drips = new ArrayList<>();
      for (String hostile : new String[] {"/drip", "/drip", "/huge", "/headers", "/drip"}) {
        Future<?> check = pool.submit(() -> probe.check(SERVER.url(hostile), PKI.rootPem()));
        if (hostile.equals("/drip")) {
          drips.add(check);
        }
      }
      Future<IssuerHealth> healthy =
          pool.submit(() -> probe.check(SERVER.url("/ok"), PKI.rootPem()));
      assertThat(healthy.get(15, TimeUnit.SECONDS).hosts()).isNotEmpty();
      // measured against the hostile checks rather than a clock, so a loaded machine cannot flake
      assertThat(drips)
          .as("the healthy check finished while the drips were still dripping")
          .noneMatch(Future::isDone);
    } finally {
      pool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------------------------- helpers

  private interface Check {
    void run() throws Exception;
  }

  private static void assertReason(Check check, IssuerReachableReason reason, String part) {
    assertThatThrownBy(check::run)
        .isInstanceOfSatisfying(
            IssuerCheckException.class,
            e -> {
              assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
              assertThat(e.getMessage()).contains(part);
            });
  }

  private static long usedHeap() {
    System.gc();
    Runtime runtime = Runtime.getRuntime();
    return runtime.totalMemory() - runtime.freeMemory();
  }
}
