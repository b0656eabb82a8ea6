package dev.cifederation.bench;

import dev.cifederation.bench.CloudInvariants.Expected;
import dev.cifederation.bench.FaultProxy.Fault;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * {@code make soak}: N identities on AWS, GCP and Azure (moto and the fakes, each behind a {@link
 * FaultProxy}), created, updated twice, put through fault bursts and a one-cloud outage, handed
 * over between two leader-elected operators, and deleted — with the operator jar SIGKILLed at
 * seeded random instants in every phase and the API server killed and restarted once. After each
 * phase {@link CloudInvariants} reads every cloud. A failed invariant fails the run; the figures go
 * into the result.
 */
final class SoakRun {

  record Settings(
      int identities,
      long seed,
      Path repoRoot,
      Path jars,
      Path kubeconfig,
      Path clusterDir,
      Path workDir,
      String moto,
      String javaOptions,
      int resyncSeconds,
      Duration outage,
      Duration readyTimeout) {}

  private static final Expected CREATED = new Expected("production", "bench-artifacts", "Reader");
  private static final Expected UPDATED =
      new Expected("staging", "bench-artifacts-v2", "Contributor");
  private static final Expected UNDER_FAULTS =
      new Expected("production", "bench-artifacts-v3", "Reader");
  private static final Expected DURING_OUTAGE =
      new Expected("release", "bench-artifacts-v4", "Reader");
  private static final Expected HANDED_OVER =
      new Expected("production", "bench-artifacts-v5", "Reader");
  private static final String LEASE = "cifed-soak";

  private final Settings s;
  private final Workload workload;
  private final Random random;
  private final Map<String, Object> result = new LinkedHashMap<>();
  private final List<Map<String, Object>> phases = new ArrayList<>();
  private final List<Map<String, Object>> kills = new ArrayList<>();
  private KubernetesClient client;
  private Emulators clouds;
  private List<FaultProxy> proxies;
  private FaultProxy aws;
  private FaultProxy gcp;
  private FaultProxy azure;
  private OperatorProcess operator;
  private int operatorStarts;
  private String phase = "setup";

  SoakRun(Settings settings) {
    this.s = settings;
    this.workload = new Workload(settings.identities(), Set.of("aws", "gcp", "azure"));
    this.random = new Random(settings.seed());
  }

  Map<String, Object> run() throws Exception {
    System.out.println("[soak] seed " + s.seed() + " (replay: SEED=" + s.seed() + ")");
    result.put(
        "run",
        new LinkedHashMap<>(
            Map.of(
                "identities", s.identities(),
                "seed", s.seed(),
                "resyncSeconds", s.resyncSeconds(),
                "outageSeconds", s.outage().toSeconds(),
                "machine", Machine.describe())));
    Config config = Config.fromKubeconfig(Files.readString(s.kubeconfig()));
    config.setRequestTimeout(30_000);
    try (Cluster cluster = new Cluster(s.kubeconfig());
        KubernetesClient kube = new KubernetesClientBuilder().withConfig(config).build()) {
      client = kube;
      cluster.install(s.repoRoot());
      // Azure on plain HTTP: the fault proxy reads and answers requests, which TLS would hide
      clouds = Emulators.start(workload, s.jars(), s.moto(), s.workDir(), "soak", false);
      try (CloudClients direct = new CloudClients(clouds, workload)) {
        aws =
            new FaultProxy(
                "aws",
                FaultProxy.Dialect.AWS,
                URI.create(clouds.awsEndpoint()),
                null,
                s.seed() + 1);
        gcp =
            new FaultProxy(
                "gcp",
                FaultProxy.Dialect.GCP,
                URI.create(clouds.gcpEndpoint()),
                null,
                s.seed() + 2);
        azure =
            new FaultProxy(
                "azure",
                FaultProxy.Dialect.AZURE,
                URI.create(clouds.azureEndpoint()),
                clouds.azureCa(),
                s.seed() + 3);
        proxies = List.of(aws, gcp, azure);
        CloudInvariants invariants = new CloudInvariants(direct);
        invariants.createBystanders();
        try {
          create(invariants);
          update(invariants);
          faultBursts(invariants);
          outage(invariants);
          failover(invariants);
          delete(invariants);
        } finally {
          if (operator != null) {
            operator.close();
          }
          proxies.forEach(FaultProxy::close);
          clouds.close();
        }
      }
    }
    result.put("phases", phases);
    result.put("kills", kills);
    Map<String, Object> faults = new TreeMap<>();
    for (FaultProxy p : proxies) {
      Map<String, Long> byFault = new TreeMap<>();
      for (Fault f : List.of(Fault.THROTTLE, Fault.UNAVAILABLE, Fault.RESET)) {
        byFault.put(f.name().toLowerCase(), p.injected(f));
      }
      faults.put(p.name(), byFault);
    }
    result.put("faultsInjected", faults);
    result.put(
        "objectsChecked", phases.stream().mapToInt(p -> (Integer) p.get("objectsChecked")).sum());
    result.put(
        "maxSecondsToReadyAfterLastFault",
        phases.stream()
            .filter(p -> p.containsKey("secondsToReadyAfterLastFault"))
            .mapToDouble(p -> (Double) p.get("secondsToReadyAfterLastFault"))
            .max()
            .orElse(0));
    return result;
  }

