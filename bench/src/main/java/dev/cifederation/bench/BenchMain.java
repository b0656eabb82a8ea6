package dev.cifederation.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code make bench} runs this through hack/bench.sh: {@code run} per N, then {@code summary}. */
@Command(
    name = "cifederation-bench",
    mixinStandardHelpOptions = true,
    subcommands = {BenchMain.Run.class, BenchMain.Summary.class, BenchMain.Soak.class})
public final class BenchMain implements Runnable {

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  static final Set<String> CLOUDS = Set.of("aws", "gcp", "azure");

  public static void main(String[] args) {
    int code = new CommandLine(new BenchMain()).execute(args);
    // the Kubernetes and Netty clients leave non-daemon threads behind
    System.exit(code);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  @Command(name = "run", description = "One run for one N; writes RESULT.json and RESULT.md")
  static final class Run implements Callable<Integer> {
    @Option(names = "--identities", required = true, description = "N, the number of identities")
    int identities;

    @Option(
        names = "--clouds",
        defaultValue = "aws,gcp,azure",
        description = "clouds each identity uses")
    String clouds;

    @Option(names = "--kubeconfig", required = true)
    Path kubeconfig;

    @Option(names = "--repo-root", defaultValue = ".", description = "where crds/ is")
    Path repoRoot;

    @Option(
        names = "--jars",
        required = true,
        description =
            "folder with cifederation-operator.jar, fake-gcp-iam.jar and fake-azure-arm.jar (a copy:"
                + " a build during the run must not replace a jar under a running JVM)")
    Path jars;

    @Option(
        names = "--out",
        required = true,
        description = "result file (.json; the .md goes beside it)")
    Path out;

    @Option(
        names = "--work-dir",
        required = true,
        description = "logs of the operator and emulators")
    Path workDir;

    @Option(
        names = "--cluster-dir",
        description =
            "cluster-up.sh's state folder: the API server's and etcd's CPU are measured too")
    Path clusterDir;

    @Option(names = "--moto", defaultValue = "moto_server")
    String moto;

    @Option(names = "--operator-java-options", defaultValue = "-XX:MaxRAM=512m")
    String javaOptions;

    @Option(names = "--resync-seconds", defaultValue = "30")
    int resyncSeconds;

    @Option(
        names = "--parallelism",
        defaultValue = "0",
        description =
            "the operator's reconcile threads (CIFED_RECONCILE_THREADS) and the floor's; 0: the"
                + " operator's default on this machine")
    int parallelism;

    @Option(names = "--apply-threads", defaultValue = "16")
    int applyThreads;

    @Option(names = "--ready-timeout-seconds", defaultValue = "1800")
    int readyTimeoutSeconds;

    @Option(names = "--note", defaultValue = "", description = "what else ran on the machine")
    String note;

    /** OperatorConfig.defaultReconcileThreads: 8 per CPU, 8 to 50 (the bench does not link it). */
    private static int operatorDefaultThreads() {
      return Math.max(8, Math.min(50, 8 * Runtime.getRuntime().availableProcessors()));
    }

    @Option(
        names = "--shards",
        defaultValue = "1",
        description =
            "operator processes side by side, each reconciling the identities labelled with its"
                + " shard (creation only)")
    int shards;

    @Option(
        names = "--profile",
        description = "a JFR recording of the create phase, summarised into its top frames")
    boolean profile;

    @Override
    public Integer call() throws Exception {
      if (shards < 1 || shards > 16) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--shards must be 1 to 16, not " + shards);
      }
      Set<String> selected = new LinkedHashSet<>(Arrays.asList(clouds.split(",")));
      selected.removeIf(String::isBlank);
      if (selected.isEmpty() || !CLOUDS.containsAll(selected)) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--clouds must list some of aws,gcp,azure, not " + clouds);
      }
      Workload workload = new Workload(identities, Set.copyOf(selected));
      Map<String, Object> result =
          new BenchRun(
                  new BenchRun.Settings(
                      workload,
                      repoRoot.toAbsolutePath().normalize(),
                      jars.toAbsolutePath().normalize(),
                      kubeconfig.toAbsolutePath(),
                      clusterDir == null ? null : clusterDir.toAbsolutePath(),
                      workDir.toAbsolutePath(),
                      moto,
                      javaOptions,
                      resyncSeconds,
                      parallelism > 0 ? parallelism : operatorDefaultThreads(),
                      applyThreads,
                      Duration.ofSeconds(readyTimeoutSeconds),
                      shards,
                      profile))
              .run();
      @SuppressWarnings("unchecked")
      Map<String, Object> run = (Map<String, Object>) result.get("run");
      run.put("note", note);
      Files.createDirectories(out.toAbsolutePath().getParent());
      JSON.writeValue(out.toFile(), result);
      Path markdown = Path.of(out.toString().replaceFirst("\\.json$", "") + ".md");
      Files.writeString(markdown, Report.markdown(result));
      System.out.println(Files.readString(markdown));
      return 0;
    }
  }

  @Command(
      name = "soak",
      description =
          "Crash and fault soak (make soak): kills, an API server restart, fault bursts, an outage,"
              + " a leader failover; invariants read from the clouds after each phase")
  static final class Soak implements Callable<Integer> {
    @Option(names = "--identities", defaultValue = "60")
    int identities;

    @Option(names = "--seed", description = "replays a run; default: the current time")
    Long seed;

    @Option(names = "--kubeconfig", required = true)
    Path kubeconfig;

    @Option(names = "--cluster-dir", required = true, description = "cluster-up.sh's state folder")
    Path clusterDir;

    @Option(names = "--repo-root", defaultValue = ".")
    Path repoRoot;

    @Option(names = "--jars", required = true)
    Path jars;

    @Option(names = "--moto", defaultValue = "moto_server")
    String moto;

    @Option(names = "--operator-java-options", defaultValue = "-XX:MaxRAM=512m")
    String javaOptions;

    @Option(names = "--resync-seconds", defaultValue = "10")
    int resyncSeconds;

    @Option(names = "--outage-seconds", defaultValue = "60")
    int outageSeconds;

    @Option(names = "--ready-timeout-seconds", defaultValue = "600")
    int readyTimeoutSeconds;

    @Option(names = "--work-dir", required = true)
    Path workDir;

    @Option(names = "--out", required = true, description = "result file (.json; .md beside it)")
    Path out;

    @Override
    public Integer call() throws Exception {
      long chosen = seed != null ? seed : System.currentTimeMillis();
      Map<String, Object> result;
      try {
        result =
            new SoakRun(
                    new SoakRun.Settings(
                        identities,
                        chosen,
                        repoRoot.toAbsolutePath().normalize(),
                        jars.toAbsolutePath().normalize(),
                        kubeconfig.toAbsolutePath(),
                        clusterDir.toAbsolutePath(),
                        workDir.toAbsolutePath(),
                        moto,
                        javaOptions,
                        resyncSeconds,
                        Duration.ofSeconds(outageSeconds),
                        Duration.ofSeconds(readyTimeoutSeconds)))
                .run();
      } catch (Exception e) {
        System.out.println("[soak] FAILED with seed " + chosen + ": " + e.getMessage());
        throw e;
      }
      Files.createDirectories(out.toAbsolutePath().getParent());
      JSON.writeValue(out.toFile(), result);
      Path markdown = Path.of(out.toString().replaceFirst("\\.json$", "") + ".md");
      Files.writeString(markdown, SoakReport.markdown(result));
      System.out.println(Files.readString(markdown));
      return 0;
    }
  }

  @Command(name = "summary", description = "One Markdown table of every result JSON in a folder")
  static final class Summary implements Callable<Integer> {
    @Option(names = "--results", required = true)
    Path results;

    @Option(names = "--out", required = true)
    Path out;

    @Override
    public Integer call() throws Exception {
      List<Path> files;
      try (var list = Files.list(results)) {
        // the soak's results share the folder but are not benchmark runs
        files =
            list.filter(p -> p.toString().endsWith(".json"))
                .filter(p -> !p.getFileName().toString().startsWith("soak-"))
                .sorted()
                .toList();
      }
      Files.writeString(out, Report.summary(files));
      System.out.println(Files.readString(out));
      return 0;
    }
  }
}
