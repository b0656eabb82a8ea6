package dev.cifederation.operator.testsupport;

import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.cloud.CloudRequest;
import java.util.function.Function;

/**
 * Hand-written cloud adapters for tests of the reconcile flow: each answers with what the test
 * says, and an operation the test does not expect fails it.
 */
public final class Adapters {

  private Adapters() {}

  public static CloudReconciler adapter(
      Cloud cloud,
      Function<CloudRequest, CloudOutcome> reconcile,
      Function<CloudRequest, CloudOutcome> cleanup) {
    return new CloudReconciler() {
      @Override
      public Cloud cloud() {
        return cloud;
      }

      @Override
      public CloudOutcome reconcile(CloudRequest request) {
        return reconcile.apply(request);
      }

      @Override
      public CloudOutcome cleanup(CloudRequest request) {
        return cleanup.apply(request);
      }
    };
  }

  /** An adapter that is never asked to clean up: a cleanup fails the test. */
  public static CloudReconciler reconciling(
      Cloud cloud, Function<CloudRequest, CloudOutcome> reconcile) {
    return adapter(
        cloud,
        reconcile,
        request -> {
          throw new AssertionError("not deleting, yet " + cloud + " was asked to clean up");
        });
  }

  /** An adapter that is only asked to clean up: a reconcile fails the test. */
  public static CloudReconciler cleaningUp(
      Cloud cloud, Function<CloudRequest, CloudOutcome> cleanup) {
    return adapter(
        cloud,
        request -> {
          throw new AssertionError("deleting, yet " + cloud + " was asked to reconcile");
        },
        cleanup);
  }

  /** An adapter for which everything is in sync and every cleanup done at once. */
  public static CloudReconciler inSync(Cloud cloud) {
    return adapter(
        cloud,
        request -> CloudOutcome.synced("in sync", s -> {}),
        request -> CloudOutcome.synced("deleted", s -> {}));
  }
}
