package dev.cifederation.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One benchmark run for one N, in phases that never overlap:
 *
 * <ol>
 *   <li><b>create</b>: fresh clouds, the operator started with the default resync interval (as
 *       users run it), N identities applied; until every one is Ready: time, cloud calls, CPU,
 *       memory, live heap;
 *   <li><b>restart and resync</b>: the operator restarted with a short {@code
 *       CIFED_RESYNC_INTERVAL}; its start-up pass over the N identities, then one full periodic
 *       resync with no drift: calls, reads, writes, status writes;
 *   <li><b>drift</b>: one out-of-band change per cloud, timed until the cloud shows it reverted;
 *   <li><b>floor</b>: fresh clouds again, the same objects created directly with the same SDKs at
 *       the operator's parallelism.
 * </ol>
 */
final class BenchRun {

  private static final Logger log = LoggerFactory.getLogger(BenchRun.class);
  private static final double MIB = 1024 * 1024;

  record Settings(
      Workload workload,
      Path repoRoot,
      Path jars,
      Path kubeconfig,
      Path clusterDir,
      Path workDir,
      String moto,
      String operatorJavaOptions,
      int resyncSeconds,
      int parallelism,
      int applyThreads,
      Duration readyTimeout,
      int shards,
      boolean profile) {}

  /** How many frames each view of a profile lists. */
  private static final int PROFILE_TOP = 15;

  private final Settings s;
  private final Map<String, Object> result = new LinkedHashMap<>();
  private final List<Map<String, Object>> targets = new ArrayList<>();

  /** Above this share of the machine's CPU time in use, a phase is bounded by CPU. */
  static final double CPU_BOUND = 0.9;

  BenchRun(Settings settings) {
    this.s = settings;
  }

  Map<String, Object> run() throws Exception {
    Workload w = s.workload();
    int n = w.count();
    result.put("schema", 1);
    result.put("run", describeRun());
    Files.createDirectories(s.workDir());

    try (Cluster cluster = new Cluster(s.kubeconfig())) {
      cluster.install(s.repoRoot());
      cluster.watch();
      try (Emulators clouds = Emulators.start(w, s.jars(), s.moto(), s.workDir(), "operator")) {
        double createSeconds = create(cluster, clouds);
        if (s.shards() == 1) {
          try (CloudClients clients = new CloudClients(clouds, w)) {
            resyncAndDrift(cluster, clouds, clients);
          }
        } else {
          // a sharded run measures creation side by side; resync and drift are per operator
          log.info("{} shards: the resync and drift phases are not run", s.shards());
          @SuppressWarnings("unchecked")
          Map<String, Object> create = (Map<String, Object>) result.get("create");
          Map<String, Object> memory = new LinkedHashMap<>();
          memory.put("peakRssMiB", create.get("peakRssMiB"));
          memory.put("javaOptions", s.operatorJavaOptions());
          result.put("memory", memory);
        }
        result.put("emulators", emulatorStats(clouds));
        // -------------------------------------------------------------------------------- floor
        clouds.close();
        log.info("floor: the same {} identities created directly with the SDKs", n);
        Floor.Result floor;
        try (Emulators fresh = Emulators.start(w, s.jars(), s.moto(), s.workDir(), "floor");
            CloudClients clients = new CloudClients(fresh, w)) {
          floor = new Floor(w, clients, s.parallelism()).run();
        }
        Map<String, Object> floorResult = new LinkedHashMap<>();
        floorResult.put("seconds", round(floor.seconds()));
        floorResult.put("parallelism", s.parallelism());
        floorResult.put("calls", floor.calls());
        floorResult.put("callsPerIdentity", perIdentity(floor.calls(), n));
        result.put("floor", floorResult);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Double>> created =
            (Map<String, Map<String, Double>>)
                ((Map<String, Object>) result.get("create")).get("calls");
        Map<String, Object> ratio = new LinkedHashMap<>();
        ratio.put("time", round(createSeconds / floor.seconds()));
        Map<String, Object> callRatio = new TreeMap<>();
        for (String cloud : w.clouds()) {
          double floorCalls = total(floor.calls().get(cloud));
          double calls = total(created.get(cloud)) / floorCalls;
          callRatio.put(cloud, round(calls));
          target(
              cloud + " calls per identity at creation ≤ 1.2 × the floor's",
              "≤ 1.2",
              round(calls),
              calls <= 1.2,
              extraCalls(created.get(cloud), floor.calls().get(cloud), n));
        }
        ratio.put("calls", callRatio);
        result.put("operatorToFloor", ratio);
        double time = createSeconds / floor.seconds();
        @SuppressWarnings("unchecked")
        String why =
            convergeReason(
                (Map<String, Object>) result.get("create"),
                createSeconds,
                floor.seconds(),
                s.parallelism(),
                n);
        if (n >= 1000 && w.clouds().equals(java.util.Set.of("aws")) && s.shards() == 1) {
          target("AWS apply → all Ready ≤ 1.5 × the floor", "≤ 1.5", round(time), time <= 1.5, why);
        } else if (n >= 1000 && w.clouds().size() == 3 && s.shards() == 1) {
          target(
              "all clouds apply → all Ready ≤ 2 × the floor", "≤ 2", round(time), time <= 2, why);
        }
      }
    }
    result.put("targets", targets);
    ((Map<String, Object>) result.get("run")).put("loadAverageEnd", loadAverage());
    return result;
  }