  // ------------------------------------------------------------------------------ the phases

  private void create(CloudInvariants invariants) throws Exception {
    phase = "create";
    Map<String, Object> p = begin();
    startOperator(Map.of());
    Future<?> applying = background(() -> applyAll(CREATED));
    long lastFault = killsDuring(4, Duration.ofSeconds(2), Duration.ofSeconds(8));
    applying.get();
    finish(p, invariants, allIdentities(), CREATED, lastFault);
  }

  private void update(CloudInvariants invariants) throws Exception {
    phase = "update";
    Map<String, Object> p = begin();
    Future<?> applying = background(() -> applyAll(UPDATED));
    long lastFault = killsDuring(1, Duration.ofSeconds(1), Duration.ofSeconds(4));
    Duration down =
        new ApiServerProcess(s.clusterDir()).killAndRestart(client, Duration.ofMinutes(3));
    p.put("apiServerRestartSeconds", seconds(down));
    System.out.println("[soak] kube-apiserver killed and back after " + seconds(down) + " s");
    lastFault = Math.max(lastFault, killsDuring(2, Duration.ofSeconds(1), Duration.ofSeconds(5)));
    lastFault = Math.max(lastFault, System.nanoTime());
    applying.get();
    finish(p, invariants, allIdentities(), UPDATED, lastFault);
  }

  private void faultBursts(CloudInvariants invariants) throws Exception {
    phase = "fault-bursts";
    Map<String, Object> p = begin();
    aws.inject(Fault.THROTTLE, 0.3, Duration.ofSeconds(2));
    gcp.inject(Fault.UNAVAILABLE, 0.3, Duration.ZERO);
    azure.inject(Fault.RESET, 0.2, Duration.ZERO);
    Future<?> applying = background(() -> applyAll(UNDER_FAULTS));
    killsDuring(1, Duration.ofSeconds(3), Duration.ofSeconds(8));
    ChildProcess.sleep(Duration.ofSeconds(20));
    proxies.forEach(FaultProxy::heal);
    long lastFault = System.nanoTime();
    applying.get();
    finish(p, invariants, allIdentities(), UNDER_FAULTS, lastFault);
  }

  /**
   * Azure answers 503 to everything for the outage: what reaches it is counted at the proxy, the
   * other clouds must converge meanwhile, and Azure's status must say Transient or Throttled.
   */
  private void outage(CloudInvariants invariants) throws Exception {
    phase = "outage";
    Map<String, Object> p = begin();
    long before = azure.requests();
    long start = System.nanoTime();
    azure.inject(Fault.UNAVAILABLE, 1.0, Duration.ZERO);
    applyAll(DURING_OUTAGE);
    killsDuring(1, Duration.ofSeconds(5), Duration.ofSeconds(15));
    // the healthy clouds converge while Azure is down, read from the clouds
    boolean healthyConverged = false;
    Map<String, Long> azureReasons = Map.of();
    while (System.nanoTime() - start < s.outage().toNanos()) {
      azureReasons = conditionReasons("AzureReady");
      if (!healthyConverged) {
        CloudInvariants.Report partial =
            invariants.checkClouds(allIdentities(), DURING_OUTAGE, Set.of("aws", "gcp"));
        healthyConverged = partial.ok();
        if (healthyConverged) {
          p.put(
              "healthyCloudsConvergedSecondsIntoOutage",
              seconds(Duration.ofNanos(System.nanoTime() - start)));
        }
      }
      ChildProcess.sleep(Duration.ofSeconds(2));
    }
    long during = azure.requests() - before;
    double minutes = Duration.ofNanos(System.nanoTime() - start).toMillis() / 60_000.0;
    azure.heal();
    long lastFault = System.nanoTime();
    p.put("azureRequestsDuringOutage", during);
    p.put("azureRequestsPerMinute", round(during / minutes));
    p.put("azureRequestsPerIdentityPerMinute", round(during / minutes / s.identities()));
    // the target: at most 2 calls per identity plus 30 per scope per minute of outage
    double target = 2.0 * s.identities() + 30 * minutes;
    p.put("azureRequestTarget", round(target));
    p.put("azureRequestsWithinTarget", during <= target);
    p.put("azureReasonsAtEndOfOutage", azureReasons);
    p.put("healthyCloudsConverged", healthyConverged);
    finish(p, invariants, allIdentities(), DURING_OUTAGE, lastFault);
    if (!healthyConverged) {
      throw new IllegalStateException("AWS and GCP did not converge during the Azure outage");
    }
    long transientOrThrottled =
        azureReasons.getOrDefault("Transient", 0L) + azureReasons.getOrDefault("Throttled", 0L);
    if (transientOrThrottled == 0) {
      throw new IllegalStateException(
          "no identity reported Transient/Throttled for Azure: " + azureReasons);
    }
  }

