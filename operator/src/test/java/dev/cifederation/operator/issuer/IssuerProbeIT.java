package dev.cifederation.operator.issuer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cifederation.operator.api.v1alpha1.IssuerReachableReason;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issuer check against a local HTTPS issuer with a generated root and two intermediate CAs: the
 * thumbprint is the SHA-1 of the last certificate each host presents (cross-checked with {@code
 * openssl s_client -showcerts}), a rotated chain is seen at the next check, and every way a check
 * fails has its own reason.
 */
class IssuerProbeIT {

  private static final TestPki PKI = TestPki.generate();
  private static final TestPki.Chain CHAIN_A =
      PKI.serverChain(PKI.intermediateA, Duration.ofDays(90));
  private static final TestPki.Chain CHAIN_B =
      PKI.serverChain(PKI.intermediateB, Duration.ofDays(30));
  private static final TestIssuer ISSUER = new TestIssuer(CHAIN_A);
  private static final IssuerProbe PROBE =
      new IssuerProbe(
          TrustAnchors.withExtraFile(Optional.empty()),
          Duration.ofSeconds(5),
          AddressPolicy.standard(true));

  @AfterEach
  void healthy() {
    ISSUER.serve(CHAIN_A);
    ISSUER.failWith(0);
    ISSUER.claimIssuer(null);
    ISSUER.pointJwksAt(null);
  }

  @AfterAll
  static void stop() {
    ISSUER.close();
  }

