package dev.cifederation.operator.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;

/**
 * Counts out-of-band changes the operator set back, by cloud ({@code
 * cifed_drift_corrections_total{cloud}}): a rising rate means someone keeps editing what the
 * operator owns.
 */
public final class DriftCorrections {

  public static final String METRIC = "cifed.drift.corrections";

  private final MeterRegistry registry;

  public DriftCorrections(MeterRegistry registry) {
    this.registry = registry;
  }

  public void record(String cloud, int corrections) {
    if (corrections <= 0) {
      return;
    }
    Counter.builder(METRIC)
        .description("Out-of-band changes to cloud objects that the operator corrected")
        .tag("cloud", cloud.toLowerCase(Locale.ROOT))
        .register(registry)
        .increment(corrections);
  }
}
