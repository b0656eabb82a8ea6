package dev.cifederation.operator.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A kube-controller-manager beside kube-api-test's etcd and API server, running only what tests
 * need from it: the namespace controller (a deleted namespace's content is deleted and the
 * namespace finalized) and the garbage collector (dependents of a deleted owner are collected),
 * plus the service-account controllers so namespaces get their default account as in a cluster. It
 * authenticates with the test's admin kubeconfig; no per-controller credentials.
 */
final class ControllerManager {

  /**
   * How long a start may take before the process counts as failed: it exits at once on a bad flag.
   */
  private static final Duration SETTLE = Duration.ofSeconds(2);

  private final Process process;

  private ControllerManager(Process process) {
    this.process = process;
  }

  static ControllerManager start(
      Path binary, Path kubeconfig, Path serviceAccountKey, Path workDir, Path log) {
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException(
          "no kube-controller-manager at "
              + binary
              + "; build it with hack/build-control-plane.sh");
    }
    List<String> command =
        List.of(
            binary.toString(),
            "--kubeconfig=" + kubeconfig,
            "--controllers=namespace,garbagecollector,serviceaccount,serviceaccount-token",
            "--service-account-private-key-file=" + serviceAccountKey,
            "--use-service-account-credentials=false",
            "--leader-elect=false",
            // no serving endpoint: nothing scrapes it, and a fixed port would collide between JVMs
            "--secure-port=0",
            // the garbage collector's and namespace controller's discovery resync: short, so that
            // the test CRDs installed just before are known to it at once
            "--namespace-sync-period=10s",
            "--cert-dir=" + workDir.resolve("controller-manager"));
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      process.getOutputStream().close();
      if (process.waitFor(SETTLE.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(
            "kube-controller-manager exited with "
                + process.exitValue()
                + " at start-up; see "
                + log.toAbsolutePath());
      }
      return new ControllerManager(process);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  void stop() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