  // ---------------------------------------------------------------------------------- create

  private double create(Cluster cluster, Emulators clouds) throws Exception {
    Workload w = s.workload();
    int n = w.count();
    int shards = s.shards();
    log.info(
        "create: {} started (default resync interval), {} identities applied",
        shards == 1 ? "operator" : shards + " operator shards",
        n);
    Map<String, Object> create = new LinkedHashMap<>();
    List<OperatorProcess> operators = new ArrayList<>();
    try {
      for (int k = 0; k < shards; k++) {
        operators.add(
            OperatorProcess.start(
                s.jars(),
                s.kubeconfig(),
                clouds,
                s.operatorJavaOptions(),
                shardEnvironment(k),
                s.workDir().resolve("operator-create" + (shards == 1 ? "" : "-s" + k) + ".log")));
      }
      List<Metrics> before = new ArrayList<>();
      List<ProcStats> atStart = new ArrayList<>();
      for (OperatorProcess operator : operators) {
        before.add(operator.awaitReconciles(0, Duration.ofSeconds(60)));
        atStart.add(operator.stats());
      }
      if (s.profile()) {
        for (OperatorProcess operator : operators) {
          operator.startRecording("create");
        }
      }
      double controlPlaneAtStart = controlPlaneCpu();
      double emulatorsAtStart = emulatorCpu(clouds);
      double driverAtStart = driverCpu();
      Map<String, Double> writesAtStart = cluster.apiServerWrites();
      long start = System.currentTimeMillis();
      cluster.apply(w, shards, s.applyThreads());
      double applySeconds = (System.currentTimeMillis() - start) / 1000.0;
      boolean allReady = cluster.awaitReady(n, s.readyTimeout());
      long end = cluster.readyAt().values().stream().mapToLong(Long::longValue).max().orElse(start);
      double seconds = (end - start) / 1000.0;
      List<ProcStats> atReady = new ArrayList<>();
      for (OperatorProcess operator : operators) {
        atReady.add(operator.stats());
      }
      double controlPlaneAtReady = controlPlaneCpu();
      double emulatorsAtReady = emulatorCpu(clouds);
      double driverAtReady = driverCpu();
      Map<String, Double> writes = new TreeMap<>();
      cluster
          .apiServerWrites()
          .forEach(
              (resource, count) -> {
                double served = count - writesAtStart.getOrDefault(resource, 0.0);
                if (served > 0) {
                  writes.put(resource, served);
                }
              });
      List<Map<String, Object>> profiles = new ArrayList<>();
      if (s.profile()) {
        for (int k = 0; k < shards; k++) {
          Path recording = s.workDir().resolve("create" + (shards == 1 ? "" : "-s" + k) + ".jfr");
          operators.get(k).dumpRecording("create", recording);
          Map<String, Object> profile = new LinkedHashMap<>();
          // named inside the run's work folder: the report never points outside WORK
          profile.put(
              "recording", "WORK/" + s.workDir().getFileName() + "/" + recording.getFileName());
          profile.putAll(Profile.summarise(recording, PROFILE_TOP));
          profiles.add(profile);
        }
      }
      List<Metrics> after = new ArrayList<>();
      List<Double> liveHeap = new ArrayList<>();
      List<ProcStats> afterGc = new ArrayList<>();
      for (OperatorProcess operator : operators) {
        after.add(operator.metrics());
        liveHeap.add(operator.liveHeapBytes());
        afterGc.add(operator.stats());
      }
      if (!allReady) {
        log.error(
            "only {} of {} identities became Ready: {}",
            cluster.readyAt().size(),
            n,
            cluster.notReadyReasons());
      }
      Map<String, Map<String, Double>> calls = new TreeMap<>();
      Map<String, Double> errors = new TreeMap<>();
      double reconciles = 0;
      double reconcileSeconds = 0;
      for (int k = 0; k < shards; k++) {
        merge(calls, Metrics.difference(before.get(k), after.get(k)));
        after.get(k).cloudErrors().forEach((c, v) -> errors.merge(c, v, Double::sum));
        reconciles += after.get(k).reconciles() - before.get(k).reconciles();
        reconcileSeconds += after.get(k).reconcileSeconds() - before.get(k).reconcileSeconds();
      }
      List<Double> latencies = latencies(cluster, name -> true);
      create.put("allReady", allReady);
      create.put("ready", cluster.readyAt().size());
      if (!allReady) {
        create.put("notReady", cluster.notReadyReasons());
      }
      create.put("seconds", round(seconds));
      create.put("applySeconds", round(applySeconds));
      create.put("perIdentitySeconds", percentiles(latencies));
      create.put("identitiesPerSecond", round(n / seconds));
      create.put("calls", calls);
      create.put("callsPerIdentity", perIdentity(calls, n));
      create.put("callErrors", errors);
      create.put("reconciles", reconciles);
      create.put("reconcileSeconds", round(reconcileSeconds));
      create.put("statusWrites", cluster.statusWrites());
      create.put(
          "cpuSeconds",
          round(sum(atReady, ProcStats::cpuSeconds) - sum(atStart, ProcStats::cpuSeconds)));
      create.put("cpuSecondsIncludingStart", round(sum(atReady, ProcStats::cpuSeconds)));
      create.put("controlPlaneCpuSeconds", round(controlPlaneAtReady - controlPlaneAtStart));
      create.put("emulatorCpuSeconds", round(emulatorsAtReady - emulatorsAtStart));
      create.put("driverCpuSeconds", round(driverAtReady - driverAtStart));
      create.put("apiServerWrites", writes);
      create.put(
          "apiServerWritesPerIdentity",
          round(writes.values().stream().mapToDouble(Double::doubleValue).sum() / n));
      create.put("rssMiB", round(sum(atReady, ProcStats::rssMiB)));
      create.put("peakRssMiB", round(max(afterGc, ProcStats::peakRssMiB)));
      create.put(
          "liveHeapMiB", round(liveHeap.stream().mapToDouble(Double::doubleValue).sum() / MIB));
      if (shards > 1) {
        create.put(
            "shards",
            shardFigures(cluster, start, before, after, atStart, atReady, afterGc, liveHeap));
        create.put("issuerStatusManagers", new ArrayList<>(cluster.issuerStatusManagers()));
      }
      if (s.profile()) {
        create.put("profile", shards == 1 ? profiles.get(0) : profiles);
      }
      result.put("create", create);
      if (n == 1000 && w.clouds().equals(java.util.Set.of("aws")) && shards == 1) {
        target(
            "1,000 AWS identities Ready within 60 s",
            "≤ 60 s",
            round(seconds),
            allReady && seconds <= 60);
      }
      return seconds;
    } finally {
      for (OperatorProcess operator : operators) {
        operator.close();
      }
    }
  }

