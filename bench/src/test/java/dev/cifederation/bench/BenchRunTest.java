package dev.cifederation.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchRunTest {

  @Test
  void percentilesAreNearestRank() {
    List<Double> sorted = List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0);

    assertThat(BenchRun.percentile(sorted, 50)).isEqualTo(5.0);
    assertThat(BenchRun.percentile(sorted, 95)).isEqualTo(10.0);
    assertThat(BenchRun.percentile(List.of(), 95)).isZero();
  }

  @Test
  void theWorkloadGivesEveryIdentityEachCloudOfTheRunAndSharesServiceAccountsByHundreds() {
    Workload workload = new Workload(250, java.util.Set.of("aws", "gcp"));

    assertThat(workload.manifest(7))
        .extractingByKey("spec")
        .asString()
        .contains("aws", "gcp")
        .doesNotContain("azure");
    assertThat(workload.serviceAccounts())
        .containsExactly(
            "deployer-0@bench-project.iam.gserviceaccount.com",
            "deployer-1@bench-project.iam.gserviceaccount.com",
            "deployer-2@bench-project.iam.gserviceaccount.com");
    assertThat(Workload.subject(7)).isEqualTo("repo:bench-org/app-7:environment:production");
  }

  @Test
  void aShardedRunLabelsEachIdentityWithItsShardRoundRobin() {
    Workload workload = new Workload(4, java.util.Set.of("aws"));

    assertThat(workload.manifest(3, 2))
        .extractingByKey("metadata")
        .asString()
        .contains("labels={cifederation.dev/shard=s1}");
    assertThat(workload.manifest(2, 2)).extractingByKey("metadata").asString().contains("=s0}");
    assertThat(workload.manifest(3))
        .extractingByKey("metadata")
        .asString()
        .doesNotContain("labels");
  }
}
