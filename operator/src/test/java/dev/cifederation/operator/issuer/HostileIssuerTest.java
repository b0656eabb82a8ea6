package dev.cifederation.operator.issuer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cifederation.operator.api.v1alpha1.IssuerReachableReason;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issuer checks against a hostile local HTTPS issuer: whatever it sends, the check ends within its
 * deadline, reads at most the size cap, never follows it elsewhere, and says why with a typed
 * reason — while a healthy issuer checked at the same time is unaffected.
 */
class HostileIssuerTest {

  private static final TestPki PKI = TestPki.generate();
  private static final Hostile SERVER =
      new Hostile(PKI.serverChain(PKI.intermediateA, Duration.ofDays(30)));

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
    assertThat(SERVER.hugeBytesSent.get()).isLessThan(32L << 20);
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
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
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
      IssuerProbe probe = probe(Duration.ofSeconds(4));
      for (String hostile : new String[] {"/drip", "/drip", "/huge", "/headers", "/drip"}) {
        pool.submit(() -> probe.check(SERVER.url(hostile), PKI.rootPem()));
      }
      long start = System.nanoTime();
      CompletableFuture<IssuerHealth> healthy =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return probe.check(SERVER.url("/ok"), PKI.rootPem());
                } catch (IssuerCheckException e) {
                  throw new IllegalStateException(e);
                }
              },
              pool);
      assertThat(healthy.get(10, TimeUnit.SECONDS).hosts()).isNotEmpty();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
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

  /** A TLS server on 127.0.0.1 whose answer depends on the first path segment. */
  private static final class Hostile implements AutoCloseable {
    final AtomicLong hugeBytesSent = new AtomicLong();
    private final SSLServerSocket server;
    private final ExecutorService connections = Executors.newCachedThreadPool();

    Hostile(TestPki.Chain chain) {
      try {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(
            "server",
            chain.key(),
            new char[0],
            chain.certificates().toArray(X509Certificate[]::new));
        KeyManagerFactory keys =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      Thread acceptor = new Thread(this::accept, "hostile-issuer");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String url(String path) {
      return "https://127.0.0.1:" + server.getLocalPort() + path;
    }

    private void accept() {
      try {
        while (true) {
          Socket socket = server.accept();
          connections.submit(() -> serve(socket));
        }
      } catch (IOException closed) {
        // the test is over
      }
    }

    private void serve(Socket socket) {
      try (socket) {
        String path = requestPath(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        String first = path.split("/", 3)[1];
        switch (first) {
          case "ok" -> json(out, discovery(path, url("/jwks")));
          case "jwks" ->
              json(out, "{\"keys\": [{\"kty\": \"RSA\", \"n\": \"AQAB\", \"e\": \"AQAB\"}]}");
          case "loopjwks" ->
              json(out, discovery(path, "https://127.0.0.2:" + server.getLocalPort() + "/jwks"));
          case "redirect" ->
              head(out, "302 Found", "Location: http://169.254.169.254/latest/meta-data/\r\n");
          case "declared" -> head(out, "200 OK", "Content-Length: 2147483648\r\n");
          case "huge" -> huge(out);
          case "drip" -> drip(out);
          case "headers" -> {
            out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] header =
                ("X-Padding: " + "a".repeat(1000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 10_000; i++) {
              out.write(header);
            }
          }
          case "deep" -> json(out, "[".repeat(100_000) + "]".repeat(100_000));
          default -> head(out, "404 Not Found", "Content-Length: 0\r\n");
        }
        out.flush();
      } catch (IOException | InterruptedException hungUp) {
        // what a bounded client does to a hostile server
      }
    }

    private String discovery(String path, String jwksUri) {
      String issuer = url(path.substring(0, path.length() - IssuerProbe.DISCOVERY_PATH.length()));
      return "{\"issuer\": \"" + issuer + "\", \"jwks_uri\": \"" + jwksUri + "\"}";
    }

    private void huge(OutputStream out) throws IOException {
      out.write(
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = new byte[64 * 1024];
      Arrays.fill(chunk, (byte) ' ');
      byte[] size =
          (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
      for (long sent = 0; sent < (2L << 30); sent += chunk.length) {
        out.write(size);
        out.write(chunk);
        out.write('\r');
        out.write('\n');
        hugeBytesSent.addAndGet(chunk.length);
      }
    }

    private void drip(OutputStream out) throws IOException, InterruptedException {
      out.write(
          "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      for (int i = 0; i < 100_000; i++) {
        out.write(' ');
        out.flush();
        Thread.sleep(1000);
      }
    }

    private static void json(OutputStream out, String body) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      head(
          out,
          "200 OK",
          "Content-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n");
      out.write(bytes);
    }

    private static void head(OutputStream out, String status, String headers) throws IOException {
      out.write(
          ("HTTP/1.1 " + status + "\r\n" + headers + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static String requestPath(InputStream in) throws IOException {
      String request = line(in);
      while (!line(in).isEmpty()) {
        // the rest of the request head
      }
      String[] parts = request.split(" ");
      return parts.length > 1 ? parts[1] : "/";
    }

    private static String line(InputStream in) throws IOException {
      StringBuilder line = new StringBuilder();
      for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
        if (b != '\r') {
          line.append((char) b);
        }
      }
      return line.toString();
    }

    @Override
    public void close() throws IOException {
      server.close();
      connections.shutdownNow();
    }
  }
}
