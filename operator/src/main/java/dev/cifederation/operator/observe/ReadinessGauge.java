package dev.cifederation.operator.observe;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many identities are Ready, not Ready or unknown ({@code cifed_identities{ready}}), so that an
 * alert can fire on identities that stay not Ready, without a series per identity. Updated with
 * every status the reconciler computes; a deleted identity counts no more.
 */
public final class ReadinessGauge {

  public static final String METRIC = "cifed.identities";
  private static final String[] STATUSES = {"True", "False", "Unknown"};

  private final Map<String, String> byIdentity = new ConcurrentHashMap<>();

  public ReadinessGauge(MeterRegistry registry) {
    for (String status : STATUSES) {
      Gauge.builder(METRIC, this, g -> g.count(status))
          .description("Identities by the status of their Ready condition")
          .tag("ready", status)
          .register(registry);
    }
  }

  /** The Ready status ({@code True}, {@code False}, {@code Unknown}) of {@code namespace/name}. */
  public void record(String identity, String ready) {
    byIdentity.put(identity, ready == null ? "Unknown" : ready);
  }

  public void forget(String identity) {
    byIdentity.remove(identity);
  }

  /** The current value for a status (for tests). */
  public double count(String status) {
    return byIdentity.values().stream().filter(status::equals).count();
  }
}
