package dev.cifederation.operator.issuer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The thumbprints a provider created for an issuer should start with, per issuer URL, as the last
 * successful check of that issuer decided ({@link ThumbprintPlan#forNewProvider}). Filled by the
 * issuer reconciler, read when the AWS adapter creates a provider for an identity. An issuer not
 * checked yet (or never reachable) has none: IAM then obtains them itself, and the issuer's next
 * check corrects them.
 */
public final class KnownThumbprints {

  private final Map<String, List<String>> byIssuerUrl = new ConcurrentHashMap<>();

  public List<String> forIssuer(String issuerUrl) {
    return byIssuerUrl.getOrDefault(issuerUrl, List.of());
  }

  public void put(String issuerUrl, List<String> thumbprints) {
    byIssuerUrl.put(issuerUrl, List.copyOf(thumbprints));
  }

  public void forget(String issuerUrl) {
    byIssuerUrl.remove(issuerUrl);
  }
}