  /**
   * Two leader-elected operators: the leader is killed mid-convergence; the standby takes the Lease
   * and finishes. Every write that reached a cloud during the phase is counted by target: one made
   * twice would show as a count above one.
   */
  private void failover(CloudInvariants invariants) throws Exception {
    phase = "failover";
    Map<String, Object> p = begin();
    operator.close();
    Map<String, String> election =
        Map.of(
            "CIFED_LEADER_ELECTION",
            "true",
            "CIFED_LEADER_ELECTION_LEASE",
            LEASE,
            "CIFED_LEADER_ELECTION_NAMESPACE",
            Workload.NAMESPACE);
    OperatorProcess a = startReplica("soak-a", election);
    OperatorProcess b = startReplica("soak-b", election);
    String leader = awaitLeader(null, Duration.ofSeconds(90));
    proxies.forEach(FaultProxy::clearWrites);
    applyAll(HANDED_OVER);
    ChildProcess.sleep(Duration.ofMillis(1500 + random.nextInt(1500)));
    OperatorProcess killed = leader.equals("soak-a") ? a : b;
    operator = leader.equals("soak-a") ? b : a;
    long kill = System.nanoTime();
    killed.kill();
    recordKill(leader);
    String next = awaitLeader(leader, Duration.ofSeconds(120));
    p.put("failoverSeconds", seconds(Duration.ofNanos(System.nanoTime() - kill)));
    p.put("newLeader", next);
    finish(p, invariants, allIdentities(), HANDED_OVER, kill);
    Map<String, Long> duplicates = new TreeMap<>();
    long writes = 0;
    for (FaultProxy proxy : proxies) {
      for (Map.Entry<String, Long> w : proxy.writes().entrySet()) {
        writes += w.getValue();
        // a service account's policy is written once per batch of members: not one object's write
        if (w.getValue() > 1 && !w.getKey().endsWith(":setIamPolicy")) {
          duplicates.put(proxy.name() + " " + w.getKey(), w.getValue());
        }
      }
    }
    p.put("writesDuringHandover", writes);
    p.put("writesMadeTwice", duplicates);
    killed.close();
    if (!duplicates.isEmpty()) {
      throw new IllegalStateException("writes made twice during the handover: " + duplicates);
    }
  }

