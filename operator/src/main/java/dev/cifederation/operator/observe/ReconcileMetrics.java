package dev.cifederation.operator.observe;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;

/**
 * java-operator-sdk's metrics (kept as they are, through {@code delegate}) plus one timer per
 * reconciled kind, operation and outcome: {@code
 * cifed_reconcile_duration_seconds{kind,operation,outcome}}, whose {@code _count} is the number of
 * reconciles. {@code operation} is {@code reconcile} or {@code cleanup}; {@code outcome} is {@code
 * success} or {@code error} (the reconciler threw, java-operator-sdk retries). A reconcile that
 * reports a cloud failure in status is a success here: the conditions say how the resource is.
 */
public final class ReconcileMetrics implements Metrics {

  public static final String METRIC = "cifed.reconcile.duration";

  private final Metrics delegate;
  private final MeterRegistry registry;

  public ReconcileMetrics(Metrics delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.registry = registry;
  }

  @Override
  public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
    long start = System.nanoTime();
    String outcome = "error";
    try {
      T result = delegate.timeControllerExecution(execution);
      outcome = "success";
      return result;
    } finally {
      timer(kind(execution), execution.name(), outcome)
          .record(Duration.ofNanos(System.nanoTime() - start));
    }
  }

  private Timer timer(String kind, String operation, String outcome) {
    return Timer.builder(METRIC)
        .description("Reconciles by kind, operation and outcome, and how long they took")
        .tag("kind", kind)
        .tag("operation", operation)
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(5))
        .maximumExpectedValue(Duration.ofMinutes(2))
        .register(registry);
  }

  private static String kind(ControllerExecution<?> execution) {
    Object gvk = execution.metadata().get(Constants.RESOURCE_GVK_KEY);
    return gvk instanceof GroupVersionKind k ? k.getKind() : execution.controllerName();
  }

  // ---------------------------------------------------------------- delegated unchanged

  @Override
  public void controllerRegistered(Controller<? extends HasMetadata> controller) {
    delegate.controllerRegistered(controller);
  }

  @Override
  public void receivedEvent(Event event, Map<String, Object> metadata) {
    delegate.receivedEvent(event, metadata);
  }

  @Override
  public void reconcileCustomResource(
      HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
    delegate.reconcileCustomResource(resource, retryInfo, metadata);
  }

  @Override
  public void failedReconciliation(
      HasMetadata resource, Exception exception, Map<String, Object> metadata) {
    delegate.failedReconciliation(resource, exception, metadata);
  }

  @Override
  public void reconciliationExecutionStarted(HasMetadata resource, Map<String, Object> metadata) {
    delegate.reconciliationExecutionStarted(resource, metadata);
  }

  @Override
  public void reconciliationExecutionFinished(HasMetadata resource, Map<String, Object> metadata) {
    delegate.reconciliationExecutionFinished(resource, metadata);
  }

  @Override
  public void cleanupDoneFor(ResourceID resourceID, Map<String, Object> metadata) {
    delegate.cleanupDoneFor(resourceID, metadata);
  }

  @Override
  public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
    delegate.finishedReconciliation(resource, metadata);
  }

  @Override
  public <T extends Map<?, ?>> T monitorSizeOf(T map, String name) {
    return delegate.monitorSizeOf(map, name);
  }
}
