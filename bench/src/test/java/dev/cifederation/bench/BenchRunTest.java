package dev.cifederation.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

  @Test
  void theConvergeReasonIsTheMeasuredCpuOverTheMachinesCpus() {
    Map<String, Object> create =
        createPhase(Map.of("events", 2000.0, "cifederatedidentities", 2000.0), 4.0);
    int cpus = Runtime.getRuntime().availableProcessors();

    // busy throughout: the CPU the processes used, over the CPUs, is the time at least
    String why = BenchRun.convergeReason(create, 80.0 / cpus, 20, 16, 1000);

    assertThat(why)
        .startsWith("CPU-bound: ")
        .contains(String.format(Locale.ROOT, "needs at least %.1f s", 80.0 / cpus))
        .contains(String.format(Locale.ROOT, "(%.2f × the floor)", 80.0 / cpus / 20))
        .contains(
            String.format(
                Locale.ROOT,
                "without the operator's own CPU still %.1f s (%.2f ×)",
                50.0 / cpus,
                50.0 / cpus / 20))
        .contains("4.0 writes per identity: ")
        .contains("events 2000")
        .contains("cloud emulators 15.0, this driver 5.0");
  }

  @Test
  void withCpuToSpareTheConvergeReasonIsTheTimeAPassWaited() {
    Map<String, Object> create = createPhase(Map.of("events", 2000.0), 2.0);
    int cpus = Runtime.getRuntime().availableProcessors();

    String why = BenchRun.convergeReason(create, 80.0 / cpus * 2, 20, 16, 1000);

    assertThat(why)
        .startsWith("waiting, not CPU: the " + cpus + " CPUs were 50 % busy")
        .contains("a reconcile took 2.50 s on average, 16 at a time (1000 reconciles)")
        .contains("where the floor took 0.32 s per identity at the same concurrency");
  }

  @Test
  void pagedReadsListTheReadsOfOneResyncByOperation() {
    assertThat(
            BenchRun.pagedReads(
                Map.of("ListRoles", 10.0, "GetAccountAuthorizationDetails", 6.0, "CreateRole", 1.0),
                0.5,
                "5000 roles in the account"))
        .isEqualTo(
            "paged lists: GetAccountAuthorizationDetails 3.0, ListRoles 5.0 per resync for 5000"
                + " roles in the account");
  }

  @Test
  void extraCallsAreTheOperationsTheOperatorCallsMoreOftenThanTheFloor() {
    assertThat(
            BenchRun.extraCalls(
                Map.of("identities.get", 600.0, "identities.create", 1000.0, "roles.list", 3.0),
                Map.of("identities.create", 1000.0),
                1000))
        .isEqualTo(
            "calls per identity the floor does not make, operator / floor: identities.get 0.6 /"
                + " 0.0, roles.list 0.0 / 0.0");
  }

  /**
   * A create phase of 1,000 reconciles that took 2,500 s in all and 80 CPU-seconds of the machine.
   */
  private static Map<String, Object> createPhase(Map<String, Double> writes, double perIdentity) {
    Map<String, Object> create = new LinkedHashMap<>();
    create.put("cpuSeconds", 30.0);
    create.put("controlPlaneCpuSeconds", 30.0);
    create.put("emulatorCpuSeconds", 15.0);
    create.put("driverCpuSeconds", 5.0);
    create.put("apiServerWrites", writes);
    create.put("apiServerWritesPerIdentity", perIdentity);
    create.put("reconciles", 1000.0);
    create.put("reconcileSeconds", 2500.0);
    return create;
  }
}
