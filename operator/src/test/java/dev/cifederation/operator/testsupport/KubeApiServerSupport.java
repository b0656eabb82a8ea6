package dev.cifederation.operator.testsupport;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfig;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real kube-apiserver + etcd per test JVM (fabric8 kube-api-test, offline), shared by every
 * {@code *IT}: started on first use, with the project's CRDs from {@code <repo>/crds} installed and
 * Established, and stopped by a shutdown hook.
 *
 * <p>Binaries come from {@code $KUBE_API_TEST_DIR} (default {@code ~/.kubeapitest}) under {@code
 * k8s/<version>-linux-amd64}, built by {@code hack/build-control-plane.sh}; the version is the
 * system property {@code cifed.kube.version} that failsafe passes. Configuration goes through the
 * builder only: kube-api-test 7.5.x casts its {@code KUBE_API_TEST_*} boolean and integer
 * environment variables to the wrong type (ClassCastException).
 *
 * <p>kube-api-test starts etcd and the API server only; a kube-controller-manager from the same
 * build runs beside them ({@link ControllerManager}) with the namespace and garbage-collector
 * controllers, so deleted namespaces finalize and ownerReferences are collected as in a real
 * cluster. Tests still work in fresh namespaces ({@link #createNamespace(String)}).
 */
public final class KubeApiServerSupport {

  /** Field manager of every write the tests make. */
  public static final String FIELD_MANAGER = "cifed-tests";

  private static final Logger LOG = LoggerFactory.getLogger(KubeApiServerSupport.class);

  /** Two shared cores and a cold etcd: the library's 60 s default is not enough. */
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(240);

  /**
   * The field manager java-operator-sdk's LocallyRunOperatorExtension applies CRDs with (fabric8's
   * default), so that its re-apply of the same CRDs in operator tests is not a field-manager
   * conflict.
   */
  private static final String CRD_FIELD_MANAGER = "fabric8";

  private static final Duration CRD_TIMEOUT = Duration.ofSeconds(60);
  private static final String CRD_GROUP_VERSION = "cifederation.dev/v1alpha1";

  private static KubeApiServerSupport shared;
  private static RuntimeException startFailure;

  private final KubeAPIServer server;
  private final Path binaries;
  private final Path workDir;
  private final Path repoRoot;
  private final String kubeconfigYaml;
  private final Path kubeconfigPath;
  private final KubernetesClient client;
  private ControllerManager controllerManager;

  private KubeApiServerSupport(
      KubeAPIServer server, Path binaries, Path workDir, Path repoRoot, String kubeconfigYaml) {
    this.server = server;
    this.binaries = binaries;
    this.workDir = workDir;
    this.repoRoot = repoRoot;
    this.kubeconfigYaml = kubeconfigYaml;
    this.kubeconfigPath = workDir.resolve("kubeconfig.yaml");
    try {
      Files.writeString(kubeconfigPath, kubeconfigYaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.client = newClient();
  }

  /**
   * The API server of this JVM, started (and the CRDs installed) on the first call. Thread-safe;
   * later calls return the same instance.
   */
  public static synchronized KubeApiServerSupport shared() {
    if (startFailure != null) {
      // do not make every test class wait for another failed start-up
      throw new IllegalStateException("kube-apiserver failed to start earlier", startFailure);
    }
    if (shared == null) {
      KubeApiServerSupport started;
      try {
        started = start();
      } catch (RuntimeException e) {
        startFailure = e;
        throw e;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "kube-apiserver-shutdown"));
      shared = started;
    }
    return shared;
  }

  /** A client for the test's own use; shared, do not close it. */
  public KubernetesClient client() {
    return client;
  }

  /** A new client on the same server (e.g. for an operator under test); the caller closes it. */
  public KubernetesClient newClient() {
    return new KubernetesClientBuilder().withConfig(clientConfig()).build();
  }

  /** A fresh client configuration for this server (admin, client-certificate auth). */
  public Config clientConfig() {
    Config config = Config.fromKubeconfig(kubeconfigYaml);
    config.setRequestTimeout((int) Duration.ofSeconds(30).toMillis());
    return config;
  }

  /** The kubeconfig of this server (absolute certificate paths), as YAML. */
  public String kubeconfigYaml() {
    return kubeconfigYaml;
  }

  /** The kubeconfig of this server, written to a file that lives as long as the server. */
  public Path kubeconfigPath() {
    return kubeconfigPath;
  }

  /** The repository root (holds {@code crds/}, {@code examples/}). */
  public Path repoRoot() {
    return repoRoot;
  }

  /**
   * Runs the kubectl that matches the server against it, e.g. {@code kubectl("explain",
   * "cifi.spec")}; returns the exit code and the combined output.
   */
  public KubectlResult kubectl(String... args) {
    List<String> command = new ArrayList<>();
    command.add(binaries.resolve("kubectl").toString());
    command.add("--kubeconfig=" + kubeconfigPath);
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("kubectl timed out: " + command);
      }
      return new KubectlResult(process.exitValue(), output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** What a kubectl run printed (stdout and stderr together) and how it exited. */
  public record KubectlResult(int exitCode, String output) {}

  /** Creates a namespace with a unique name starting with {@code prefix} and returns its name. */
  public String createNamespace(String prefix) {
    String name =
        prefix.toLowerCase(Locale.ROOT)
            + "-"
            + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36), 36);
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  // ---------------------------------------------------------------------------------------------

  private static KubeApiServerSupport start() {
    Path repoRoot = Repository.root();
    Path binariesDir =
        Path.of(
            Optional.ofNullable(System.getenv(KubeAPIServerConfigBuilder.KUBE_API_TEST_DIR))
                .orElse(
                    Path.of(
                            System.getProperty("user.home"),
                            KubeAPIServerConfigBuilder.DIRECTORY_NAME)
                        .toString()));
    String version = System.getProperty("cifed.kube.version");
    Path binaries = findBinaries(binariesDir, version);

    Instant begin = Instant.now();
    Started started = startWithOneRetry(binariesDir, version);
    KubeApiServerSupport support =
        new KubeApiServerSupport(
            started.server(),
            binaries,
            started.workDir(),
            repoRoot,
            started.server().getKubeConfigYaml());
    LOG.info(
        "kube-apiserver {} ready after {} s (work dir {})",
        version,
        Duration.between(begin, Instant.now()).toSeconds(),
        started.workDir());
    try {
      support.installCrds();
    } catch (RuntimeException e) {
      support.stop();
      throw e;
    }
    LOG.info("CRDs installed after {} s", Duration.between(begin, Instant.now()).toSeconds());
    try {
      support.controllerManager =
          ControllerManager.start(
              binaries.resolve("kube-controller-manager"),
              support.kubeconfigPath,
              serviceAccountSigningKey(),
              started.workDir(),
              Path.of("target", "kube-controller-manager.log"));
    } catch (RuntimeException e) {
      support.stop();
      throw e;
    }
    LOG.info(
        "kube-controller-manager running after {} s",
        Duration.between(begin, Instant.now()).toSeconds());
    return support;
  }

  private record Started(KubeAPIServer server, Path workDir) {}

  /**
   * kube-api-test 7.5.x draws etcd's client and peer ports at random without reserving them, so
   * they can collide (fixed upstream in 7.8.0); one retry with fresh ports makes that harmless.
   */
  private static Started startWithOneRetry(Path binariesDir, String version) {
    for (int attempt = 1; ; attempt++) {
      Path workDir = createWorkDir(binariesDir);
      KubeAPIServer server = new KubeAPIServer(config(workDir, version));
      try {
        startOrAbandon(server);
        return new Started(server, workDir);
      } catch (RuntimeException e) {
        deleteWorkDir(workDir);
        if (attempt == 2) {
          throw e;
        }
        LOG.warn("kube-apiserver start attempt {} failed, retrying: {}", attempt, e.toString());
      }
    }
  }

  private static KubeAPIServerConfig config(Path workDir, String version) {
    KubeAPIServerConfigBuilder builder =
        KubeAPIServerConfigBuilder.anAPIServerConfig()
            .withTestDir(workDir.toString())
            .withOfflineMode(true)
            .withStartupTimeout((int) STARTUP_TIMEOUT.toMillis())
            // start the API server only once etcd answers: then etcd already holds its port when
            // the API server's port is drawn, so the two cannot collide
            .withWaitForEtcdHealthCheckOnStartup(true)
            .withUpdateKubeConfig(false)
            // without these the API server binds to all interfaces and advertises the host's
            // first non-loopback address, which on a CI machine may not route back to it
            .withApiServerFlag("--bind-address", "127.0.0.1")
            .withApiServerFlag("--advertise-address", "127.0.0.1");
    // kube-api-test already passes the service-account flags (issuer, signing and verification
    // key = its generated apiserver.key), which kube-apiserver requires since 1.20; nothing to add.
    if (version != null && !version.isBlank()) {
      builder.withApiServerVersion(version);
    }
    return builder.build();
  }

  /**
   * Starts the server in a helper thread and watches the JVM's etcd and kube-apiserver child
   * processes meanwhile: when one of them exits during start-up (e.g. a port collision), the start
   * is abandoned at once instead of polling /readyz until the start-up timeout.
   */
  private static void startOrAbandon(KubeAPIServer server) {
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "kube-apiserver-start");
              t.setDaemon(true);
              return t;
            });
    try {
      Future<?> start = executor.submit(server::start);
      Map<Long, ProcessHandle> seen = new HashMap<>();
      while (true) {
        try {
          start.get(250, TimeUnit.MILLISECONDS);
          return;
        } catch (TimeoutException stillStarting) {
          ProcessHandle.current()
              .children()
              .filter(p -> isControlPlane(p))
              .forEach(p -> seen.putIfAbsent(p.pid(), p));
          Optional<ProcessHandle> died =
              seen.values().stream().filter(p -> !p.isAlive()).findFirst();
          if (died.isPresent()) {
            start.cancel(true);
            stopQuietly(server);
            throw new IllegalStateException(
                "control-plane process "
                    + died.get().pid()
                    + " exited during start-up; see target/kube-apiserver.log");
          }
        } catch (ExecutionException e) {
          stopQuietly(server);
          throw new IllegalStateException("kube-apiserver did not start", e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          start.cancel(true);
          stopQuietly(server);
          throw new IllegalStateException("interrupted while starting kube-apiserver", e);
        }
      }
    } finally {
      executor.shutdownNow();
    }
  }

  private static void stopQuietly(KubeAPIServer server) {
    try {
      server.stop();
    } catch (RuntimeException e) {
      // e.g. etcd never started: nothing to clean up
      LOG.debug("stopping a failed kube-apiserver: {}", e.toString());
    }
  }

  private static boolean isControlPlane(ProcessHandle process) {
    String command = process.info().command().orElse("");
    return command.endsWith("/etcd") || command.endsWith("/kube-apiserver");
  }

  private void installCrds() {
    List<Path> files;
    try (Stream<Path> list = Files.list(repoRoot.resolve("crds"))) {
      files = list.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (files.isEmpty()) {
      throw new IllegalStateException("no CRDs under " + repoRoot.resolve("crds"));
    }
    List<CustomResourceDefinition> crds = new ArrayList<>();
    for (Path file : files) {
      CustomResourceDefinition crd =
          client.apiextensions().v1().customResourceDefinitions().load(file.toFile()).item();
      try {
        crds.add(
            client
                .resource(crd)
                .fieldManager(CRD_FIELD_MANAGER)
                .forceConflicts()
                .serverSideApply());
      } catch (KubernetesClientException e) {
        // the API server compiles every CEL rule and estimates its cost here: say which file
        throw new IllegalStateException(
            "the API server rejected " + repoRoot.relativize(file) + ": " + e.getMessage(), e);
      }
    }
    for (CustomResourceDefinition crd : crds) {
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .withName(crd.getMetadata().getName())
          .waitUntilCondition(
              c ->
                  c != null
                      && c.getStatus() != null
                      && c.getStatus().getConditions().stream()
                          .anyMatch(
                              cond ->
                                  "Established".equals(cond.getType())
                                      && "True".equals(cond.getStatus())),
              CRD_TIMEOUT.toSeconds(),
              TimeUnit.SECONDS);
    }
    // Established does not mean discovery has caught up; generic clients resolve kinds through it
    Set<String> plurals =
        crds.stream().map(c -> c.getSpec().getNames().getPlural()).collect(Collectors.toSet());
    Instant deadline = Instant.now().plus(CRD_TIMEOUT);
    while (!servedPlurals().containsAll(plurals)) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("discovery does not list " + plurals);
      }
      sleep(Duration.ofMillis(200));
    }
  }

  private Set<String> servedPlurals() {
    try {
      APIResourceList resources = client.getApiResources(CRD_GROUP_VERSION);
      return resources == null
          ? Set.of()
          : resources.getResources().stream().map(APIResource::getName).collect(Collectors.toSet());
    } catch (KubernetesClientException e) {
      return Set.of();
    }
  }

  /**
   * The key the API server signs service-account tokens with, read from its command line:
   * kube-api-test generates it, and the controller-manager's token controller must sign with the
   * same key for the API server to accept what it issues.
   */
  private static Path serviceAccountSigningKey() {
    String flag = "--service-account-signing-key-file";
    return ProcessHandle.current()
        .descendants()
        .filter(p -> p.info().command().orElse("").endsWith("/kube-apiserver"))
        .map(p -> List.of(p.info().arguments().orElse(new String[0])))
        .flatMap(
            args ->
                // kube-api-test passes "--flag value"; "--flag=value" is the other spelling
                java.util.stream.IntStream.range(0, args.size())
                    .mapToObj(
                        i ->
                            args.get(i).equals(flag) && i + 1 < args.size()
                                ? args.get(i + 1)
                                : args.get(i).startsWith(flag + "=")
                                    ? args.get(i).substring(flag.length() + 1)
                                    : null)
                    .filter(java.util.Objects::nonNull))
        .map(Path::of)
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "cannot read --service-account-signing-key-file from the kube-apiserver"
                        + " process of this JVM"));
  }

  private void stop() {
    if (controllerManager != null) {
      controllerManager.stop();
    }
    try {
      client.close();
    } finally {
      server.stop();
      deleteWorkDir(workDir);
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** The directory with etcd, kube-apiserver and kubectl of {@code version} (or the newest). */
  private static Path findBinaries(Path binariesDir, String version) {
    Path k8s = binariesDir.resolve("k8s");
    try (Stream<Path> dirs = Files.isDirectory(k8s) ? Files.list(k8s) : Stream.empty()) {
      return dirs.filter(
              d ->
                  (version == null || d.getFileName().toString().startsWith(version + "-"))
                      && Files.isExecutable(d.resolve("etcd"))
                      && Files.isExecutable(d.resolve("kube-apiserver"))
                      && Files.isExecutable(d.resolve("kubectl")))
          .max(Comparator.naturalOrder())
          .orElseThrow(
              () ->
                  new IllegalStateException(
                      "no etcd/kube-apiserver/kubectl "
                          + (version == null ? "" : version + " ")
                          + "under "
                          + k8s
                          + "; build them with hack/build-control-plane.sh"
                          + " (offline mode downloads nothing)"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A private kube-api-test directory per server: kube-api-test writes its certificates and the API
   * server's --cert-dir there, so concurrent test JVMs on one machine cannot overwrite each other's
   * keys. The binaries are shared through a symbolic link.
   */
  private static Path createWorkDir(Path binariesDir) {
    try {
      Path dir = Files.createTempDirectory("cifed-kubeapitest-");
      Files.createSymbolicLink(dir.resolve("k8s"), binariesDir.resolve("k8s").toAbsolutePath());
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteWorkDir(Path dir) {
    // Files.walk does not follow the k8s link: the link is deleted, the shared binaries are not
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("could not delete {}: {}", dir, e.toString());
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
