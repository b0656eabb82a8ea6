package dev.cifederation.operator.issuer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A local OIDC issuer over HTTPS for the tests: discovery on one port, the JWKS on another (two TLS
 * hosts, as with GitHub), each presenting a chain that the test can switch at runtime (a rotation)
 * or make answer an HTTP error (an outage). Any path prefix is an issuer of its own: {@code
 * https://127.0.0.1:PORT/team-a} serves {@code /team-a/.well-known/openid-configuration}.
 */
public final class TestIssuer implements AutoCloseable {

  private final HttpsServer discovery;
  private final HttpsServer jwks;
  private final SwitchableKeyManager discoveryKeys;
  private final SwitchableKeyManager jwksKeys;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final AtomicInteger failWith = new AtomicInteger();
  private final AtomicReference<String> issuerOverride = new AtomicReference<>();
  private final AtomicReference<String> jwksUriOverride = new AtomicReference<>();

  public TestIssuer(TestPki.Chain chain) {
    discoveryKeys = new SwitchableKeyManager(chain);
    jwksKeys = new SwitchableKeyManager(chain);
    discovery = start(discoveryKeys);
    jwks = start(jwksKeys);
    discovery.createContext("/", this::discovery);
    jwks.createContext("/", this::jwks);
  }

  /** The issuer URL for a path prefix ("" for the root issuer), e.g. https://127.0.0.1:4711/a. */
  public String url(String path) {
    return "https://127.0.0.1:" + discovery.getAddress().getPort() + path;
  }

  public String jwksUri() {
    return "https://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks";
  }

  public String discoveryHost() {
    return "127.0.0.1:" + discovery.getAddress().getPort();
  }

  public String jwksHost() {
    return "127.0.0.1:" + jwks.getAddress().getPort();
  }

  public int discoveryPort() {
    return discovery.getAddress().getPort();
  }

  /** Both hosts present {@code chain} from the next handshake on. */
  public void serve(TestPki.Chain chain) {
    discoveryKeys.current.set(chain);
    jwksKeys.current.set(chain);
  }

  /** Only the JWKS host presents {@code chain} from the next handshake on. */
  public void serveJwks(TestPki.Chain chain) {
    jwksKeys.current.set(chain);
  }

  /** Every request answers {@code status} (0: serve normally again). */
  public void failWith(int status) {
    failWith.set(status);
  }

  /** The discovery document names another issuer (null: the right one again). */
  public void claimIssuer(String issuer) {
    issuerOverride.set(issuer);
  }

  /** The discovery document points at another jwks_uri (null: the right one again). */
  public void pointJwksAt(String uri) {
    jwksUriOverride.set(uri);
  }

  private void discovery(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String suffix = IssuerProbe.DISCOVERY_PATH;
    if (!path.endsWith(suffix)) {
      respond(exchange, 404, "{}");
      return;
    }
    String issuer = url(path.substring(0, path.length() - suffix.length()));
    String claimed = issuerOverride.get() == null ? issuer : issuerOverride.get();
    String jwksUri = jwksUriOverride.get() == null ? jwksUri() : jwksUriOverride.get();
    respond(
        exchange,
        200,
        """
        {"issuer": "%s", "jwks_uri": "%s", "subject_types_supported": ["public", "pairwise"],
         "response_types_supported": ["id_token"], "id_token_signing_alg_values_supported": ["RS256"],
         "claims_supported": ["sub", "aud", "repository", "environment", "ref"]}
        """
            .formatted(claimed, jwksUri));
  }

  private void jwks(HttpExchange exchange) throws IOException {
    respond(
        exchange,
        200,
        """
        {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "test-key",
          "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw",
          "e": "AQAB"}]}
        """);
  }

  private void respond(HttpExchange exchange, int status, String body) throws IOException {
    int failure = failWith.get();
    byte[] bytes =
        (failure == 0 ? body : "{\"error\": \"outage\"}").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(failure == 0 ? status : failure, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private HttpsServer start(SwitchableKeyManager keys) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {keys}, null, null);
      HttpsServer server =
          HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setHttpsConfigurator(new HttpsConfigurator(context));
      server.setExecutor(executor);
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    discovery.stop(0);
    jwks.stop(0);
    executor.shutdownNow();
  }

  /** Presents whichever chain is current at each handshake. */
  private static final class SwitchableKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "current";
    final AtomicReference<TestPki.Chain> current;

    SwitchableKeyManager(TestPki.Chain chain) {
      current = new AtomicReference<>(chain);
    }

    private String aliasFor(String keyType) {
      return current.get().key().getAlgorithm().equals(keyType) ? ALIAS : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return aliasFor(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return aliasFor(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return aliasFor(keyType) == null ? null : new String[] {ALIAS};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return current.get().certificates().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return current.get().key();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }
}
