package dev.cifederation.operator.issuer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * A hostile OIDC issuer over TLS on 127.0.0.1 for the tests, its behaviour chosen by the first path
 * segment of the issuer URL: {@code /ok} a healthy issuer (JWKS at {@code /jwks}); {@code /huge} a
 * 2 GiB chunked discovery document; {@code /declared} a Content-Length of 2 GiB; {@code /drip} one
 * byte a second; {@code /redirect} a 302 to the metadata service; {@code /loopjwks} a jwks_uri on
 * 127.0.0.2; {@code /headers} 10 MB of headers; {@code /deep} JSON nested 100,000 deep.
 */
public final class HostileIssuer implements AutoCloseable {

  private final AtomicLong hugeBytesSent = new AtomicLong();
  private final SSLServerSocket server;
  private final ExecutorService connections = Executors.newCachedThreadPool();

  public HostileIssuer(TestPki.Chain chain) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(
          "server", chain.key(), new char[0], chain.certificates().toArray(X509Certificate[]::new));
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, new char[0]);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    Thread acceptor = new Thread(this::accept, "hostile-issuer");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** https://127.0.0.1:PORT{path}; the first segment picks the behaviour (see the class). */
  public String url(String path) {
    return "https://127.0.0.1:" + server.getLocalPort() + path;
  }

  private void accept() {
    try {
      while (true) {
        Socket socket = server.accept();
        connections.submit(() -> serve(socket));
      }
    } catch (IOException closed) {
      // the test is over
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      String path = requestPath(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      String first = path.split("/", 3)[1];
      switch (first) {
        case "ok" -> json(out, discovery(path, url("/jwks")));
        case "jwks" ->
            json(out, "{\"keys\": [{\"kty\": \"RSA\", \"n\": \"AQAB\", \"e\": \"AQAB\"}]}");
        case "loopjwks" ->
            json(out, discovery(path, "https://127.0.0.2:" + server.getLocalPort() + "/jwks"));
        case "redirect" ->
            head(out, "302 Found", "Location: http://169.254.169.254/latest/meta-data/\r\n");
        case "declared" -> head(out, "200 OK", "Content-Length: 2147483648\r\n");
        case "huge" -> huge(out);
        case "drip" -> drip(out);
        case "headers" -> {
          out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
          byte[] header =
              ("X-Padding: " + "a".repeat(1000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
          for (int i = 0; i < 10_000; i++) {
            out.write(header);
          }
        }
        case "deep" -> json(out, "[".repeat(100_000) + "]".repeat(100_000));
        default -> head(out, "404 Not Found", "Content-Length: 0\r\n");
      }
      out.flush();
    } catch (IOException | InterruptedException hungUp) {
      // what a bounded client does to a hostile server
    }
  }

  private String discovery(String path, String jwksUri) {
    String issuer = url(path.substring(0, path.length() - IssuerProbe.DISCOVERY_PATH.length()));
    return "{\"issuer\": \"" + issuer + "\", \"jwks_uri\": \"" + jwksUri + "\"}";
  }

  private void huge(OutputStream out) throws IOException {
    out.write(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
    byte[] chunk = new byte[64 * 1024];
    Arrays.fill(chunk, (byte) ' ');
    byte[] size = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    for (long sent = 0; sent < (2L << 30); sent += chunk.length) {
      out.write(size);
      out.write(chunk);
      out.write('\r');
      out.write('\n');
      hugeBytesSent.addAndGet(chunk.length);
    }
  }

  private void drip(OutputStream out) throws IOException, InterruptedException {
    out.write(
        "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    for (int i = 0; i < 100_000; i++) {
      out.write(' ');
      out.flush();
      Thread.sleep(1000);
    }
  }

  private static void json(OutputStream out, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    head(
        out,
        "200 OK",
        "Content-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n");
    out.write(bytes);
  }

  private static void head(OutputStream out, String status, String headers) throws IOException {
    out.write(
        ("HTTP/1.1 " + status + "\r\n" + headers + "\r\n").getBytes(StandardCharsets.US_ASCII));
  }

  private static String requestPath(InputStream in) throws IOException {
    String request = line(in);
    while (!line(in).isEmpty()) {
      // the rest of the request head
    }
    String[] parts = request.split(" ");
    return parts.length > 1 ? parts[1] : "/";
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  @Override
  public void close() throws IOException {
    server.close();
    connections.shutdownNow();
  }

  /** Bytes of the 2 GiB body actually written before the client hung up. */
  public long hugeBytesSent() {
    return hugeBytesSent.get();
  }
}