  /** The operator's environment for shard k: a label-selected shard; shard s0 keeps the issuer. */
  private Map<String, String> shardEnvironment(int k) {
    String threads = Integer.toString(s.parallelism());
    if (s.shards() == 1) {
      return Map.of("CIFED_RECONCILE_THREADS", threads);
    }
    return Map.of(
        "CIFED_RECONCILE_THREADS",
        threads,
        "CIFED_SHARD",
        "s" + k,
        "CIFED_SHARD_LABEL_SELECTOR",
        Workload.SHARD_LABEL + "=s" + k,
        "CIFED_SHARD_RECONCILES_ISSUERS",
        Boolean.toString(k == 0));
  }

  /**
   * Per shard: its identities, its reconciles and calls, when its identities were Ready, its CPU
   * and memory, and whose field manager wrote their status — any other than the shard's own is a
   * cross-write.
   */
  private List<Map<String, Object>> shardFigures(
      Cluster cluster,
      long start,
      List<Metrics> before,
      List<Metrics> after,
      List<ProcStats> atStart,
      List<ProcStats> atReady,
      List<ProcStats> afterGc,
      List<Double> liveHeap) {
    int n = s.workload().count();
    Map<String, java.util.Set<String>> managers = cluster.statusManagers();
    List<Map<String, Object>> figures = new ArrayList<>();
    long totalCross = 0;
    for (int k = 0; k < s.shards(); k++) {
      String shard = "s" + k;
      String own = "cifederatedidentity-" + shard;
      java.util.Set<String> names = new java.util.TreeSet<>();
      for (int i = 0; i < n; i++) {
        if (Workload.shardOf(i, s.shards()).equals(shard)) {
          names.add(Workload.name(i));
        }
      }
      long ownOnly = 0;
      long cross = 0;
      for (String name : names) {
        java.util.Set<String> wrote = managers.getOrDefault(name, java.util.Set.of());
        if (wrote.equals(java.util.Set.of(own))) {
          ownOnly++;
        } else if (wrote.stream().anyMatch(m -> !m.equals(own))) {
          cross++;
        }
      }
      totalCross += cross;
      long lastReady =
          names.stream()
              .map(cluster.readyAt()::get)
              .filter(java.util.Objects::nonNull)
              .mapToLong(Long::longValue)
              .max()
              .orElse(start);
      Map<String, Map<String, Double>> calls = Metrics.difference(before.get(k), after.get(k));
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("shard", shard);
      f.put("identities", names.size());
      f.put("ready", names.stream().filter(cluster.readyAt()::containsKey).count());
      f.put("secondsToAllReady", round((lastReady - start) / 1000.0));
      f.put("perIdentitySeconds", percentiles(latencies(cluster, names::contains)));
      f.put("reconciles", after.get(k).reconciles() - before.get(k).reconciles());
      f.put("calls", calls);
      f.put("callsPerIdentity", perIdentity(calls, Math.max(1, names.size())));
      f.put("statusWrittenOnlyByThisShard", ownOnly);
      f.put("statusWrittenByAnotherManager", cross);
      f.put("cpuSeconds", round(atReady.get(k).cpuSeconds() - atStart.get(k).cpuSeconds()));
      f.put("peakRssMiB", round(afterGc.get(k).peakRssMiB()));
      f.put("liveHeapMiB", round(liveHeap.get(k) / MIB));
      figures.add(f);
    }
    target(
        "shards: no identity's status written by another shard", "0", totalCross, totalCross == 0);
    return figures;
  }

