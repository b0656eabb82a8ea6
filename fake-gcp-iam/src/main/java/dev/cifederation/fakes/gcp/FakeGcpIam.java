package dev.cifederation.fakes.gcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * A local fake of the IAM v1 REST API subset the operator's GCP adapter uses, on the real paths and
 * in the real wire format: {@code v1/projects/*}{@code /locations/global/workloadIdentityPools[/*}
 * {@code /providers[/*]]}, {@code :undelete}, {@code .../operations/*}, and {@code
 * v1/projects/*}{@code /serviceAccounts} (list) and {@code v1/projects/*}{@code
 * /serviceAccounts/*:getIamPolicy|:setIamPolicy}.
 *
 * <p>Wire details a Google client relies on: errors as {@code {"error": {"code", "message",
 * "status"}}}; request bodies may be gzip-encoded ({@code Content-Encoding: gzip}, as the Google
 * Java client sends them); PATCH may arrive as POST with {@code X-HTTP-Method-Override: PATCH} (the
 * JDK's HttpURLConnection cannot send PATCH); every request needs {@code Authorization: Bearer
 * <token>} (401 UNAUTHENTICATED otherwise). The semantics live in {@link IamState}; fault injection
 * in {@link Faults}.
 *
 * <p>Embedded in tests ({@code FakeGcpIam.builder().token("t").start()} on a free loopback port) or
 * run standalone ({@link Main}).
 */
public final class FakeGcpIam implements AutoCloseable {

  /**
   * One request as the fake understood it, for assertions about what a client sent (its User-Agent
   * too, which Cloud Audit Logs record as callerSuppliedUserAgent).
   */
  public record RecordedRequest(
      String method,
      String httpMethod,
      String path,
      Map<String, String> query,
      String body,
      boolean gzipped,
      int status,
      String userAgent) {

    /** Whether the request changes state (everything but GET, list and getIamPolicy). */
    public boolean isWrite() {
      return !"GET".equals(method) && !path.endsWith(":getIamPolicy");
    }
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String P = "projects/([^/]+)/locations/([^/]+)/workloadIdentityPools";
  private static final String SEG = "([^/:]+)";
  private static final Pattern POOLS = Pattern.compile(P);
  private static final Pattern POOL = Pattern.compile(P + "/" + SEG);
  private static final Pattern POOL_UNDELETE = Pattern.compile(P + "/" + SEG + ":undelete");
  private static final Pattern POOL_OPERATION =
      Pattern.compile(
          "projects/([^/]+)/(locations/[^/]+/workloadIdentityPools/[^/:]+/operations/[^/:]+)");
  private static final Pattern PROVIDERS = Pattern.compile(P + "/" + SEG + "/providers");
  private static final Pattern PROVIDER = Pattern.compile(P + "/" + SEG + "/providers/" + SEG);
  private static final Pattern PROVIDER_UNDELETE =
      Pattern.compile(P + "/" + SEG + "/providers/" + SEG + ":undelete");
  private static final Pattern PROVIDER_OPERATION =
      Pattern.compile(
          "projects/([^/]+)/(locations/[^/]+/workloadIdentityPools/[^/:]+/providers/[^/:]+"
              + "/operations/[^/:]+)");
  private static final Pattern SERVICE_ACCOUNTS =
      Pattern.compile("projects/([^/]+)/serviceAccounts");
  private static final Pattern SERVICE_ACCOUNT_IAM =
      Pattern.compile("projects/([^/]+)/serviceAccounts/([^/:]+):(getIamPolicy|setIamPolicy)");

  private final HttpServer server;
  private final ExecutorService executor;
  private final IamState state;
  private final Faults faults;
  private final String token;
  private final boolean verbose;
  private final List<RecordedRequest> requests = new ArrayList<>();

  private FakeGcpIam(Builder builder) throws IOException {
    // Without TCP_NODELAY, the JDK server's separate header and body writes meet the client's
    // delayed ACK: ~40 ms per request on loopback. Read once, when the JDK server first starts.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    this.faults = new Faults();
    this.state = new IamState(builder.clock, faults, builder.pollsUntilDone, builder.completeAfter);
    builder.projects.forEach(state::addProject);
    builder.serviceAccounts.forEach(state::addServiceAccount);
    this.token = Objects.requireNonNull(builder.token, "token");
    this.verbose = builder.verbose;
    this.server =
        HttpServer.create(
            new InetSocketAddress(InetAddress.getByName(builder.host), builder.port), 0);
    this.executor =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "fake-gcp-iam");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The root URL, with a trailing slash, e.g. {@code http://127.0.0.1:43117/}. */
  public String baseUrl() {
    return "http://" + server.getAddress().getHostString() + ":" + port() + "/";
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String token() {
    return token;
  }

  /** Direct access to the state, for assertions and out-of-band edits. */
  public IamState state() {
    return state;
  }

  public Faults faults() {
    return faults;
  }

  /** Every request served so far, in order. */
  public List<RecordedRequest> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  public void clearRequests() {
    synchronized (requests) {
      requests.clear();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ------------------------------------------------------------------------------------- HTTP

  private void handle(HttpExchange exchange) throws IOException {
    String httpMethod = exchange.getRequestMethod();
    String override = exchange.getRequestHeaders().getFirst("X-HTTP-Method-Override");
    String method =
        "POST".equals(httpMethod) && override != null ? override.toUpperCase() : httpMethod;
    boolean gzipped =
        "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"));
    String rawPath = exchange.getRequestURI().getRawPath();
    Map<String, String> query = parseQuery(exchange.getRequestURI().getRawQuery());
    String body = "";
    int status;
    JsonNode response;
    String path = rawPath;
    try {
      body = readBody(exchange.getRequestBody(), gzipped);
      if (!rawPath.startsWith("/v1/")) {
        throw new ApiError(ApiError.Code.NOT_FOUND, "The requested URL was not found.");
      }
      path = decode(rawPath.substring("/v1/".length()));
      authenticate(exchange);
      Optional<ApiError> fault = faults.nextRequestFault(method, path);
      if (fault.isPresent()) {
        throw fault.get();
      }
      response = route(method, path, query, body);
      status = 200;
    } catch (ApiError e) {
      status = e.code().http();
      response = errorJson(e);
      if (e.code() == ApiError.Code.UNAUTHENTICATED) {
        exchange
            .getResponseHeaders()
            .add("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\"");
      }
    } catch (RuntimeException e) {
      status = 500;
      response = errorJson(new ApiError(ApiError.Code.INTERNAL, "Internal error encountered."));
      if (verbose) {
        e.printStackTrace();
      }
    }
    synchronized (requests) {
      requests.add(
          new RecordedRequest(
              method,
              httpMethod,
              path,
              query,
              body,
              gzipped,
              status,
              exchange.getRequestHeaders().getFirst("User-Agent")));
    }
    if (verbose) {
      System.err.printf(
          "%s %s%s -> %d%n", method, path, query.isEmpty() ? "" : " " + query, status);
    }
    byte[] bytes = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(response);
    exchange.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private void authenticate(HttpExchange exchange) {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (authorization == null || !authorization.equals("Bearer " + token)) {
      throw new ApiError(
          ApiError.Code.UNAUTHENTICATED,
          "Request had invalid authentication credentials. Expected OAuth 2 access token, login"
              + " cookie or other valid authentication credential. See"
              + " https://developers.google.com/identity/sign-in/web/devconsole-project.");
    }
  }

  private JsonNode route(String method, String path, Map<String, String> query, String body) {
    Matcher m;
    if ((m = POOLS.matcher(path)).matches()) {
      return switch (method) {
        case "GET" ->
            state.listPools(
                m.group(1),
                m.group(2),
                bool(query, "showDeleted"),
                integer(query, "pageSize"),
                query.get("pageToken"));
        case "POST" ->
            state.createPool(
                m.group(1), m.group(2), query.get("workloadIdentityPoolId"), object(body));
        default -> throw methodNotFound();
      };
    }
    if ((m = POOL.matcher(path)).matches()) {
      return switch (method) {
        case "GET" -> state.getPool(m.group(1), m.group(2), m.group(3));
        case "PATCH" ->
            state.patchPool(
                m.group(1), m.group(2), m.group(3), object(body), query.get("updateMask"));
        case "DELETE" -> state.deletePool(m.group(1), m.group(2), m.group(3));
        default -> throw methodNotFound();
      };
    }
    if ((m = POOL_UNDELETE.matcher(path)).matches() && "POST".equals(method)) {
      object(body);
      return state.undeletePool(m.group(1), m.group(2), m.group(3));
    }
    if ((m = POOL_OPERATION.matcher(path)).matches() && "GET".equals(method)) {
      return state.getOperation(m.group(1), m.group(2));
    }
    if ((m = PROVIDERS.matcher(path)).matches()) {
      return switch (method) {
        case "GET" ->
            state.listProviders(
                m.group(1),
                m.group(2),
                m.group(3),
                bool(query, "showDeleted"),
                integer(query, "pageSize"),
                query.get("pageToken"));
        case "POST" ->
            state.createProvider(
                m.group(1),
                m.group(2),
                m.group(3),
                query.get("workloadIdentityPoolProviderId"),
                object(body));
        default -> throw methodNotFound();
      };
    }
    if ((m = PROVIDER.matcher(path)).matches()) {
      return switch (method) {
        case "GET" -> state.getProvider(m.group(1), m.group(2), m.group(3), m.group(4));
        case "PATCH" ->
            state.patchProvider(
                m.group(1),
                m.group(2),
                m.group(3),
                m.group(4),
                object(body),
                query.get("updateMask"));
        case "DELETE" -> state.deleteProvider(m.group(1), m.group(2), m.group(3), m.group(4));
        default -> throw methodNotFound();
      };
    }
    if ((m = PROVIDER_UNDELETE.matcher(path)).matches() && "POST".equals(method)) {
      object(body);
      return state.undeleteProvider(m.group(1), m.group(2), m.group(3), m.group(4));
    }
    if ((m = PROVIDER_OPERATION.matcher(path)).matches() && "GET".equals(method)) {
      return state.getOperation(m.group(1), m.group(2));
    }
    if ((m = SERVICE_ACCOUNTS.matcher(path)).matches() && "GET".equals(method)) {
      return state.listServiceAccounts(
          m.group(1), integer(query, "pageSize"), query.get("pageToken"));
    }
    if ((m = SERVICE_ACCOUNT_IAM.matcher(path)).matches() && "POST".equals(method)) {
      if ("getIamPolicy".equals(m.group(3))) {
        Integer version = integer(query, "options.requestedPolicyVersion");
        if (version == null && !body.isBlank()) {
          JsonNode options = object(body).path("options").path("requestedPolicyVersion");
          version = options.isMissingNode() ? null : options.asInt();
        }
        return state.getIamPolicy(m.group(1), m.group(2), version);
      }
      return state.setIamPolicy(m.group(1), m.group(2), object(body));
    }
    throw new ApiError(ApiError.Code.NOT_FOUND, "Method not found: " + method + " v1/" + path);
  }

  private static ApiError methodNotFound() {
    return new ApiError(ApiError.Code.NOT_FOUND, "Method not found.");
  }

  private static ObjectNode object(String body) {
    if (body.isBlank()) {
      return MAPPER.createObjectNode();
    }
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node instanceof ObjectNode object) {
        return object;
      }
    } catch (JsonProcessingException e) {
      // answered below, as Google does, without the parser's details
    }
    throw ApiError.invalid("Invalid JSON payload received.");
  }

  private static Boolean bool(Map<String, String> query, String name) {
    return Boolean.parseBoolean(query.getOrDefault(name, "false"));
  }

  private static Integer integer(Map<String, String> query, String name) {
    String value = query.get(name);
    if (value == null) {
      return null;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw ApiError.invalid("Invalid value at '" + name + "' (TYPE_INT32), \"" + value + "\"");
    }
  }

  static ObjectNode errorJson(ApiError error) {
    ObjectNode json = MAPPER.createObjectNode();
    json.putObject("error")
        .put("code", error.code().http())
        .put("message", error.getMessage())
        .put("status", error.code().name());
    return json;
  }

  private static String readBody(InputStream in, boolean gzipped) throws IOException {
    byte[] raw = in.readAllBytes();
    if (!gzipped || raw.length == 0) {
      return new String(raw, StandardCharsets.UTF_8);
    }
    try (InputStream unzip = new GZIPInputStream(new ByteArrayInputStream(raw))) {
      return new String(unzip.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw ApiError.invalid("The request body is not valid gzip.");
    }
  }

  private static Map<String, String> parseQuery(String rawQuery) {
    Map<String, String> query = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return query;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      query.put(decode(key.replace('+', ' ')), decode(value.replace('+', ' ')));
    }
    return query;
  }

  /** Percent-decoding without the '+' rule, which is for query strings only. */
  private static String decode(String value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '%' && i + 2 < value.length()) {
        try {
          out.write(Integer.parseInt(value.substring(i + 1, i + 3), 16));
          i += 2;
          continue;
        } catch (NumberFormatException e) {
          throw ApiError.invalid("Invalid percent-encoding in the URL.");
        }
      }
      byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
      out.write(bytes, 0, bytes.length);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  // ----------------------------------------------------------------------------------- builder

  /** Configures and starts a fake. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port;
    private String token;
    private int pollsUntilDone = 2;
    private Duration completeAfter = Duration.ofSeconds(1);
    private Clock clock = Clock.systemUTC();
    private boolean verbose;
    private final Map<String, String> projects = new LinkedHashMap<>();
    private final List<String> serviceAccounts = new ArrayList<>();

    private Builder() {}

    /** Loopback by default; 0.0.0.0 to serve other hosts. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** 0 (the default) picks a free port. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The bearer token every request must carry. */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /** Polls of an operation until it is done; 0 answers with done operations. Default 2. */
    public Builder pollsUntilDone(int polls) {
      this.pollsUntilDone = polls;
      return this;
    }

    /** After how long an operation is done even if nobody polls it. Default 1 s. */
    public Builder completeAfter(Duration completeAfter) {
      this.completeAfter = completeAfter;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Logs every request to stderr. */
    public Builder verbose(boolean verbose) {
      this.verbose = verbose;
      return this;
    }

    public Builder project(String projectId, String projectNumber) {
      projects.put(projectId, projectNumber);
      return this;
    }

    public Builder serviceAccount(String email) {
      serviceAccounts.add(email);
      return this;
    }

    public FakeGcpIam start() {
      try {
        return new FakeGcpIam(this);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
