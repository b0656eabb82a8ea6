package dev.cifederation.operator.observe;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * {@code /metrics} (Prometheus text format), {@code /healthz} (the process serves) and {@code
 * /readyz} (the operator started and its informers are healthy) on one port. The JDK's HTTP server
 * is enough for three plain endpoints.
 */
public final class HttpEndpoints implements AutoCloseable {

  private final HttpServer server;

  public HttpEndpoints(int port, PrometheusMeterRegistry registry, BooleanSupplier ready)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/metrics", ex -> respond(ex, 200, registry.scrape()));
    server.createContext("/healthz", ex -> respond(ex, 200, "ok"));
    server.createContext(
        "/readyz",
        ex ->
            respond(
                ex, ready.getAsBoolean() ? 200 : 503, ready.getAsBoolean() ? "ok" : "not ready"));
    server.setExecutor(Executors.newSingleThreadExecutor(r -> new Thread(r, "http-endpoints")));
  }

  public void start() {
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
