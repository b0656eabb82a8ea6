package dev.cifederation.operator.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

class ReconcileMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ReconcileMetrics metrics = new ReconcileMetrics(Metrics.NOOP, registry);

  @Test
  void reconcilesAreTimedPerKindOperationAndOutcome() throws Exception {
    assertThat(metrics.timeControllerExecution(execution("reconcile", () -> "ok"))).isEqualTo("ok");
    metrics.timeControllerExecution(execution("reconcile", () -> "ok"));
    assertThatThrownBy(
            () ->
                metrics.timeControllerExecution(
                    execution(
                        "cleanup",
                        () -> {
                          throw new IllegalStateException("boom");
                        })))
        .hasMessage("boom");

    assertThat(timerCount("reconcile", "success")).isEqualTo(2);
    assertThat(timerCount("cleanup", "error")).isEqualTo(1);
    assertThat(timerCount("reconcile", "error")).isZero();
  }

  private long timerCount(String operation, String outcome) {
    var timer =
        registry
            .find(ReconcileMetrics.METRIC)
            .tag("kind", "CIFederatedIdentity")
            .tag("operation", operation)
            .tag("outcome", outcome)
            .timer();
    return timer == null ? 0 : timer.count();
  }

  private static Metrics.ControllerExecution<String> execution(String name, Callable<String> body) {
    return new Metrics.ControllerExecution<>() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String controllerName() {
        return "cifederatedidentity";
      }

      @Override
      public String successTypeName(String result) {
        return "none";
      }

      @Override
      public ResourceID resourceID() {
        return new ResourceID("deploy", "team-a");
      }

      @Override
      public Map<String, Object> metadata() {
        return Map.of(
            Constants.RESOURCE_GVK_KEY, GroupVersionKind.gvkFor(CIFederatedIdentity.class));
      }

      @Override
      public String execute() throws Exception {
        return body.call();
      }
    };
  }
}
