package dev.cifederation.operator.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class ReadinessGaugeTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ReadinessGauge gauge = new ReadinessGauge(registry);

  private double exported(String ready) {
    return registry.get(ReadinessGauge.METRIC).tag("ready", ready).gauge().value();
  }

  @Test
  void countsEachIdentityOnceByItsLatestReadyStatusUntilItIsDeleted() {
    gauge.record("team-a/deploy", "False");
    gauge.record("team-a/deploy", "True");
    gauge.record("team-b/deploy", "False");
    gauge.record("team-c/deploy", null);

    assertThat(exported("True")).isEqualTo(1);
    assertThat(exported("False")).isEqualTo(1);
    assertThat(exported("Unknown")).isEqualTo(1);

    gauge.forget("team-b/deploy");
    assertThat(exported("False")).isZero();
  }
}
