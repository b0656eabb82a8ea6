package dev.cifederation.operator.cloud.aws;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small HTTP proxy in front of moto that answers chosen IAM/STS actions with AWS's throttling or
 * server errors (moto never throttles), and counts the requests per action: the SDK's retries are
 * attempts on the wire, which {@code CloudCalls} (one count per call) does not see. It also keeps
 * what identifies each request's caller (the signing key, the User-Agent), as CloudTrail would.
 */
final class FaultInjectingProxy implements AutoCloseable {

  /** An error IAM answers with, in its query-protocol XML. */
  enum Fault {
    THROTTLING(400, "Throttling", "Rate exceeded"),
    SERVICE_FAILURE(500, "ServiceFailure", "Internal failure"),
    /** What IAM answers while a just-created OIDC provider has not propagated yet. */
    INVALID_PRINCIPAL(400, "MalformedPolicyDocument", "Invalid principal in policy");

    final int status;
    final String code;
    final String message;

    Fault(int status, String code, String message) {
      this.status = status;
      this.code = code;
      this.message = message;
    }
  }

  private record Injection(Fault fault, AtomicInteger remaining) {}

  /**
   * One request on the wire: its action and form fields, the access key that signed it, its
   * User-Agent, and (AssumeRole only) moto's answer, which holds the issued credentials.
   */
  record Seen(
      String action,
      Map<String, String> form,
      String accessKeyId,
      String userAgent,
      String answer) {}

  private static final Pattern SIGNING_KEY = Pattern.compile("Credential=([^/]+)/");

  private static final Set<String> HOP_BY_HOP =
      Set.of("host", "content-length", "connection", "expect", "upgrade", "transfer-encoding");

  private final URI target;
  private final HttpServer server;
  private final ExecutorService executor =
      Executors.newFixedThreadPool(
          8,
          r -> {
            // daemon: a test JVM must be able to end while an operator still talks to the proxy
            Thread thread = new Thread(r, "fault-proxy");
            thread.setDaemon(true);
            return thread;
          });
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<String, Injection> injections = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());

  FaultInjectingProxy(URI target) {
    this.target = target;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** The next {@code times} requests of {@code action} get {@code fault}. */
  void fail(String action, Fault fault, int times) {
    injections.put(action, new Injection(fault, new AtomicInteger(times)));
  }

  /** Every request of {@code action} gets {@code fault} until {@link #heal}. */
  void failAlways(String action, Fault fault) {
    fail(action, fault, Integer.MAX_VALUE);
  }

  void heal() {
    injections.clear();
  }

  /** No faults, no counts: between tests. */
  void reset() {
    heal();
    requests.clear();
    seen.clear();
  }

  /** Every request that reached moto so far, in order. */
  List<Seen> seen() {
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  /** Requests of {@code action} seen so far, failed ones included. */
  int requests(String action) {
    AtomicInteger count = requests.get(action);
    return count == null ? 0 : count.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      Map<String, String> form = form(new String(body, StandardCharsets.UTF_8));
      String action = form.getOrDefault("Action", "?");
      requests.computeIfAbsent(action, a -> new AtomicInteger()).incrementAndGet();
      Injection injection = injections.get(action);
      if (injection != null && injection.remaining().getAndDecrement() > 0) {
        byte[] error = errorXml(injection.fault()).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/xml");
        exchange.sendResponseHeaders(injection.fault().status, error.length);
        exchange.getResponseBody().write(error);
        return;
      }
      byte[] answer = forward(exchange, body);
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      Matcher key = SIGNING_KEY.matcher(authorization == null ? "" : authorization);
      seen.add(
          new Seen(
              action,
              form,
              key.find() ? key.group(1) : null,
              exchange.getRequestHeaders().getFirst("User-Agent"),
              "AssumeRole".equals(action) ? new String(answer, StandardCharsets.UTF_8) : null));
    }
  }

  private byte[] forward(HttpExchange exchange, byte[] body) throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    exchange
        .getRequestHeaders()
        .forEach(
            (name, values) -> {
              if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> request.header(name, v));
              }
            });
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    response
        .headers()
        .map()
        .forEach(
            (name, values) -> {
              if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                exchange.getResponseHeaders().put(name, List.copyOf(values));
              }
            });
    byte[] responseBody = response.body();
    exchange.sendResponseHeaders(
        response.statusCode(), responseBody.length == 0 ? -1 : responseBody.length);
    if (responseBody.length > 0) {
      exchange.getResponseBody().write(responseBody);
    }
    return responseBody;
  }

  /** The query protocol's form fields, {@code Action=...} among them. */
  private static Map<String, String> form(String body) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String field : body.split("&")) {
      int eq = field.indexOf('=');
      if (eq > 0) {
        fields.put(
            URLDecoder.decode(field.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(field.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return fields;
  }

  private static String errorXml(Fault fault) {
    return "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>"
        + "<Type>"
        + (fault.status >= 500 ? "Receiver" : "Sender")
        + "</Type><Code>"
        + fault.code
        + "</Code><Message>"
        + fault.message
        + "</Message></Error><RequestId>cifed-fault</RequestId></ErrorResponse>";
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
