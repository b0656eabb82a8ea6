package dev.cifederation.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {

  private static final String BEFORE =
      """
      # HELP cifed_cloud_calls_total Cloud API calls by cloud, operation and outcome
      # TYPE cifed_cloud_calls_total counter
      cifed_cloud_calls_total{cloud="aws",operation="CreateRole",outcome="ok"} 10.0
      cifed_cloud_calls_total{cloud="gcp",operation="providers.list",outcome="ok"} 2.0
      operator_sdk_controllers_execution_reconcile_seconds_count{controller="cifederatedidentity"} 10
      jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1048576.0
      jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 2097152.0
      jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 6.568056E7
      """;

  private static final String AFTER =
      """
      cifed_cloud_calls_total{cloud="aws",operation="CreateRole",outcome="ok"} 15.0
      cifed_cloud_calls_total{cloud="aws",operation="CreateRole",outcome="error"} 1.0
      cifed_cloud_calls_total{cloud="gcp",operation="providers.list",outcome="ok"} 2.0
      cifed_cloud_calls_total{cloud="azure",operation="identities.get",outcome="ok"} 3.0
      operator_sdk_controllers_execution_reconcile_seconds_count{controller="cifederatedidentity"} 16
      """;

  @Test
  void aPhaseCostsTheDifferenceOfTwoScrapesWhateverTheOutcome() {
    Map<String, Map<String, Double>> calls =
        Metrics.difference(Metrics.parse(BEFORE), Metrics.parse(AFTER));

    assertThat(calls)
        .containsOnlyKeys("aws", "azure")
        .containsEntry("aws", Map.of("CreateRole", 6.0))
        .containsEntry("azure", Map.of("identities.get", 3.0));
    assertThat(Metrics.parse(AFTER).cloudErrors()).containsExactly(Map.entry("aws", 1.0));
    assertThat(Metrics.parse(AFTER).reconciles() - Metrics.parse(BEFORE).reconciles()).isEqualTo(6);
  }

  @Test
  void heapIsTheSumOfTheHeapPoolsOnly() {
    assertThat(Metrics.parse(BEFORE).heapUsedBytes()).isEqualTo(3 * 1048576.0);
  }

  @Test
  void readsAreGetsAndListsOfEveryCloudEverythingElseWrites() {
    assertThat(Metrics.isRead("GetAccountAuthorizationDetails")).isTrue();
    assertThat(Metrics.isRead("ListRoles")).isTrue();
    assertThat(Metrics.isRead("providers.list")).isTrue();
    assertThat(Metrics.isRead("serviceAccounts.getIamPolicy")).isTrue();
    assertThat(Metrics.isRead("roleAssignments.listForScope")).isTrue();
    assertThat(Metrics.isRead("operations.get")).isTrue();
    assertThat(Metrics.isRead("CreateRole")).isFalse();
    assertThat(Metrics.isRead("UpdateAssumeRolePolicy")).isFalse();
    assertThat(Metrics.isRead("serviceAccounts.setIamPolicy")).isFalse();
    assertThat(Metrics.isRead("federatedCredentials.createOrUpdate")).isFalse();
    assertThat(Metrics.isRead("providers.undelete")).isFalse();
  }
}
