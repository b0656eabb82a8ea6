package dev.cifederation.operator.testsupport;

import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.ScopeScans;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every request that reaches the adapters wrapped by {@link #record}, as {@code "AWS reconcile
 * namespace/name"}: what "no cloud call" tests assert is empty, and what proves the calls they
 * expect were made.
 */
public final class AdapterCalls {

  private final List<String> calls = new CopyOnWriteArrayList<>();

  /** {@code adapter}, with every request it gets recorded here first. */
  public CloudReconciler record(CloudReconciler adapter) {
    return new CloudReconciler() {
      @Override
      public Cloud cloud() {
        return adapter.cloud();
      }

      @Override
      public CloudOutcome reconcile(CloudRequest request) {
        calls.add(adapter.cloud() + " reconcile " + request.owner());
        return adapter.reconcile(request);
      }

      @Override
      public CloudOutcome cleanup(CloudRequest request) {
        calls.add(adapter.cloud() + " cleanup " + request.owner());
        return adapter.cleanup(request);
      }

      @Override
      public void scanScopes(ScopeScans.DriftListener listener) {
        // the scheduled scans are the adapter's; a recorder that dropped them would hide drift
        adapter.scanScopes(listener);
      }
    };
  }

  /** Every call so far, oldest first. */
  public List<String> all() {
    return List.copyOf(calls);
  }

  /** The calls for the identity {@code namespace/name}. */
  public List<String> of(String namespace, String name) {
    String owner = " " + namespace + "/" + name;
    return calls.stream().filter(c -> c.endsWith(owner)).toList();
  }
}
