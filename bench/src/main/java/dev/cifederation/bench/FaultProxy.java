package dev.cifederation.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;

/**
 * A plain-HTTP proxy on loopback in front of one cloud emulator (moto, or a fake over HTTP or
 * HTTPS), which the soak points the operator at: it answers a seeded fraction of requests with a
 * fault (429 with Retry-After, 503, a connection closed without an answer) or all of them during an
 * outage, and counts what reached it — requests, and writes by target, so a write made twice shows.
 */
final class FaultProxy implements AutoCloseable {

  /** How the cloud spells its errors, so that each SDK parses them as it would the real cloud's. */
  enum Dialect {
    AWS,
    GCP,
    AZURE
  }

  enum Fault {
    NONE,
    THROTTLE,
    UNAVAILABLE,
    RESET
  }

  private record Injection(Fault fault, double fraction) {}

  /** Hop-by-hop headers, and those java.net.http refuses to set (it sets them itself). */
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "host",
          "content-length",
          "connection",
          "expect",
          "upgrade",
          "transfer-encoding",
          "date",
          "from",
          "origin",
          "referer",
          "via",
          "warning");

  private static final Set<String> AWS_READS = Set.of("Get", "List");

  private final String name;
  private final Dialect dialect;
  private final URI target;
  private final HttpServer server;
  private final HttpClient http;
  private final ExecutorService executor;
  private final Random random;
  private volatile Injection injection = new Injection(Fault.NONE, 0);
  private volatile Duration retryAfter = Duration.ofSeconds(2);
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong forwardErrors = new AtomicLong();
  private final Map<Fault, LongAdder> injected = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> writes = new ConcurrentHashMap<>();

  FaultProxy(String name, Dialect dialect, URI target, Path caFile, long seed) {
    this.name = name;
    this.dialect = dialect;
    this.target = target;
    this.random = new Random(seed);
    this.executor =
        Executors.newFixedThreadPool(
            16,
            r -> {
              Thread t = new Thread(r, "fault-proxy-" + name);
              t.setDaemon(true);
              return t;
            });
    HttpClient.Builder client =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1);
    if (caFile != null) {
      client.sslContext(trusting(caFile));
    }
    this.http = client.build();
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  String name() {
    return name;
  }

  /** The proxy's URL, with a trailing slash like the emulators' own. */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  /** From now on, {@code fraction} of the requests get {@code fault} (1.0: an outage). */
  void inject(Fault fault, double fraction, Duration retryAfter) {
    this.retryAfter = retryAfter;
    this.injection = new Injection(fault, fraction);
  }

  void heal() {
    injection = new Injection(Fault.NONE, 0);
  }

  long requests() {
    return requests.get();
  }

  long injected(Fault fault) {
    LongAdder n = injected.get(fault);
    return n == null ? 0 : n.sum();
  }

  /** Writes that reached the cloud, by target (e.g. {@code UpdateAssumeRolePolicy bench-00001}). */
  Map<String, Long> writes() {
    Map<String, Long> copy = new java.util.TreeMap<>();
    writes.forEach((k, v) -> copy.put(k, v.sum()));
    return copy;
  }

  void clearWrites() {
    writes.clear();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      requests.incrementAndGet();
      Fault fault = draw();
      if (fault != Fault.NONE) {
        injected.computeIfAbsent(fault, f -> new LongAdder()).increment();
      }
      switch (fault) {
        case RESET -> {
          // no answer at all: the client sees the connection closed under it
          return;
        }
        case THROTTLE -> {
          exchange
              .getResponseHeaders()
              .set("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
          answer(exchange, 429);
          return;
        }
        case UNAVAILABLE -> {
          answer(exchange, 503);
          return;
        }
        default -> {
          // pass
        }
      }
      String write = write(exchange, body);
      HttpResponse<byte[]> response = forward(exchange, body);
      if (write != null && response.statusCode() < 300) {
        writes.computeIfAbsent(write, w -> new LongAdder()).increment();
      }
      response
          .headers()
          .map()
          .forEach(
              (header, values) -> {
                if (!HOP_BY_HOP.contains(header.toLowerCase(Locale.ROOT))
                    && !header.startsWith(":")) {
                  values.forEach(v -> exchange.getResponseHeaders().add(header, v));
                }
              });
      byte[] answer = response.body();
      exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
      if (answer.length > 0) {
        exchange.getResponseBody().write(answer);
      }
    } catch (IOException | RuntimeException e) {
      // the emulator went away or the client hung up: nothing to answer, but say so
      if (forwardErrors.incrementAndGet() <= 5) {
        System.err.println("[soak] proxy " + name + ": " + e);
      }
    }
  }

  private synchronized Fault draw() {
    Injection current = injection;
    if (current.fault() == Fault.NONE) {
      return Fault.NONE;
    }
    return current.fraction() >= 1.0 || random.nextDouble() < current.fraction()
        ? current.fault()
        : Fault.NONE;
  }

  private HttpResponse<byte[]> forward(HttpExchange exchange, byte[] body) throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(forwardUri(exchange.getRequestURI()))
            .timeout(Duration.ofSeconds(60))
            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    exchange
        .getRequestHeaders()
        .forEach(
            (header, values) -> {
              if (!HOP_BY_HOP.contains(header.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> request.header(header, v));
              }
            });
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /**
   * The same request target on the emulator, by concatenation: a target that starts with "//" (an
   * endpoint with a trailing slash plus an absolute path, as the ARM SDK sends it) would otherwise
   * resolve as a host name.
   */
  private URI forwardUri(URI request) {
    String base = target.toString().replaceFirst("/+$", "");
    // "//subscriptions/…" parses as an authority; the scheme-specific part is the target as sent
    return URI.create(base + request.getRawSchemeSpecificPart());
  }

  /** The write a request makes, named by operation and target; null for reads. */
  private String write(HttpExchange exchange, byte[] body) {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    if (dialect == Dialect.AWS) {
      Map<String, String> form = form(new String(body, StandardCharsets.UTF_8));
      String action = form.getOrDefault("Action", "");
      if (action.isEmpty() || AWS_READS.stream().anyMatch(action::startsWith)) {
        return null;
      }
      String target =
          form.getOrDefault("RoleName", form.getOrDefault("OpenIDConnectProviderArn", ""));
      return action + " " + target;
    }
    if (method.equals("GET") || path.endsWith(":getIamPolicy")) {
      // getIamPolicy is a POST that reads
      return null;
    }
    // GCP setIamPolicy is a POST on ...:setIamPolicy; operations polls are GETs
    return method + " " + path;
  }

  private static Map<String, String> form(String body) {
    Map<String, String> form = new java.util.HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  private void answer(HttpExchange exchange, int status) throws IOException {
    String contentType;
    String text;
    switch (dialect) {
      case AWS -> {
        contentType = "text/xml";
        String code = status == 429 ? "Throttling" : "ServiceUnavailable";
        text =
            "<ErrorResponse><Error><Type>"
                + (status == 429 ? "Sender" : "Receiver")
                + "</Type><Code>"
                + code
                + "</Code><Message>injected by the soak</Message></Error>"
                + "<RequestId>soak</RequestId></ErrorResponse>";
      }
      case GCP -> {
        contentType = "application/json";
        String rpc = status == 429 ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE";
        text =
            "{\"error\":{\"code\":"
                + status
                + ",\"message\":\"injected by the soak\",\"status\":\""
                + rpc
                + "\"}}";
      }
      default -> {
        contentType = "application/json";
        String code = status == 429 ? "TooManyRequests" : "ServiceUnavailable";
        text = "{\"error\":{\"code\":\"" + code + "\",\"message\":\"injected by the soak\"}}";
      }
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static SSLContext trusting(Path caFile) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, TrustStores.trusting(caFile).getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot trust " + caFile, e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
