package dev.cifederation.operator.issuer;

import static dev.cifederation.operator.api.v1alpha1.IssuerReachableReason.InvalidDocument;
import static dev.cifederation.operator.api.v1alpha1.IssuerReachableReason.IssuerMismatch;
import static dev.cifederation.operator.api.v1alpha1.IssuerReachableReason.UntrustedCertificate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Checks an issuer the way a relying party sees it: fetches {@code {url}/.well-known/openid-
 * configuration} over https, requires its {@code issuer} to be the URL, follows {@code jwks_uri}
 * (https) to a JWKS with keys, and records the chain each of the two hosts presented in the very
 * TLS session that served the document. Every failure becomes an {@link IssuerCheckException} with
 * a closed reason.
 *
 * <p>A check is bounded whatever the hosts do (see {@link BoundedHttps}): one deadline for both
 * fetches, {@value #MAX_BODY} bytes per document, no redirects, and only addresses the {@link
 * AddressPolicy} allows, checked after resolution.
 */
public final class IssuerProbe {

  static final String DISCOVERY_PATH = "/.well-known/openid-configuration";

  /** Discovery documents and JWKS are small; a larger answer is not an OIDC document. */
  private static final int MAX_BODY = 1 << 20;

  /** A real discovery document or JWKS nests a few levels; deeper is not one. */
  private static final int MAX_JSON_DEPTH = 32;

  private static final ObjectMapper JSON =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build())
                  .build())
          .build();

  private final TrustAnchors anchors;
  private final Duration timeout;
  private final AddressPolicy addresses;
  private final Clock clock;

  /**
   * @param timeout the deadline of a whole check: resolution, both connections, headers and bodies
   * @param addresses where issuers and their JWKS may be fetched from
   */
  public IssuerProbe(TrustAnchors anchors, Duration timeout, AddressPolicy addresses) {
    this(anchors, timeout, addresses, Clock.systemUTC());
  }

  IssuerProbe(TrustAnchors anchors, Duration timeout, AddressPolicy addresses, Clock clock) {
    this.anchors = anchors;
    this.timeout = timeout;
    this.addresses = addresses;
    this.clock = clock;
  }

  public IssuerHealth check(String issuerUrl, String caBundle) throws IssuerCheckException {
    URI discovery = httpsUri(issuerUrl + DISCOVERY_PATH, "spec.url");
    // a fresh SSL context per check and one connection per fetch, so no resumed TLS session or
    // kept-alive connection can hide a chain the host has rotated since the last check
    BoundedHttps http =
        new BoundedHttps(anchors.sslContext(caBundle), addresses, clock, timeout, MAX_BODY);

    Map<String, HostChain> hosts = new LinkedHashMap<>();
    Fetched document = fetch(http, discovery, "discovery document");
    hosts.put(document.chain().host(), document.chain());
    JsonNode config = parse(document, "discovery document");
    String issuer = config.path("issuer").asText(null);
    if (!issuerUrl.equals(issuer)) {
      throw new IssuerCheckException(
          IssuerMismatch,
          "the discovery document at "
              + discovery
              + " names issuer "
              + (issuer == null ? "(none)" : issuer)
              + ", not "
              + issuerUrl
              + "; tokens would not verify against spec.url");
    }
    String jwksUri = config.path("jwks_uri").asText(null);
    if (jwksUri == null) {
      throw new IssuerCheckException(
          InvalidDocument, "the discovery document at " + discovery + " has no jwks_uri");
    }
    URI jwks = httpsUri(jwksUri, "jwks_uri of " + discovery);
    Fetched keys = fetch(http, jwks, "JWKS");
    hosts.putIfAbsent(keys.chain().host(), keys.chain());
    JsonNode set = parse(keys, "JWKS");
    if (!set.path("keys").isArray() || set.path("keys").isEmpty()) {
      throw new IssuerCheckException(
          InvalidDocument, "the JWKS at " + jwks + " lists no keys: no token could be verified");
    }
    return new IssuerHealth(jwksUri, new ArrayList<>(hosts.values()));
  }

  private record Fetched(URI uri, byte[] body, HostChain chain) {}

  private Fetched fetch(BoundedHttps http, URI uri, String what) throws IssuerCheckException {
    BoundedHttps.Response response = http.get(uri, what);
    SSLSession session = response.session();
    if (session == null) {
      throw new IssuerCheckException(UntrustedCertificate, uri + " was not served over TLS");
    }
    return new Fetched(uri, response.body(), chainOf(host(uri), session));
  }

  private static HostChain chainOf(String host, SSLSession session) throws IssuerCheckException {
    List<X509Certificate> presented = new ArrayList<>();
    try {
      for (Certificate certificate : session.getPeerCertificates()) {
        presented.add((X509Certificate) certificate);
      }
    } catch (SSLPeerUnverifiedException e) {
      throw new IssuerCheckException(UntrustedCertificate, host + " presented no certificate", e);
    }
    if (presented.isEmpty()) {
      throw new IssuerCheckException(UntrustedCertificate, host + " presented no certificate");
    }
    X509Certificate last = presented.get(presented.size() - 1);
    Instant earliest =
        presented.stream().map(c -> c.getNotAfter().toInstant()).min(Instant::compareTo).get();
    return new HostChain(
        host, Thumbprints.ofPresentedChain(presented), last.getNotAfter().toInstant(), earliest);
  }

  private static JsonNode parse(Fetched fetched, String what) throws IssuerCheckException {
    try {
      JsonNode node = JSON.readTree(fetched.body());
      if (node == null || !node.isObject()) {
        throw new IOException("not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new IssuerCheckException(
          InvalidDocument, "the " + what + " at " + fetched.uri() + " is not a JSON object", e);
    }
  }

  private static URI httpsUri(String value, String field) throws IssuerCheckException {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw new IssuerCheckException(InvalidDocument, field + " is not a URL: " + value, e);
    }
    if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      throw new IssuerCheckException(
          InvalidDocument, field + " must be an https URL, not " + value + " (https only)");
    }
    return uri;
  }

  /** {@code host} or {@code host:port}: the form status.thumbprints[].host uses. */
  static String host(URI uri) {
    int port = uri.getPort();
    return port == -1 || port == 443 ? uri.getHost() : uri.getHost() + ":" + port;
  }
}
