package dev.cifederation.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The kube-apiserver that hack/cluster-up.sh started (its pid in {@code apiserver.pid}): killed
 * with SIGKILL and started again with the very same command line (read from /proc), as a crashed
 * static pod is restarted. The new pid goes back into the pid file, so hack/cluster-down.sh stops
 * it.
 */
final class ApiServerProcess {

  private final Path clusterDir;

  ApiServerProcess(Path clusterDir) {
    this.clusterDir = clusterDir;
  }

  /** Kills the API server, starts it again and waits until it answers; returns the downtime. */
  Duration killAndRestart(KubernetesClient client, Duration timeout) {
    Path pidFile = clusterDir.resolve("apiserver.pid");
    try {
      long pid = Long.parseLong(Files.readString(pidFile).trim());
      List<String> command = commandLine(pid);
      // cluster-up.sh passes paths relative to where it ran
      Path workingDir = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"));
      long start = System.nanoTime();
      ProcessHandle handle =
          ProcessHandle.of(pid)
              .orElseThrow(() -> new IllegalStateException("no kube-apiserver with pid " + pid));
      handle.destroyForcibly();
      handle.onExit().get();
      Process restarted =
          new ProcessBuilder(command)
              .directory(workingDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(
                  ProcessBuilder.Redirect.appendTo(clusterDir.resolve("apiserver.log").toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      Files.writeString(pidFile, Long.toString(restarted.pid()));
      long deadline = start + timeout.toNanos();
      while (true) {
        try {
          client.getKubernetesVersion();
          client.namespaces().withName(Workload.NAMESPACE).get();
          return Duration.ofNanos(System.nanoTime() - start);
        } catch (RuntimeException notYet) {
          if (!restarted.isAlive()) {
            throw new IllegalStateException(
                "the restarted kube-apiserver exited; see " + clusterDir.resolve("apiserver.log"));
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("kube-apiserver not back within " + timeout, notYet);
          }
          ChildProcess.sleep(Duration.ofMillis(250));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  private static List<String> commandLine(long pid) throws IOException {
    byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
    List<String> args = new ArrayList<>();
    int from = 0;
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == 0) {
        args.add(new String(raw, from, i - from, StandardCharsets.UTF_8));
        from = i + 1;
      }
    }
    if (args.isEmpty() || !args.get(0).endsWith("kube-apiserver")) {
      throw new IllegalStateException("pid " + pid + " is not a kube-apiserver: " + args);
    }
    return args;
  }
}
