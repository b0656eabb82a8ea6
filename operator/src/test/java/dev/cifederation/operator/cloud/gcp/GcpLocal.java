package dev.cifederation.operator.cloud.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.trust.LiveTrust;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * GCP for tests outside this package: the fake IAM, the operator's adapter on it, and the trust a
 * provider and the service account's bindings hold, in the claims evaluator's terms.
 */
public final class GcpLocal implements AutoCloseable {

  public static final String PROJECT_ID = GcpTestbed.PROJECT_ID;
  public static final String PROJECT_NUMBER = GcpTestbed.PROJECT_NUMBER;
  public static final String SERVICE_ACCOUNT = GcpTestbed.SA;

  private final GcpTestbed bed = new GcpTestbed();

  public GcpLocal() {
    // operations of out-of-band edits finish on their own, as Google's do
    bed.state().setCompleteAfter(Duration.ofSeconds(1));
  }

  public CloudReconciler adapter(Duration resync) {
    return bed.adapter(bed.settings(resync), GcpTestbed.quickRetries(resync), Clock.systemUTC());
  }

  public Optional<ObjectNode> provider(String name) {
    return bed.state().provider(name);
  }

  /** What the provider and the service account's workloadIdentityUser members admit now. */
  public LiveTrust.Gcp liveTrust(String providerName) {
    ObjectNode provider = bed.state().provider(providerName).orElseThrow();
    String pool = providerName.substring(0, providerName.indexOf("/providers/"));
    List<String> members =
        bed.state().members(SERVICE_ACCOUNT, GcpTestbed.ROLE).stream()
            .filter(m -> m.contains(pool + "/"))
            .toList();
    Map<String, String> mapping = new LinkedHashMap<>();
    provider
        .path("attributeMapping")
        .fields()
        .forEachRemaining(e -> mapping.put(e.getKey(), e.getValue().asText()));
    List<String> audiences = new ArrayList<>();
    provider.path("oidc").path("allowedAudiences").forEach(a -> audiences.add(a.asText()));
    JsonNode condition = provider.get("attributeCondition");
    return new LiveTrust.Gcp(
        providerName,
        provider.path("oidc").path("issuerUri").asText(),
        audiences,
        mapping,
        condition == null ? null : condition.asText(),
        members,
        provider.path("disabled").asBoolean(false)
            || "DELETED".equals(provider.path("state").asText()));
  }

  /** Requests the fake served so far. */
  public long requests() {
    return bed.fake.requests().size();
  }

  @Override
  public void close() {
    bed.close();
  }
}