  private void delete(CloudInvariants invariants) throws Exception {
    phase = "delete";
    Map<String, Object> p = begin();
    Future<?> deleting =
        background(
            () -> {
              client
                  .genericKubernetesResources(Cluster.IDENTITIES)
                  .inNamespace(Workload.NAMESPACE)
                  .delete();
              return null;
            });
    long lastFault = killsDuring(2, Duration.ofSeconds(1), Duration.ofSeconds(5));
    deleting.get();
    long deadline = System.nanoTime() + s.readyTimeout().toNanos();
    while (!identities().isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(identities().size() + " identities stuck in deletion");
      }
      ChildProcess.sleep(Duration.ofMillis(500));
    }
    p.put("secondsToGoneAfterLastFault", seconds(Duration.ofNanos(System.nanoTime() - lastFault)));
    CloudInvariants.Report report = invariants.check(Set.of(), CREATED);
    end(p, report);
  }

  // ------------------------------------------------------------------------------ mechanics

  private Map<String, Object> begin() {
    System.out.println("[soak] phase " + phase);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("phase", phase);
    p.put("startedAtMillis", System.currentTimeMillis());
    phases.add(p);
    return p;
  }

  /** Waits until every identity is Ready for its current generation, then reads the clouds. */
  private void finish(
      Map<String, Object> p,
      CloudInvariants invariants,
      Set<Integer> live,
      Expected expected,
      long lastFault)
      throws Exception {
    long deadline = System.nanoTime() + s.readyTimeout().toNanos();
    while (!allReadyAndCurrent()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            phase
                + ": not every identity Ready within "
                + s.readyTimeout()
                + ": "
                + conditionReasons("Ready"));
      }
      ChildProcess.sleep(Duration.ofMillis(500));
    }
    p.put("secondsToReadyAfterLastFault", seconds(Duration.ofNanos(System.nanoTime() - lastFault)));
    // Ready is the operator's word; the clouds must agree, possibly a moment later
    CloudInvariants.Report report = invariants.check(live, expected);
    for (int attempt = 0; !report.ok() && attempt < 10; attempt++) {
      ChildProcess.sleep(Duration.ofSeconds(1));
      report = invariants.check(live, expected);
    }
    end(p, report);
  }

  private void end(Map<String, Object> p, CloudInvariants.Report report) {
    p.put("objectsChecked", report.objectsChecked());
    p.put("violations", report.violations());
    p.put(
        "seconds", round((System.currentTimeMillis() - (Long) p.get("startedAtMillis")) / 1000.0));
    System.out.println(
        "[soak] "
            + phase
            + ": "
            + report.objectsChecked()
            + " cloud objects checked, "
            + report.violations().size()
            + " violations");
    if (!report.ok()) {
      throw new IllegalStateException(phase + ": invariants violated: " + report.violations());
    }
  }

  /**
   * {@code count} SIGKILLs of the running operator, each after a seeded random wait in [min, max],
   * each followed by a restart; returns when the last kill happened (nanoTime).
   */
  private long killsDuring(int count, Duration min, Duration max) {
    long last = System.nanoTime();
    for (int k = 0; k < count; k++) {
      long wait = min.toMillis() + (long) (random.nextDouble() * (max.toMillis() - min.toMillis()));
      ChildProcess.sleep(Duration.ofMillis(wait));
      operator.kill();
      last = System.nanoTime();
      recordKill("operator-" + operatorStarts);
      startOperator(Map.of());
    }
    return last;
  }

  private void recordKill(String which) {
    Map<String, Object> kill = new LinkedHashMap<>();
    kill.put("phase", phase);
    kill.put("process", which);
    kill.put("atMillis", System.currentTimeMillis());
    kills.add(kill);
    System.out.println(
        "[soak] SIGKILL " + which + " in phase " + phase + " (kill " + kills.size() + ")");
  }

  private void startOperator(Map<String, String> extra) {
    operator = startReplica("soak-" + (++operatorStarts), extra);
  }

  private OperatorProcess startReplica(String name, Map<String, String> extra) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AWS_ENDPOINT_URL", aws.endpoint().replaceFirst("/$", ""));
    env.put("CIFED_GCP_IAM_ENDPOINT", gcp.endpoint());
    env.put("CIFED_AZURE_ARM_ENDPOINT", azure.endpoint());
    env.put("CIFED_CLUSTER_NAME", CloudInvariants.CLUSTER);
    env.put("CIFED_RESYNC_INTERVAL", Integer.toString(s.resyncSeconds()));
    env.put("CIFED_LOG_FORMAT", "text");
    env.put("HOSTNAME", name);
    env.putAll(extra);
    return OperatorProcess.start(
        s.jars(), s.kubeconfig(), clouds, s.javaOptions(), env, s.workDir().resolve(name + ".log"));
  }

  /** The Lease holder once it is someone other than {@code previous}. */
  private String awaitLeader(String previous, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        Lease lease =
            client.resources(Lease.class).inNamespace(Workload.NAMESPACE).withName(LEASE).get();
        String holder =
            lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
        if (holder != null && !holder.isBlank() && !holder.equals(previous)) {
          return holder;
        }
      } catch (RuntimeException e) {
        // the API server may be busy
      }
      ChildProcess.sleep(Duration.ofMillis(200));
    }
    throw new IllegalStateException("no new leader within " + timeout + " (was " + previous + ")");
  }

  private Void applyAll(Expected expected) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> applied = new ArrayList<>();
      for (int i = 0; i < s.identities(); i++) {
        int n = i;
        applied.add(
            pool.submit(
                () -> {
                  GenericKubernetesResource resource =
                      Serialization.unmarshal(
                          Serialization.asJson(manifest(n, expected)),
                          GenericKubernetesResource.class);
                  retryingApi(
                      () ->
                          client
                              .genericKubernetesResources(Cluster.IDENTITIES)
                              .inNamespace(Workload.NAMESPACE)
                              .resource(resource)
                              .fieldManager("cifed-soak")
                              .forceConflicts()
                              .serverSideApply());
                  return null;
                }));
      }
      for (Future<?> f : applied) {
        f.get();
      }
      return null;
    } finally {
      pool.shutdownNow();
    }
  }

  /** The workload's manifest of identity i, with this phase's subject, permissions and role. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> manifest(int i, Expected expected) {
    Map<String, Object> manifest = workload.manifest(i);
    Map<String, Object> spec = new LinkedHashMap<>((Map<String, Object>) manifest.get("spec"));
    spec.put("subject", Map.of("environment", expected.environment()));
    Map<String, Object> awsBlock = new LinkedHashMap<>((Map<String, Object>) spec.get("aws"));
    awsBlock.put("inlinePolicy", expected.inlinePolicy(i));
    spec.put("aws", awsBlock);
    Map<String, Object> azureBlock = new LinkedHashMap<>((Map<String, Object>) spec.get("azure"));
    azureBlock.put(
        "roleAssignments",
        List.of(Map.of("role", expected.azureRole(), "scope", Workload.azureScope())));
    spec.put("azure", azureBlock);
    Map<String, Object> copy = new LinkedHashMap<>(manifest);
    copy.put("spec", spec);
    return copy;
  }

  /** The API server restarts under the soak: its own writes retry like a GitOps tool's. */
  private void retryingApi(Runnable call) {
    for (int attempt = 1; ; attempt++) {
      try {
        call.run();
        return;
      } catch (RuntimeException e) {
        if (attempt >= 60) {
          throw e;
        }
        ChildProcess.sleep(Duration.ofSeconds(1));
      }
    }
  }

  private List<GenericKubernetesResource> identities() {
    while (true) {
      try {
        return client
            .genericKubernetesResources(Cluster.IDENTITIES)
            .inNamespace(Workload.NAMESPACE)
            .list()
            .getItems();
      } catch (RuntimeException e) {
        ChildProcess.sleep(Duration.ofSeconds(1));
      }
    }
  }

  @SuppressWarnings("unchecked")
  private boolean allReadyAndCurrent() {
    List<GenericKubernetesResource> items = identities();
    if (items.size() != s.identities()) {
      return false;
    }
    for (GenericKubernetesResource r : items) {
      Object status = r.getAdditionalProperties().get("status");
      if (!(status instanceof Map<?, ?> map) || !Cluster.ready(r)) {
        return false;
      }
      Object observed = ((Map<String, Object>) map).get("observedGeneration");
      if (!(observed instanceof Number n) || n.longValue() != r.getMetadata().getGeneration()) {
        return false;
      }
    }
    return true;
  }

  /** How many identities have each reason on a condition, e.g. AzureReady → {Transient: 60}. */
  @SuppressWarnings("unchecked")
  private Map<String, Long> conditionReasons(String type) {
    return identities().stream()
        .map(r -> r.getAdditionalProperties().get("status"))
        .filter(st -> st instanceof Map<?, ?>)
        .flatMap(
            st ->
                ((List<Map<String, Object>>)
                        ((Map<String, Object>) st).getOrDefault("conditions", List.of()))
                    .stream())
        .filter(c -> type.equals(c.get("type")))
        .collect(
            Collectors.groupingBy(
                c -> String.valueOf(c.get("reason")), TreeMap::new, Collectors.counting()));
  }

  private Set<Integer> allIdentities() {
    return IntStream.range(0, s.identities()).boxed().collect(Collectors.toSet());
  }

  private static <T> Future<T> background(java.util.concurrent.Callable<T> task) {
    ExecutorService one = Executors.newSingleThreadExecutor();
    try {
      return one.submit(task);
    } finally {
      one.shutdown();
    }
  }

  private static double seconds(Duration d) {
    return round(d.toMillis() / 1000.0);
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
