package dev.cifederation.operator.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shows that resyncs run although a steady one writes nothing: every adapter pass of an identity,
 * by cloud and whether it changed anything ({@code cifed_cloud_passes_total{cloud,outcome}},
 * outcome {@code changed} or {@code unchanged}), and when the last pass of each cloud ended ({@code
 * cifed_cloud_last_pass_timestamp_seconds{cloud}}). {@code status.<cloud>.lastSyncTime} moves only
 * when a pass changes something, so these are how liveness is watched — without a series per
 * identity.
 */
public final class CloudPasses {

  public static final String PASSES = "cifed.cloud.passes";
  public static final String LAST_PASS = "cifed.cloud.last.pass.timestamp.seconds";

  private final MeterRegistry registry;
  private final Clock clock;
  private final Map<String, AtomicLong> lastPassMillis = new ConcurrentHashMap<>();

  public CloudPasses(MeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
  }

  /** One pass of one identity in {@code cloud}; {@code changed}: it wrote or recorded something. */
  public void record(String cloud, boolean changed) {
    String label = cloud.toLowerCase(Locale.ROOT);
    Counter.builder(PASSES)
        .description("Passes of an identity in a cloud, by whether they changed anything")
        .tag("cloud", label)
        .tag("outcome", changed ? "changed" : "unchanged")
        .register(registry)
        .increment();
    lastPassMillis
        .computeIfAbsent(
            label,
            c -> {
              AtomicLong millis = new AtomicLong();
              Gauge.builder(LAST_PASS, millis, m -> m.get() / 1000.0)
                  .description("When the last pass of any identity in the cloud ended (Unix time)")
                  .tag("cloud", c)
                  .register(registry);
              return millis;
            })
        .set(clock.millis());
  }
}
