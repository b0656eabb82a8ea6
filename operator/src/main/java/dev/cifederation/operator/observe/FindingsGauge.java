package dev.cifederation.operator.observe;

import dev.cifederation.operator.api.v1alpha1.Finding;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The current findings of every identity by rule and severity ({@code cifed_findings}), so that an
 * alert can fire on a Critical finding anywhere in the cluster. A gauge per rule and severity once
 * seen; it drops back to 0 when the last such finding is gone.
 */
public final class FindingsGauge {

  public static final String METRIC = "cifed.findings";

  private record Series(String rule, String severity) {}

  private final MeterRegistry registry;
  private final Map<String, List<Series>> byIdentity = new ConcurrentHashMap<>();
  private final Set<Series> registered = ConcurrentHashMap.newKeySet();

  public FindingsGauge(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Replaces what one identity ({@code namespace/name}) contributes. */
  public void record(String identity, List<Finding> findings) {
    List<Series> series =
        findings.stream().map(f -> new Series(f.getRule(), f.getSeverity().name())).toList();
    byIdentity.put(identity, series);
    series.forEach(this::register);
  }

  /** The identity is gone: it contributes nothing any more. */
  public void forget(String identity) {
    byIdentity.remove(identity);
  }

  /** The current value for a rule and severity (for tests). */
  public double value(String rule, String severity) {
    return count(new Series(rule, severity));
  }

  private void register(Series series) {
    if (registered.add(series)) {
      Gauge.builder(METRIC, this, g -> g.count(series))
          .description("Current trust findings of all identities, by rule and severity")
          .tag("rule", series.rule())
          .tag("severity", series.severity())
          .register(registry);
    }
  }

  private double count(Series series) {
    return byIdentity.values().stream()
        .mapToLong(list -> list.stream().filter(series::equals).count())
        .sum();
  }
}
