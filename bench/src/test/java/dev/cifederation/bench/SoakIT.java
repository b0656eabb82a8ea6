package dev.cifederation.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code make soak} with ten identities, as CI runs it inside {@code make test} (hack/soak.sh, the
 * jars of this build): at least ten SIGKILLs of the operator, one API server restart, fault bursts,
 * a 60 s Azure outage and a leader failover, every invariant read back from the clouds. The run
 * itself fails on a violated invariant; here the result must also show what was injected.
 */
class SoakIT {

  private static final Path ROOT =
      Path.of(System.getProperty("cifed.repo.root", "..")).toAbsolutePath();
  private static final Path OUT = ROOT.resolve("bench/target/soak");

  @Test
  void tenIdentitiesSurviveKillsARestartFaultsAnOutageAndAFailover() throws Exception {
    ProcessBuilder soak =
        new ProcessBuilder("hack/soak.sh")
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ROOT.resolve("bench/target/soak.log").toFile());
    soak.environment().put("N", "10");
    soak.environment().put("OUT", OUT.toString());
    soak.environment().put("WORK", ROOT.resolve("bench/target/soak-work").toString());
    soak.environment().put("BUILD", "0");
    Process process = soak.start();
    assertThat(process.waitFor(12, TimeUnit.MINUTES)).as("soak finished").isTrue();
    assertThat(process.exitValue()).as("exit code; see bench/target/soak.log").isZero();

    JsonNode result = new ObjectMapper().readTree(OUT.resolve("soak-n10.json").toFile());
    assertThat(result.path("kills").size()).isGreaterThanOrEqualTo(10);
    assertThat(result.path("objectsChecked").asInt()).isGreaterThan(10 * 6);
    JsonNode faults = result.path("faultsInjected");
    assertThat(faults.path("aws").path("throttle").asLong()).isPositive();
    assertThat(faults.path("gcp").path("unavailable").asLong()).isPositive();
    assertThat(faults.path("azure").path("reset").asLong()).isPositive();
    assertThat(faults.path("azure").path("unavailable").asLong()).isPositive();
    for (JsonNode phase : result.path("phases")) {
      assertThat(phase.path("violations").size()).as(phase.toString()).isZero();
      if (phase.path("phase").asText().equals("outage")) {
        assertThat(phase.path("azureRequestsWithinTarget").asBoolean())
            .as("calls to the failing cloud bounded per scope: %s", phase)
            .isTrue();
      }
    }
    assertThat(Files.readString(OUT.resolve("soak-n10.md"))).contains("| operator SIGKILLs |");
  }
}