  @Test
  void eachHostsThumbprintIsTheSha1OfTheLastCertificateItPresents() throws Exception {
    IssuerHealth health = PROBE.check(ISSUER.url(""), PKI.rootPem());

    assertThat(health.jwksUri()).isEqualTo(ISSUER.jwksUri());
    String intermediateA = sha1Hex(PKI.intermediateA.certificate().getEncoded());
    assertThat(health.hosts())
        .extracting(HostChain::host, HostChain::sha1)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(ISSUER.discoveryHost(), intermediateA),
            org.assertj.core.groups.Tuple.tuple(ISSUER.jwksHost(), intermediateA));
    assertThat(intermediateA).matches("[0-9a-f]{40}");
    HostChain discovery = health.hosts().get(0);
    assertThat(discovery.notAfter())
        .isEqualTo(PKI.intermediateA.certificate().getNotAfter().toInstant());
    assertThat(discovery.earliestExpiry())
        .as("the leaf expires first")
        .isEqualTo(CHAIN_A.leaf().getNotAfter().toInstant());
    assertThat(health.thumbprints()).containsExactly(intermediateA);
  }

  @Test
  void opensslAgreesOnTheThumbprintOfBothHosts() throws Exception {
    assumeTrue(onPath("openssl"), "openssl is not installed");
    ISSUER.serveJwks(CHAIN_B);
    IssuerHealth health = PROBE.check(ISSUER.url(""), PKI.rootPem());

    for (HostChain host : health.hosts()) {
      int port = Integer.parseInt(host.host().substring(host.host().indexOf(':') + 1));
      List<String> presented = opensslShowcerts(port);
      assertThat(presented).as("openssl sees leaf and intermediate").hasSize(2);
      String last = opensslSha1(presented.get(presented.size() - 1));
      String leaf = opensslSha1(presented.get(0));
      assertThat(host.sha1()).as(host.host()).isEqualTo(last).isNotEqualTo(leaf);
    }
    assertThat(health.hosts().get(1).sha1())
        .isEqualTo(sha1Hex(PKI.intermediateB.certificate().getEncoded()));
  }

  @Test
  void aRotatedChainIsSeenAtTheNextCheck() throws Exception {
    String before = PROBE.check(ISSUER.url(""), PKI.rootPem()).hosts().get(0).sha1();
    ISSUER.serve(CHAIN_B);
    String after = PROBE.check(ISSUER.url(""), PKI.rootPem()).hosts().get(0).sha1();

    assertThat(before).isEqualTo(sha1Hex(PKI.intermediateA.certificate().getEncoded()));
    assertThat(after).isEqualTo(sha1Hex(PKI.intermediateB.certificate().getEncoded()));
  }

  @Test
  void theExtraCaFileIsATrustAnchorToo(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("extra.pem");
    Files.writeString(file, PKI.rootPem());
    IssuerProbe probe =
        new IssuerProbe(
            TrustAnchors.withExtraFile(Optional.of(file)),
            Duration.ofSeconds(5),
            AddressPolicy.standard(true));

    assertThat(probe.check(ISSUER.url("/gitlab"), null).hosts()).hasSize(2);
  }

  @Test
  void anUnreadableExtraCaFileStopsTheStartNamingTheVariable(@TempDir Path dir) throws Exception {
    Path garbage = dir.resolve("garbage.pem");
    Files.writeString(garbage, "not a certificate");
    assertThatThrownBy(() -> TrustAnchors.withExtraFile(Optional.of(dir.resolve("missing.pem"))))
        .hasMessageContaining("CIFED_EXTRA_CA_FILE");
    assertThatThrownBy(() -> TrustAnchors.withExtraFile(Optional.of(garbage)))
        .hasMessageContaining("CIFED_EXTRA_CA_FILE")
        .hasMessageContaining("PEM");
  }

  @Test
  void aChainNoAnchorVouchesForIsUntrusted() {
    assertFails(ISSUER.url(""), null, IssuerReachableReason.UntrustedCertificate, "TLS to");
    // another root does not help
    assertFails(
        ISSUER.url(""),
        TestPki.generate().rootPem(),
        IssuerReachableReason.UntrustedCertificate,
        ISSUER.discoveryHost());
  }

  @Test
  void aCaBundleWithoutCertificatesIsInvalid() {
    assertFails(
        ISSUER.url(""),
        "-----BEGIN CERTIFICATE-----\nnope\n",
        IssuerReachableReason.InvalidCaBundle,
        "spec.caBundle");
  }

  @Test
  void aDiscoveryDocumentNamingAnotherIssuerIsAMismatch() {
    ISSUER.claimIssuer("https://evil.example.com");
    assertFails(
        ISSUER.url(""), PKI.rootPem(), IssuerReachableReason.IssuerMismatch, "evil.example.com");
  }

  @Test
  void aJwksUriThatIsNotHttpsIsRefused() {
    ISSUER.pointJwksAt("http://127.0.0.1:1/jwks");
    assertFails(ISSUER.url(""), PKI.rootPem(), IssuerReachableReason.InvalidDocument, "https");
  }

  @Test
  void aServerErrorIsAnHttpError() {
    ISSUER.failWith(503);
    assertFails(ISSUER.url(""), PKI.rootPem(), IssuerReachableReason.HttpError, "HTTP 503");
  }

  @Test
  void aClosedPortIsAConnectionFailure() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    assertFails(
        "https://127.0.0.1:" + port, PKI.rootPem(), IssuerReachableReason.ConnectionFailed, "");
  }

  @Test
  void aHostThatNeverAnswersTimesOut() throws Exception {
    List<Socket> accepted = new ArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    accepted.add(silent.accept());
                  }
                } catch (IOException closed) {
                  // the test is over
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      IssuerProbe impatient =
          new IssuerProbe(
              TrustAnchors.withExtraFile(Optional.empty()),
              Duration.ofSeconds(1),
              AddressPolicy.standard(true));
      assertThatThrownBy(
              () -> impatient.check("https://127.0.0.1:" + silent.getLocalPort(), PKI.rootPem()))
          .isInstanceOfSatisfying(
              IssuerCheckException.class,
              e -> assertThat(e.reason()).isEqualTo(IssuerReachableReason.Timeout));
    } finally {
      for (Socket socket : accepted) {
        socket.close();
      }
    }
  }

  // ---------------------------------------------------------------------------------- helpers

  private static void assertFails(
      String url, String caBundle, IssuerReachableReason reason, String messagePart) {
    assertThatThrownBy(() -> PROBE.check(url, caBundle))
        .isInstanceOfSatisfying(
            IssuerCheckException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.getMessage()).contains(messagePart);
            });
  }

  static String sha1Hex(byte[] der) throws Exception {
    return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(der));
  }

  /**
   * The PEM blocks {@code openssl s_client -showcerts} prints, in the order the server sent them.
   */
  private static List<String> opensslShowcerts(int port) throws Exception {
    String out =
        run(
            "",
            "openssl",
            "s_client",
            "-connect",
            "127.0.0.1:" + port,
            "-servername",
            "localhost",
            "-showcerts");
    Matcher blocks =
        Pattern.compile("-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", Pattern.DOTALL)
            .matcher(out);
    List<String> pems = new ArrayList<>();
    while (blocks.find()) {
      pems.add(blocks.group() + "\n");
    }
    return pems;
  }

  /** {@code openssl x509 -fingerprint -sha1}, as AWS's documentation computes thumbprints. */
  private static String opensslSha1(String pem) throws Exception {
    String out = run(pem, "openssl", "x509", "-noout", "-fingerprint", "-sha1");
    Matcher m = Pattern.compile("(?i)sha1 Fingerprint=([0-9A-F:]+)").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return m.group(1).replace(":", "").toLowerCase(Locale.ROOT);
  }

  private static String run(String stdin, String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().write(stdin.getBytes(StandardCharsets.US_ASCII));
    process.getOutputStream().close();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  private static boolean onPath(String executable) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, executable))) {
        return true;
      }
    }
    return false;
  }
}
