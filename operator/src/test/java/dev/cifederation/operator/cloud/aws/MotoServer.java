package dev.cifederation.operator.cloud.aws;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code moto_server} (the AWS emulator) on a free loopback port, for the tests' lifetime.
 * Found as the system property {@code cifed.moto.server}, on the PATH or in the usual pip/pyenv
 * places; {@code hack/install-moto.sh} (run by {@code make test}) installs it when missing. Its
 * output goes to {@code target/moto-server.log}.
 */
final class MotoServer implements AutoCloseable {

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final URI endpoint;

  private MotoServer(Process process, URI endpoint) {
    this.process = process;
    this.endpoint = endpoint;
  }

  static MotoServer start() {
    Path executable =
        executable()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "moto_server not found (PATH, ~/.pyenv/shims, ~/.local/bin); install it"
                            + " with hack/install-moto.sh or pip install 'moto[server]'"));
    for (int attempt = 1; ; attempt++) {
      int port = freePort();
      List<String> command =
          List.of(executable.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port));
      try {
        Path log = Path.of("target", "moto-server.log");
        Files.createDirectories(log.getParent());
        Process process =
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        MotoServer server = new MotoServer(process, URI.create("http://127.0.0.1:" + port));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "moto-shutdown"));
        if (server.awaitReady()) {
          return server;
        }
        server.close();
        if (attempt == 2) {
          throw new IllegalStateException(
              "moto_server did not start on port " + port + "; see target/moto-server.log");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** The HTTP endpoint to point IAM and STS clients at. */
  URI endpoint() {
    return endpoint;
  }

  /** Forgets every account's state, between tests. */
  void reset() {
    try {
      HTTP.send(
          HttpRequest.newBuilder(endpoint.resolve("/moto-api/reset"))
              .POST(HttpRequest.BodyPublishers.noBody())
              .build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private boolean awaitReady() {
    Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        return false;
      }
      try {
        HTTP.send(
            HttpRequest.newBuilder(endpoint.resolve("/moto-api/"))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.discarding());
        return true;
      } catch (IOException notYet) {
        sleep(Duration.ofMillis(250));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private static Optional<Path> executable() {
    String property = System.getProperty("cifed.moto.server");
    if (property != null && !property.isBlank()) {
      return Optional.of(Path.of(property));
    }
    List<Path> candidates = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        if (!dir.isBlank()) {
          candidates.add(Path.of(dir, "moto_server"));
        }
      }
    }
    String home = System.getProperty("user.home");
    candidates.add(Path.of(home, ".pyenv", "shims", "moto_server"));
    candidates.add(Path.of(home, ".local", "bin", "moto_server"));
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
