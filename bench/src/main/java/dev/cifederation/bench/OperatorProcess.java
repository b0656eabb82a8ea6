package dev.cifederation.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator as users run it: {@code java [opts] -jar operator/target/cifederation-operator.jar
 * run}, configured only through its environment (kubeconfig, cloud endpoints, resync interval,
 * metrics port).
 */
final class OperatorProcess implements AutoCloseable {

  private final ChildProcess process;
  private final int metricsPort;

  private OperatorProcess(ChildProcess process, int metricsPort) {
    this.process = process;
    this.metricsPort = metricsPort;
  }

  static OperatorProcess start(
      Path jars,
      Path kubeconfig,
      Emulators clouds,
      String javaOptions,
      Map<String, String> extraEnv,
      Path log) {
    int port = ChildProcess.freePort();
    Map<String, String> env = new LinkedHashMap<>(clouds.operatorEnvironment());
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("CIFED_METRICS_PORT", Integer.toString(port));
    env.put("CIFED_CLUSTER_NAME", "bench");
    env.putAll(extraEnv);
    List<String> command = new ArrayList<>();
    command.add("java");
    if (!javaOptions.isBlank()) {
      command.addAll(Arrays.asList(javaOptions.trim().split("\\s+")));
    }
    command.addAll(List.of("-jar", jars.resolve("cifederation-operator.jar").toString(), "run"));
    ChildProcess child = ChildProcess.start("operator", command, env, log);
    child.awaitPort(port, Duration.ofSeconds(120));
    return new OperatorProcess(child, port);
  }

  Metrics metrics() {
    return Metrics.scrape(metricsPort);
  }

  ProcStats stats() {
    return ProcStats.of(process.pid());
  }

  /**
   * Heap in use after a full collection ({@code jcmd PID GC.run}), from the operator's own
   * jvm_memory_used_bytes: what the identities really hold, not garbage not yet collected.
   */
  double liveHeapBytes() throws Exception {
    Process jcmd =
        new ProcessBuilder("jcmd", Long.toString(process.pid()), "GC.run")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    jcmd.waitFor(60, TimeUnit.SECONDS);
    return metrics().heapUsedBytes();
  }

  /** Starts a JFR recording with the JDK's {@code profile} settings (CPU samples every 10 ms). */
  void startRecording(String name) throws Exception {
    jcmd("JFR.start", "name=" + name, "settings=profile");
  }

  /** Writes the recording so far to {@code file} and stops it. */
  void dumpRecording(String name, Path file) throws Exception {
    jcmd("JFR.dump", "name=" + name, "filename=" + file.toAbsolutePath());
    jcmd("JFR.stop", "name=" + name);
  }

  private void jcmd(String... command) throws Exception {
    List<String> args = new ArrayList<>(List.of("jcmd", Long.toString(process.pid())));
    args.addAll(Arrays.asList(command));
    Process jcmd =
        new ProcessBuilder(args)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!jcmd.waitFor(120, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
      throw new IllegalStateException("jcmd " + String.join(" ", command) + " failed");
    }
  }

  /**
   * The metrics once no reconcile has finished for {@code quiet}: the passes a start-up triggers
   * (each informer's initial events: identities, issuers, policies, namespaces) are over.
   */
  Metrics awaitQuiet(Duration quiet, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Metrics last = metrics();
    long lastChange = System.nanoTime();
    while (System.nanoTime() - lastChange < quiet.toNanos()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the operator never went quiet within " + timeout);
      }
      ChildProcess.sleep(Duration.ofMillis(100));
      Metrics now = metrics();
      if (now.reconciles() != last.reconciles()) {
        last = now;
        lastChange = System.nanoTime();
      }
    }
    return last;
  }

  Metrics awaitReconciles(double count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Metrics m = metrics();
      if (m.reconciles() >= count) {
        return m;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the operator finished "
                + m.reconciles()
                + " reconciles, not "
                + count
                + ", within "
                + timeout
                + "; see "
                + process.log());
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("the operator exited; see " + process.log());
      }
      ChildProcess.sleep(Duration.ofMillis(250));
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL (the soak's crashes). */
  void kill() {
    process.kill();
  }

  Path log() {
    return process.log();
  }

  @Override
  public void close() {
    process.close();
  }
}
