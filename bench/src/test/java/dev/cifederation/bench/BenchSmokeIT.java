package dev.cifederation.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code make bench} with ten identities on all three clouds, as a user runs it (hack/bench.sh, the
 * jars of this build): the benchmark must keep working as the operator changes. No timing is
 * asserted, only that every phase ran and the report is complete and well-formed.
 */
class BenchSmokeIT {

  private static final Path ROOT =
      Path.of(System.getProperty("cifed.repo.root", "..")).toAbsolutePath();
  private static final Path OUT = ROOT.resolve("bench/target/bench-smoke");

  @Test
  void aSmallRunOnEveryCloudProducesACompleteReport() throws Exception {
    ProcessBuilder bench =
        new ProcessBuilder("hack/bench.sh")
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ROOT.resolve("bench/target/bench-smoke.log").toFile());
    bench.environment().put("N", "10");
    bench.environment().put("CLOUDS", "aws,gcp,azure");
    bench.environment().put("RESYNC", "5");
    bench.environment().put("OUT", OUT.toString());
    bench.environment().put("WORK", ROOT.resolve("bench/target/bench-work").toString());
    bench.environment().put("BUILD", "0");
    bench.environment().put("PLOT", "0");
    Process process = bench.start();
    assertThat(process.waitFor(8, TimeUnit.MINUTES)).as("bench finished").isTrue();
    assertThat(process.exitValue()).as("exit code; see bench/target/bench-smoke.log").isZero();

    JsonNode result = new ObjectMapper().readTree(OUT.resolve("aws-gcp-azure-n10.json").toFile());
    assertThat(result.path("run").path("identities").asInt()).isEqualTo(10);
    JsonNode create = result.path("create");
    assertThat(create.path("allReady").asBoolean()).as(create.toString()).isTrue();
    assertThat(create.path("seconds").asDouble()).isPositive();
    for (String cloud : List.of("aws", "gcp", "azure")) {
      assertThat(create.path("calls").path(cloud).size())
          .as(cloud + " creation calls")
          .isPositive();
      assertThat(result.path("floor").path("calls").path(cloud).size())
          .as(cloud + " floor calls")
          .isPositive();
      assertThat(result.path("operatorToFloor").path("calls").path(cloud).asDouble()).isPositive();
      assertThat(result.path("resync").path("readsPerResync").path(cloud).asDouble())
          .as(cloud + " reads in a resync")
          .isPositive();
    }
    assertThat(result.path("resync").path("writesPerResync").isObject()).isTrue();
    List<String> corrected = new ArrayList<>();
    result
        .path("drift")
        .forEach(
            d -> {
              if (d.path("corrected").asBoolean()) {
                corrected.add(d.path("cloud").asText());
              }
            });
    assertThat(corrected).as("out-of-band changes set back").containsExactly("aws", "gcp", "azure");
    assertThat(result.path("memory").path("peakRssMiB").asDouble()).isPositive();
    assertThat(result.path("create").path("liveHeapMiB").asDouble()).isPositive();
    assertThat(result.path("targets").size()).isGreaterThanOrEqualTo(6);
    // the create phase's whole cost: every identity applied, then its finalizer and status
    assertThat(create.path("apiServerWrites").path("cifederatedidentities").asDouble())
        .isGreaterThanOrEqualTo(20);
    assertThat(create.path("apiServerWrites").path("cifederatedidentities/status").asDouble())
        .isGreaterThanOrEqualTo(10);
    assertThat(create.path("emulatorCpuSeconds").asDouble()).isPositive();

    String markdown = Files.readString(OUT.resolve("aws-gcp-azure-n10.md"));
    assertThat(markdown)
        .contains("| figure | operator | floor | operator / floor |")
        .contains("| aws | CreateRole |")
        .contains("Targets:");
    assertThat(Files.readString(OUT.resolve("summary.md"))).contains("| aws+gcp+azure | 10 |");
  }
}
