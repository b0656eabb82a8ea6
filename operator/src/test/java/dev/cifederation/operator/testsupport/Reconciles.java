package dev.cifederation.operator.testsupport;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many reconciles of each resource java-operator-sdk has finished without an exception (its
 * status patch, if any, applied): registered as the operator's {@link Metrics}. A test that asserts
 * that nothing happened first waits here for passes to have happened.
 */
public final class Reconciles implements Metrics {

  private final Map<String, AtomicLong> finished = new ConcurrentHashMap<>();

  @Override
  public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
    finished
        .computeIfAbsent(
            key(
                resource.getKind(),
                resource.getMetadata().getNamespace(),
                resource.getMetadata().getName()),
            k -> new AtomicLong())
        .incrementAndGet();
  }

  /** Finished reconciles of the resource; {@code namespace} is null for a cluster-scoped one. */
  public long of(Class<? extends HasMetadata> kind, String namespace, String name) {
    AtomicLong count = finished.get(key(HasMetadata.getKind(kind), namespace, name));
    return count == null ? 0 : count.get();
  }

  /**
   * Waits until the resource has finished {@code passes} more reconciles than it had at the call,
   * at most {@code within}.
   */
  public void awaitMore(
      Class<? extends HasMetadata> kind,
      String namespace,
      String name,
      int passes,
      Duration within) {
    long from = of(kind, namespace, name);
    await()
        .alias(passes + " more reconciles of " + HasMetadata.getKind(kind) + " " + name)
        .atMost(within)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> of(kind, namespace, name) >= from + passes);
  }

  private static String key(String kind, String namespace, String name) {
    return kind + "/" + (namespace == null ? "" : namespace) + "/" + name;
  }
}
