package dev.cifederation.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileTest {

  private static volatile double sink;

  @Test
  void theTopFramesOfARecordingNameWhereTheCpuWent(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("burn.jfr");
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
      recording.start();
      long until = System.nanoTime() + Duration.ofMillis(800).toNanos();
      while (System.nanoTime() < until) {
        burn();
      }
      recording.stop();
      recording.dump(file);
    }

    Map<String, Object> summary = Profile.summarise(file, 3);

    assertThat((Long) summary.get("samples")).isPositive();
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> leaves = (List<Map<String, Object>>) summary.get("topLeafFrames");
    assertThat(leaves).hasSizeBetween(1, 3);
    assertThat(leaves).anyMatch(row -> ((String) row.get("frame")).startsWith("ProfileTest."));
    assertThat((Double) leaves.get(0).get("percent")).isBetween(0.1, 100.0);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> operator =
        (List<Map<String, Object>>) summary.get("topOperatorFrames");
    assertThat(operator.get(0).get("frame"))
        .as("the test is no operator code")
        .asString()
        .startsWith("(no operator frame");
  }

  private static void burn() {
    double x = sink;
    for (int i = 0; i < 10_000; i++) {
      x += Math.sqrt(i + x);
    }
    sink = x;
  }
}
