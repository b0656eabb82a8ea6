package dev.cifederation.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The clouds of one phase: moto_server, the GCP fake and the Azure fake (HTTPS), each on a free
 * loopback port, started fresh so that the operator's run and the floor never share state. Only the
 * clouds of the run are started.
 */
final class Emulators implements AutoCloseable {

  static final String TOKEN = "bench-token";

  private final List<ChildProcess> processes = new ArrayList<>();
  private int motoPort = -1;
  private int gcpPort = -1;
  private int azurePort = -1;
  private Path azureCa;
  private boolean azureHttps = true;

  static Emulators start(Workload workload, Path jars, String moto, Path logDir, String tag) {
    return start(workload, jars, moto, logDir, tag, true);
  }

  /**
   * {@code azureHttps} false: the Azure fake on plain HTTP (loopback only), for the soak's fault
   * proxy in front of it.
   */
  static Emulators start(
      Workload workload, Path jars, String moto, Path logDir, String tag, boolean azureHttps) {
    Emulators e = new Emulators();
    e.azureHttps = azureHttps;
    try {
      if (workload.has("aws")) {
        e.motoPort = ChildProcess.freePort();
        ChildProcess p =
            ChildProcess.start(
                "moto-" + tag,
                List.of(moto, "-H", "127.0.0.1", "-p", Integer.toString(e.motoPort)),
                Map.of(),
                logDir.resolve("moto-" + tag + ".log"));
        e.processes.add(p);
        p.awaitPort(e.motoPort, Duration.ofSeconds(60));
      }
      if (workload.has("gcp")) {
        e.gcpPort = ChildProcess.freePort();
        List<String> command =
            new ArrayList<>(
                List.of(
                    "java",
                    "-jar",
                    jars.resolve("fake-gcp-iam.jar").toString(),
                    "--port",
                    Integer.toString(e.gcpPort),
                    "--token",
                    TOKEN,
                    "--project",
                    Workload.GCP_PROJECT + "=" + Workload.GCP_PROJECT_NUMBER));
        for (String account : workload.serviceAccounts()) {
          command.add("--service-account");
          command.add(account);
        }
        ChildProcess p =
            ChildProcess.start(
                "fake-gcp-" + tag, command, Map.of(), logDir.resolve("fake-gcp-" + tag + ".log"));
        e.processes.add(p);
        p.awaitLog("listening on", Duration.ofSeconds(60));
      }
      if (workload.has("azure")) {
        e.azurePort = ChildProcess.freePort();
        List<String> command =
            new ArrayList<>(
                List.of(
                    "java",
                    "-jar",
                    jars.resolve("fake-azure-arm.jar").toString(),
                    "--port",
                    Integer.toString(e.azurePort),
                    "--token",
                    TOKEN,
                    "--quiet",
                    "--resource-group",
                    Workload.AZURE_SUBSCRIPTION + "/" + Workload.AZURE_GROUP));
        if (azureHttps) {
          e.azureCa = logDir.resolve("fake-azure-" + tag + ".pem");
          command.addAll(List.of("--https", "--cert-out", e.azureCa.toString()));
        }
        ChildProcess p =
            ChildProcess.start(
                "fake-azure-" + tag,
                command,
                Map.of(),
                logDir.resolve("fake-azure-" + tag + ".log"));
        e.processes.add(p);
        p.awaitLog("listening on", Duration.ofSeconds(60));
      }
      return e;
    } catch (RuntimeException ex) {
      e.close();
      throw ex;
    }
  }

  String awsEndpoint() {
    return "http://127.0.0.1:" + motoPort;
  }

  String gcpEndpoint() {
    return "http://127.0.0.1:" + gcpPort + "/";
  }

  String azureEndpoint() {
    return (azureHttps ? "https" : "http") + "://127.0.0.1:" + azurePort + "/";
  }

  Path azureCa() {
    return azureCa;
  }

  /** The operator's environment for these clouds (README, Configuration). */
  Map<String, String> operatorEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    if (motoPort > 0) {
      env.put("AWS_ENDPOINT_URL", awsEndpoint());
      env.put("AWS_ACCESS_KEY_ID", "testing");
      env.put("AWS_SECRET_ACCESS_KEY", "testing");
      env.put("AWS_REGION", "us-east-1");
    }
    if (gcpPort > 0) {
      env.put("CIFED_GCP_IAM_ENDPOINT", gcpEndpoint());
      env.put("CIFED_GCP_ACCESS_TOKEN", TOKEN);
    }
    if (azurePort > 0) {
      env.put("CIFED_AZURE_ARM_ENDPOINT", azureEndpoint());
      env.put("CIFED_AZURE_ACCESS_TOKEN", TOKEN);
      if (azureCa != null) {
        env.put("CIFED_AZURE_CA_FILE", azureCa.toString());
      }
    }
    return env;
  }

  /** Resident memory and CPU of the emulators (they share the machine with the operator). */
  Map<String, ProcStats> stats() {
    Map<String, ProcStats> stats = new LinkedHashMap<>();
    for (ChildProcess p : processes) {
      if (p.isAlive()) {
        stats.put(p.name(), ProcStats.of(p.pid()));
      }
    }
    return stats;
  }

  @Override
  public void close() {
    processes.forEach(ChildProcess::close);
  }
}
