package dev.cifederation.fakes.azure;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A local fake of Azure Resource Manager for the subset the operator uses: user-assigned managed
 * identities, their federated identity credentials, built-in role definitions and role assignments.
 * Embeddable (port 0, {@link #baseUrl()}, {@link #state()}, {@link #faults()}, {@link #requests()})
 * and runnable: {@code java -jar fake-azure-arm.jar --port 8443 --token t --https}.
 */
public final class FakeAzureArm implements AutoCloseable {

  /** The example subscription and group of {@code examples/}, seeded when none is given. */
  public static final String EXAMPLE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

  public static final String EXAMPLE_RESOURCE_GROUP = "my-rg";

  /**
   * How the fake runs.
   *
   * @param principalReplicationDelay how long a new identity's principal is unknown to role
   *     assignments that omit {@code principalType}
   * @param credentialWriteLatency how long a credential write takes (overlapping writes on one
   *     identity fail with 409)
   * @param pageSize items per list page before {@code nextLink}
   */
  public record Options(
      String bindAddress,
      int port,
      String token,
      boolean https,
      String tenantId,
      Duration principalReplicationDelay,
      Duration credentialWriteLatency,
      int pageSize,
      Clock clock,
      Consumer<String> log) {

    public Options {
      Objects.requireNonNull(token, "token");
      if (token.isBlank()) {
        throw new IllegalArgumentException("the bearer token must not be blank");
      }
    }

    /** Loopback, a free port, plain HTTP, no replication delay or write latency. */
    public static Options defaults(String token) {
      return new Options(
          "127.0.0.1",
          0,
          token,
          false,
          "72f988bf-86f1-41af-91ab-2d7cd011db47",
          Duration.ZERO,
          Duration.ZERO,
          100,
          Clock.systemUTC(),
          line -> {});
    }

    public Options withPort(int port) {
      return new Options(
          bindAddress,
          port,
          token,
          https,
          tenantId,
          principalReplicationDelay,
          credentialWriteLatency,
          pageSize,
          clock,
          log);
    }

    public Options withHttps(boolean https) {
      return new Options(
          bindAddress,
          port,
          token,
          https,
          tenantId,
          principalReplicationDelay,
          credentialWriteLatency,
          pageSize,
          clock,
          log);
    }

    public Options withTenantId(String tenantId) {
      return new Options(
          bindAddress,
          port,
          token,
          https,
          tenantId,
          principalReplicationDelay,
          credentialWriteLatency,
          pageSize,
          clock,
          log);
    }

    public Options withPrincipalReplicationDelay(Duration delay) {
      return new Options(
          bindAddress,
          port,
          token,
          https,
          tenantId,
          delay,
          credentialWriteLatency,
          pageSize,
          clock,
          log);
    }

    public Options withCredentialWriteLatency(Duration latency) {
      return new Options(
          bindAddress,
          port,
          token,
          https,
          tenantId,
          principalReplicationDelay,
          latency,
          pageSize,
          clock,
          log);
    }

    public Options withPageSize(int pageSize) {
      return new Options(
          bindAddress,
          port,
          token,
          https,
          tenantId,
          principalReplicationDelay,
          credentialWriteLatency,
          pageSize,
          clock,
          log);
    }

    public Options withBindAddress(String bindAddress) {
      return new Options(
          bindAddress,
          port,
          token,
          https,
          tenantId,
          principalReplicationDelay,
          credentialWriteLatency,
          pageSize,
          clock,
          log);
    }

    public Options withLog(Consumer<String> log) {
      return new Options(
          bindAddress,
          port,
          token,
          https,
          tenantId,
          principalReplicationDelay,
          credentialWriteLatency,
          pageSize,
          clock,
          log);
    }
  }

  private final Options options;
  private final HttpServer server;
  private final ExecutorService executor;
  private final ArmState state;
  private final Faults faults = new Faults();
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final SelfSignedCertificate certificate;

  private FakeAzureArm(Options options) throws IOException {
    this.options = options;
    this.state =
        new ArmState(
            options.tenantId(),
            options.clock(),
            options.principalReplicationDelay(),
            options.credentialWriteLatency());
    InetSocketAddress address =
        new InetSocketAddress(InetAddress.getByName(options.bindAddress()), options.port());
    if (options.https()) {
      certificate = SelfSignedCertificate.generate("fake-azure-arm", Duration.ofDays(30));
      HttpsServer https = HttpsServer.create(address, 0);
      https.setHttpsConfigurator(new HttpsConfigurator(certificate.serverContext()));
      server = https;
    } else {
      certificate = null;
      server = HttpServer.create(address, 0);
    }
    AtomicInteger threads = new AtomicInteger();
    // Several threads, so that concurrent writes really overlap as they do against ARM.
    executor =
        Executors.newFixedThreadPool(
            16,
            r -> {
              Thread t = new Thread(r, "fake-azure-arm-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext(
        "/",
        new ArmHandler(
            state,
            faults,
            options.token(),
            this::baseUrl,
            options.pageSize(),
            request -> {
              requests.add(request);
              options
                  .log()
                  .accept(request.status() + " " + request.method() + " " + request.path());
            }));
  }

  /** Starts a fake; stop it with {@link #close()}. */
  public static FakeAzureArm start(Options options) {
    try {
      FakeAzureArm fake = new FakeAzureArm(options);
      fake.server.start();
      return fake;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the fake ARM on port " + options.port(), e);
    }
  }

  /** {@code http(s)://127.0.0.1:PORT}, without a trailing slash. */
  public String baseUrl() {
    return (options.https() ? "https" : "http")
        + "://"
        + server.getAddress().getAddress().getHostAddress()
        + ":"
        + port();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String token() {
    return options.token();
  }

  public String tenantId() {
    return options.tenantId();
  }

  /** The state, for assertions and out-of-band edits. */
  public ArmState state() {
    return state;
  }

  /** Scripted failures (429, 5xx…) and hooks. */
  public Faults faults() {
    return faults;
  }

  /** The self-signed certificate in PEM form, when serving HTTPS. */
  public Optional<String> certificatePem() {
    return Optional.ofNullable(certificate).map(SelfSignedCertificate::pem);
  }

  /** Every request answered so far, in order. */
  public List<RecordedRequest> requests() {
    return new ArrayList<>(requests);
  }

  /** How many PUT, PATCH, POST and DELETE requests were answered so far, whatever the status. */
  public long writes() {
    return requests.stream().filter(RecordedRequest::isWrite).count();
  }

  /** Forgets the recorded requests. */
  public void clearRequests() {
    requests.clear();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ----------------------------------------------------------------------------------- main

  /**
   * {@code --token T} (required), {@code --port N} (default 0: any free port), {@code --https}
   * (self-signed certificate; {@code --cert-out FILE} writes its PEM), {@code --tenant ID}, {@code
   * --bind ADDRESS} (default 127.0.0.1), {@code --resource-group SUBSCRIPTION/GROUP} (repeatable;
   * default the examples' {@value #EXAMPLE_SUBSCRIPTION}/{@value #EXAMPLE_RESOURCE_GROUP}), {@code
   * --credential-write-latency-ms N} (default 100), {@code --principal-replication-delay-ms N}
   * (default 5000), {@code --quiet}.
   */
  public static void main(String[] args) throws InterruptedException, IOException {
    Options options = Options.defaults("unset");
    String token = null;
    Path certOut = null;
    List<String> groups = new ArrayList<>();
    boolean quiet = false;
    options =
        options
            .withCredentialWriteLatency(Duration.ofMillis(100))
            .withPrincipalReplicationDelay(Duration.ofSeconds(5));
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--port" -> options = options.withPort(Integer.parseInt(value(args, ++i, arg)));
        case "--token" -> token = value(args, ++i, arg);
        case "--https" -> options = options.withHttps(true);
        case "--tenant" -> options = options.withTenantId(value(args, ++i, arg));
        case "--bind" -> options = options.withBindAddress(value(args, ++i, arg));
        case "--cert-out" -> certOut = Path.of(value(args, ++i, arg));
        case "--resource-group" -> groups.add(value(args, ++i, arg));
        case "--credential-write-latency-ms" ->
            options =
                options.withCredentialWriteLatency(
                    Duration.ofMillis(Long.parseLong(value(args, ++i, arg))));
        case "--principal-replication-delay-ms" ->
            options =
                options.withPrincipalReplicationDelay(
                    Duration.ofMillis(Long.parseLong(value(args, ++i, arg))));
        case "--quiet" -> quiet = true;
        default -> usage("unknown argument " + arg);
      }
    }
    if (token == null) {
      usage("--token is required");
    }
    options =
        new Options(
            options.bindAddress(),
            options.port(),
            token,
            options.https(),
            options.tenantId(),
            options.principalReplicationDelay(),
            options.credentialWriteLatency(),
            options.pageSize(),
            options.clock(),
            quiet ? line -> {} : System.out::println);
    FakeAzureArm fake = start(options);
    if (groups.isEmpty()) {
      groups.add(EXAMPLE_SUBSCRIPTION + "/" + EXAMPLE_RESOURCE_GROUP);
    }
    for (String group : groups) {
      String[] parts = group.split("/", 2);
      if (parts.length != 2) {
        usage("--resource-group takes SUBSCRIPTION/GROUP, not " + group);
      }
      fake.state().addResourceGroup(parts[0], parts[1]);
    }
    if (certOut != null) {
      if (fake.certificatePem().isEmpty()) {
        usage("--cert-out needs --https");
      }
      Files.writeString(certOut, fake.certificatePem().get());
    }
    System.out.println(
        "fake-azure-arm listening on "
            + fake.baseUrl()
            + " (tenant "
            + fake.tenantId()
            + ", resource groups "
            + groups
            + (certOut == null ? "" : ", certificate " + certOut)
            + ")");
    System.out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  fake.close();
                  stopped.countDown();
                }));
    stopped.await();
  }

  private static String value(String[] args, int index, String flag) {
    if (index >= args.length) {
      usage(flag + " needs a value");
    }
    return args[index];
  }

  private static void usage(String problem) {
    System.err.println(
        "fake-azure-arm: "
            + problem
            + "\nusage: java -jar fake-azure-arm.jar --token T [--port N] [--https [--cert-out FILE]]"
            + " [--tenant ID] [--bind ADDRESS] [--resource-group SUBSCRIPTION/GROUP]..."
            + " [--credential-write-latency-ms N] [--principal-replication-delay-ms N] [--quiet]");
    System.exit(2);
  }
}
