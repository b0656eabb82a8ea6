package dev.cifederation.operator.issuer;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A successful issuer check: the discovery document names the issuer, its JWKS is served, and the
 * TLS chains of the discovery and JWKS hosts (one entry when both are the same host).
 */
public record IssuerHealth(String jwksUri, List<HostChain> hosts) {

  public IssuerHealth {
    hosts = List.copyOf(hosts);
  }

  /** The distinct live thumbprints, discovery host first. */
  public Set<String> thumbprints() {
    Set<String> live = new LinkedHashSet<>();
    hosts.forEach(h -> live.add(h.sha1()));
    return live;
  }
}