  private static List<Double> latencies(
      Cluster cluster, java.util.function.Predicate<String> which) {
    List<Double> latencies = new ArrayList<>();
    cluster
        .readyAt()
        .forEach(
            (name, ready) -> {
              Long applied = cluster.appliedAt().get(name);
              if (applied != null && which.test(name)) {
                latencies.add(Math.max(0, ready - applied) / 1000.0);
              }
            });
    latencies.sort(Double::compare);
    return latencies;
  }

  private static Map<String, Object> percentiles(List<Double> sorted) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("p50", round(percentile(sorted, 50)));
    p.put("p95", round(percentile(sorted, 95)));
    p.put("max", round(sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1)));
    return p;
  }

  private static void merge(
      Map<String, Map<String, Double>> into, Map<String, Map<String, Double>> more) {
    more.forEach(
        (cloud, ops) ->
            ops.forEach(
                (op, count) ->
                    into.computeIfAbsent(cloud, c -> new TreeMap<>())
                        .merge(op, count, Double::sum)));
  }

  private static double sum(
      List<ProcStats> stats, java.util.function.ToDoubleFunction<ProcStats> f) {
    return stats.stream().mapToDouble(f).sum();
  }

  private static double max(
      List<ProcStats> stats, java.util.function.ToDoubleFunction<ProcStats> f) {
    return stats.stream().mapToDouble(f).max().orElse(0);
  }

  // -------------------------------------------------------------------------- resync and drift

  private void resyncAndDrift(Cluster cluster, Emulators clouds, CloudClients clients)
      throws Exception {
    Workload w = s.workload();
    int n = w.count();
    log.info("restart: operator restarted with CIFED_RESYNC_INTERVAL={}s", s.resyncSeconds());
    Duration sweepTimeout = Duration.ofSeconds(s.resyncSeconds() * 3L + 120 + n / 10);
    try (OperatorProcess operator =
        OperatorProcess.start(
            s.jars(),
            s.kubeconfig(),
            clouds,
            s.operatorJavaOptions(),
            Map.of(
                "CIFED_RESYNC_INTERVAL",
                Integer.toString(s.resyncSeconds()),
                "CIFED_RECONCILE_THREADS",
                Integer.toString(s.parallelism())),
            s.workDir().resolve("operator-resync.log"))) {
      ProcStats started = operator.stats();
      long restartAt = System.currentTimeMillis();
      long writesBefore = cluster.statusWrites();
      operator.awaitReconciles(n, sweepTimeout);
      // the start-up pass may be followed at once by another (each secondary informer's initial
      // events re-trigger every identity): the periodic resync is what comes after both
      Metrics afterRestart =
          operator.awaitQuiet(
              Duration.ofMillis(Math.min(2000, s.resyncSeconds() * 400L)), sweepTimeout);
      ProcStats restarted = operator.stats();
      Map<String, Object> restart = new LinkedHashMap<>();
      restart.put("seconds", round((System.currentTimeMillis() - restartAt) / 1000.0));
      restart.put("calls", afterRestart.cloudCalls());
      restart.put("statusWrites", cluster.statusWrites() - writesBefore);
      restart.put("cpuSeconds", round(restarted.cpuSeconds() - started.cpuSeconds()));
      result.put("restart", restart);

      log.info("resync: waiting for one full periodic resync of {} identities", n);
      long statusBefore = cluster.statusWrites();
      ProcStats before = operator.stats();
      double controlPlaneBefore = controlPlaneCpu();
      Metrics sweepEnd = operator.awaitReconciles(afterRestart.reconciles() + n, sweepTimeout);
      ProcStats after = operator.stats();
      double reconciles = sweepEnd.reconciles() - afterRestart.reconciles();
      double scale = n / reconciles; // one resync = N reconciles
      Map<String, Map<String, Double>> calls = Metrics.difference(afterRestart, sweepEnd);
      Map<String, Object> resync = new LinkedHashMap<>();
      resync.put("intervalSeconds", s.resyncSeconds());
      resync.put("reconciles", reconciles);
      resync.put("calls", calls);
      Map<String, Double> reads = new TreeMap<>();
      Map<String, Double> writes = new TreeMap<>();
      calls.forEach(
          (cloud, ops) ->
              ops.forEach(
                  (op, count) ->
                      (Metrics.isRead(op) ? reads : writes)
                          .merge(cloud, count * scale, Double::sum)));
      double totalWrites = writes.values().stream().mapToDouble(Double::doubleValue).sum();
      resync.put("readsPerResync", roundAll(reads));
      resync.put("writesPerResync", roundAll(writes));
      resync.put("statusWritesPerResync", round((cluster.statusWrites() - statusBefore) * scale));
      resync.put("cpuSecondsPerResync", round((after.cpuSeconds() - before.cpuSeconds()) * scale));
      resync.put(
          "controlPlaneCpuSecondsPerResync",
          round((controlPlaneCpu() - controlPlaneBefore) * scale));
      target(
          "steady resync with no drift: zero cloud writes",
          "0",
          round(totalWrites),
          totalWrites == 0);
      double statusWrites = (cluster.statusWrites() - statusBefore) * scale;
      target(
          "steady resync with no drift: zero status writes",
          "0",
          round(statusWrites),
          statusWrites == 0);
      if (w.has("aws")) {
        double awsReads = reads.getOrDefault("aws", 0.0);
        resync.put("awsReadsPerAccount", round(awsReads));
        target(
            "AWS reads per resync per account ≤ 5",
            "≤ 5",
            round(awsReads),
            awsReads <= 5,
            pagedReads(calls.getOrDefault("aws", Map.of()), scale, n + " roles in the account"));
      }
      if (w.has("gcp")) {
        Map<String, Double> gcp = calls.getOrDefault("gcp", Map.of());
        double poolReads = 0;
        double accountReads = 0;
        for (var e : gcp.entrySet()) {
          if (e.getKey().startsWith("serviceAccounts.") && Metrics.isRead(e.getKey())) {
            accountReads += e.getValue() * scale;
          } else if (Metrics.isRead(e.getKey())) {
            poolReads += e.getValue() * scale;
          }
        }
        int accounts = w.serviceAccounts().size();
        resync.put("gcpPoolReads", round(poolReads));
        resync.put("gcpServiceAccountPolicyReads", round(accountReads));
        resync.put("gcpServiceAccounts", accounts);
        target(
            "GCP reads per resync per pool ≤ 5",
            "≤ 5",
            round(poolReads),
            poolReads <= 5,
            pagedReads(gcp, scale, n + " providers in the pool"));
        target(
            "GCP policy reads per resync ≤ 1 per service account",
            "≤ " + accounts,
            round(accountReads),
            accountReads <= accounts);
      }
      if (w.has("azure")) {
        double azureReads = reads.getOrDefault("azure", 0.0);
        resync.put("azureReadsPerIdentity", round(azureReads / n));
        // one resource group: its identities and its role assignments, then each identity's
        // federated credentials (ARM has no bulk list of them)
        target(
            "Azure reads per resync ≤ 3 per resource group + 1 per identity",
            "≤ " + (3 + n),
            round(azureReads),
            azureReads <= 3 + n);
      }
      result.put("resync", resync);

      List<Map<String, Object>> drift = new ArrayList<>();
      Drift probe = new Drift(clients, cluster, Duration.ofSeconds(s.resyncSeconds() * 2L + 60));
      int middle = n / 2;
      for (String cloud : List.of("aws", "gcp", "azure")) {
        if (!w.has(cloud)) {
          continue;
        }
        log.info("drift: out-of-band change in {}", cloud);
        Drift.Correction c =
            switch (cloud) {
              case "aws" -> probe.aws(middle);
              case "gcp" -> probe.gcp(middle);
              default -> probe.azure(middle);
            };
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("cloud", c.cloud());
        entry.put("change", c.change());
        entry.put("corrected", c.corrected());
        entry.put("seconds", round(c.seconds()));
        drift.add(entry);
        target(
            cloud + " out-of-band change corrected within resync + 5 s",
            "≤ " + (s.resyncSeconds() + 5) + " s",
            round(c.seconds()),
            c.corrected() && c.seconds() <= s.resyncSeconds() + 5,
            c.corrected()
                ? String.format(
                    java.util.Locale.ROOT,
                    "found by the scheduled scan: %.1f s beyond the %d s interval went to the scan"
                        + " of a scope of %d objects and the pass that set it back (a resync"
                        + " costs the operator %.1f CPU-s here)",
                    c.seconds() - s.resyncSeconds(),
                    s.resyncSeconds(),
                    n,
                    (Double) resync.get("cpuSecondsPerResync"))
                : "not corrected within " + (s.resyncSeconds() * 2 + 60) + " s");
      }
      result.put("drift", drift);

      ProcStats end = operator.stats();
      Map<String, Object> memory = new LinkedHashMap<>();
      @SuppressWarnings("unchecked")
      Map<String, Object> create = (Map<String, Object>) result.get("create");
      double peak = Math.max((Double) create.get("peakRssMiB"), end.peakRssMiB());
      memory.put("peakRssMiB", round(peak));
      memory.put("createPeakRssMiB", create.get("peakRssMiB"));
      memory.put("resyncPeakRssMiB", round(end.peakRssMiB()));
      memory.put("liveHeapMiBAfterConvergence", create.get("liveHeapMiB"));
      memory.put("liveHeapMiBAfterResync", round(operator.liveHeapBytes() / MIB));
      memory.put("javaOptions", s.operatorJavaOptions());
      result.put("memory", memory);
      Metrics jvm = operator.metrics();
      memory.put("heapCommittedMiB", round(jvm.committedBytes("heap") / MIB));
      memory.put("nonHeapCommittedMiB", round(jvm.committedBytes("nonheap") / MIB));
      if (n == 5000) {
        double live = (Double) create.get("liveHeapMiB");
        target(
            "operator RSS ≤ 300 MiB with 5,000 identities",
            "≤ 300 MiB",
            round(peak),
            peak <= 300,
            String.format(
                java.util.Locale.ROOT,
                "live heap %.1f MiB after convergence (%.1f KiB per identity); at the end the JVM"
                    + " had %.0f MiB committed to the heap and %.0f MiB to metaspace and code,"
                    + " the rest of the RSS is its threads, GC and native buffers",
                live,
                live * 1024 / n,
                jvm.committedBytes("heap") / MIB,
                jvm.committedBytes("nonheap") / MIB));
      }
    }
  }

  // ---------------------------------------------------------------------------------- helpers

  private Map<String, Object> describeRun() {
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("identities", s.workload().count());
    run.put("clouds", new ArrayList<>(s.workload().clouds()));
    run.put("startedAt", Instant.now().toString());
    run.put("resyncIntervalSeconds", s.resyncSeconds());
    run.put("reconcileThreads", s.parallelism());
    run.put("shards", s.shards());
    run.put("profile", s.profile());
    run.put("operatorJavaOptions", s.operatorJavaOptions());
    run.put(
        "driverJavaOptions",
        String.join(
            " ", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()));
    run.put("machine", Machine.describe());
    run.put("loadAverageStart", loadAverage());
    return run;
  }

  private static Map<String, Object> emulatorStats(Emulators clouds) {
    Map<String, Object> stats = new LinkedHashMap<>();
    clouds
        .stats()
        .forEach(
            (name, p) ->
                stats.put(
                    name,
                    Map.of(
                        "cpuSeconds", round(p.cpuSeconds()), "peakRssMiB", round(p.peakRssMiB()))));
    return stats;
  }

  /**
   * CPU seconds used so far by the local control plane (kube-apiserver + etcd), which shares the
   * machine: status writes and events cost there, not in the operator. 0 when unknown.
   */
  private double controlPlaneCpu() {
    if (s.clusterDir() == null) {
      return 0;
    }
    double cpu = 0;
    for (String component : List.of("apiserver", "etcd")) {
      try {
        long pid =
            Long.parseLong(Files.readString(s.clusterDir().resolve(component + ".pid")).trim());
        cpu += ProcStats.of(pid).cpuSeconds();
      } catch (Exception e) {
        return 0;
      }
    }
    return cpu;
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (Exception e) {
      return "unknown";
    }
  }

  private void target(String name, String goal, Object measured, boolean met) {
    target(name, goal, measured, met, null);
  }

  /** A target; {@code why}, computed from the run, is kept when it is not met. */
  private void target(String name, String goal, Object measured, boolean met, String why) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("target", name);
    t.put("goal", goal);
    t.put("measured", measured);
    t.put("met", met);
    if (!met && why != null) {
      t.put("why", why);
    }
    targets.add(t);
  }

  /**
   * Why apply → all Ready took what it took, from the run's measurements. With the CPUs busy
   * throughout, the sum of every process's CPU over the CPUs is a lower bound of the time, however
   * the operator schedules its work, and the same sum without the operator's CPU is what even an
   * operator that cost nothing would need beside the writes it makes; with CPU to spare, the time
   * went to waiting, and the reconciler's own timer says how long a pass took against the floor's
   * time per identity at the same concurrency.
   */
  static String convergeReason(
      Map<String, Object> create,
      double seconds,
      double floorSeconds,
      int parallelism,
      int identities) {
    int cpus = Runtime.getRuntime().availableProcessors();
    double operator = (Double) create.get("cpuSeconds");
    double controlPlane = (Double) create.get("controlPlaneCpuSeconds");
    double emulators = (Double) create.get("emulatorCpuSeconds");
    double driver = (Double) create.get("driverCpuSeconds");
    double total = operator + controlPlane + emulators + driver;
    double busy = total / (cpus * seconds);
    @SuppressWarnings("unchecked")
    Map<String, Double> writes = (Map<String, Double>) create.get("apiServerWrites");
    StringBuilder byResource = new StringBuilder();
    writes.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(
            e ->
                byResource
                    .append(byResource.isEmpty() ? "" : ", ")
                    .append(e.getKey())
                    .append(' ')
                    .append(Math.round(e.getValue())));
    String work =
        String.format(
            java.util.Locale.ROOT,
            "operator %.1f CPU-s, API server + etcd %.1f (%.1f writes per identity: %s), cloud"
                + " emulators %.1f, this driver %.1f; the floor writes nothing to Kubernetes",
            operator,
            controlPlane,
            (Double) create.get("apiServerWritesPerIdentity"),
            byResource,
            emulators,
            driver);
    if (busy >= CPU_BOUND) {
      return String.format(
          java.util.Locale.ROOT,
          "CPU-bound: the %d CPUs were %.0f %% busy for %.1f s; the work measured needs at least"
              + " %.1f s on them (%.2f × the floor), and without the operator's own CPU still %.1f"
              + " s (%.2f ×): %s",
          cpus,
          100 * busy,
          seconds,
          total / cpus,
          total / cpus / floorSeconds,
          (total - operator) / cpus,
          (total - operator) / cpus / floorSeconds,
          work);
    }
    double reconciles = (Double) create.get("reconciles");
    double perPass = reconciles == 0 ? 0 : (Double) create.get("reconcileSeconds") / reconciles;
    return String.format(
        java.util.Locale.ROOT,
        "waiting, not CPU: the %d CPUs were %.0f %% busy for %.1f s (the work measured needs %.1f s"
            + " on them, %.2f × the floor); a reconcile took %.2f s on average, %d at a time (%.0f"
            + " reconciles), where the floor took %.2f s per identity at the same concurrency: %s",
        cpus,
        100 * busy,
        seconds,
        total / cpus,
        total / cpus / floorSeconds,
        perPass,
        parallelism,
        reconciles,
        floorSeconds * parallelism / identities,
        work);
  }

  /** The operations the operator called more often than the floor, per identity. */
  static String extraCalls(Map<String, Double> operator, Map<String, Double> floor, int n) {
    StringBuilder extra = new StringBuilder();
    new TreeMap<>(operator)
        .forEach(
            (op, count) -> {
              double floorCount = floor == null ? 0 : floor.getOrDefault(op, 0.0);
              if (count > floorCount) {
                extra
                    .append(extra.isEmpty() ? "" : ", ")
                    .append(op)
                    .append(' ')
                    .append(round(count / n))
                    .append(" / ")
                    .append(round(floorCount / n));
              }
            });
    return "calls per identity the floor does not make, operator / floor: " + extra;
  }

  /** The reads of one resync by operation: a scope's lists come in pages. */
  static String pagedReads(Map<String, Double> calls, double scale, String scope) {
    StringBuilder reads = new StringBuilder();
    new TreeMap<>(calls)
        .forEach(
            (op, count) -> {
              if (Metrics.isRead(op)) {
                reads
                    .append(reads.isEmpty() ? "" : ", ")
                    .append(op)
                    .append(' ')
                    .append(round(count * scale));
              }
            });
    return "paged lists: " + reads + " per resync for " + scope;
  }

  /** CPU seconds the cloud emulators (and fakes) have used so far. */
  private static double emulatorCpu(Emulators clouds) {
    return clouds.stats().values().stream().mapToDouble(ProcStats::cpuSeconds).sum();
  }

  /** CPU seconds this driver has used so far: its applies and its watch share the machine. */
  private static double driverCpu() {
    return ProcStats.of(ProcessHandle.current().pid()).cpuSeconds();
  }

  static Map<String, Double> perIdentity(Map<String, Map<String, Double>> calls, int n) {
    Map<String, Double> result = new TreeMap<>();
    calls.forEach((cloud, ops) -> result.put(cloud, round(total(ops) / n)));
    return result;
  }

  static double total(Map<String, Double> ops) {
    return ops == null ? 0 : ops.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  static double percentile(List<Double> sorted, int p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  private static Map<String, Double> roundAll(Map<String, Double> values) {
    Map<String, Double> result = new TreeMap<>();
    values.forEach((k, v) -> result.put(k, round(v)));
    return result;
  }
}
