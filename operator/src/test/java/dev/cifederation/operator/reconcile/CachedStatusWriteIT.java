package dev.cifederation.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cifederation.operator.api.v1alpha1.AwsIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.OperatorInTheLoop;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A pass that read an older copy of an identity than the API server's never writes its status over
 * the newer one, and a pass right after a write starts from it ({@link CachedStatusWrite}).
 *
 * <p>The informer here takes in every update {@link #LAG} late, and a counting reconciler reads a
 * counter from the status and writes it plus one, coming back every {@link #AGAIN}: so passes run
 * before the informer has seen the previous writes. The API server must hold the counter 1, 2, 3, …
 * with no value twice or going back. The same reconciler returning its status to java-operator-sdk
 * instead shows the stale reads this guards against.
 */
class CachedStatusWriteIT {

  private static final Duration LAG = Duration.ofMillis(600);
  private static final Duration AGAIN = Duration.ofMillis(200);
  private static final long COUNT_TO = 8;

  private static final Counting COUNTING = new Counting();
  private static final KubernetesClient CLIENT = KubeApiServerSupport.shared().newClient();
  private static final OperatorInTheLoop LOOP = new OperatorInTheLoop(CLIENT);

  @RegisterExtension
  @SuppressWarnings("unchecked")
  static final LocallyRunOperatorExtension OPERATOR =
      LOOP.extension(
          builder ->
              builder.withReconciler(
                  COUNTING,
                  overrider ->
                      overrider
                          .withReconciliationMaxInterval(Duration.ofMinutes(10))
                          .withItemStore(new LaggingStore())));

  @Test
  void aStatusWrittenFromAnOlderCopyNeverLands() {
    List<Long> held = new CopyOnWriteArrayList<>();
    try (Watch watch = watchCounter("cached", held)) {
      LOOP.create(Fixtures.identity(null, "cached"));

      LOOP.awaitStatus("cached", i -> counter(i) == COUNT_TO);

      assertThat(COUNTING.readsOf("cached"))
          .as("passes ran before the informer had caught up (else this test proves nothing)")
          .hasSizeGreaterThan((int) COUNT_TO + 1);
      await()
          .untilAsserted(
              () ->
                  assertThat(held)
                      .as("the counter as the API server held it, one version after another")
                      .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L));
    }
  }

  @Test
  void withoutItAPassReadsTheInformersOlderCopy() {
    LOOP.create(Fixtures.identity(null, "returned"));

    LOOP.awaitStatus("returned", i -> counter(i) >= 2);

    List<Long> reads = COUNTING.readsOf("returned");
    assertThat(reads)
        .as("some pass read a counter an earlier pass had already moved on: %s", reads)
        .hasSizeGreaterThan(Set.copyOf(reads).size());
  }

  /** Records the counter of each version of the identity the API server announces. */
  private static Watch watchCounter(String name, List<Long> held) {
    return CLIENT
        .resources(CIFederatedIdentity.class)
        .inNamespace(LOOP.namespace())
        .withName(name)
        .watch(
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, CIFederatedIdentity identity) {
                if (action == Action.MODIFIED && counter(identity) > 0) {
                  held.add(counter(identity));
                }
              }

              @Override
              public void onClose(WatcherException cause) {}
            });
  }

  private static long counter(CIFederatedIdentity identity) {
    return identity.getStatus() == null || identity.getStatus().getAws() == null
        ? 0
        : identity.getStatus().getAws().getDriftCorrections();
  }

  /**
   * Counts in {@code status.aws.driftCorrections} up to {@link #COUNT_TO}: the identity named
   * "cached" through {@link CachedStatusWrite}, any other by returning the status to
   * java-operator-sdk.
   */
  static final class Counting implements Reconciler<CIFederatedIdentity> {

    private final Map<String, List<Long>> reads = new ConcurrentHashMap<>();

    @Override
    public UpdateControl<CIFederatedIdentity> reconcile(
        CIFederatedIdentity identity, Context<CIFederatedIdentity> context) {
      long read = counter(identity);
      String name = identity.getMetadata().getName();
      reads.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(read);
      if (read >= COUNT_TO) {
        return UpdateControl.noUpdate();
      }
      var aws = new AwsIdentityStatus();
      aws.setDriftCorrections(read + 1);
      var status = new CIFederatedIdentityStatus();
      status.setObservedGeneration(identity.getMetadata().getGeneration());
      status.setAws(aws);
      var patch = new CIFederatedIdentity();
      patch.setMetadata(
          new ObjectMetaBuilder()
              .withName(name)
              .withNamespace(identity.getMetadata().getNamespace())
              .build());
      patch.setStatus(status);
      UpdateControl<CIFederatedIdentity> outcome =
          UpdateControl.patchStatus(patch).rescheduleAfter(AGAIN);
      return name.equals("cached") ? CachedStatusWrite.apply(identity, outcome, context) : outcome;
    }

    List<Long> readsOf(String name) {
      return List.copyOf(reads.getOrDefault(name, List.of()));
    }
  }

  /** An informer cache that takes in each update {@link #LAG} late: an informer behind. */
  static final class LaggingStore extends BasicItemStore<CIFederatedIdentity> {

    LaggingStore() {
      super(Cache::metaNamespaceKeyFunc);
    }

    @Override
    public CIFederatedIdentity put(String key, CIFederatedIdentity identity) {
      if (get(key) != null) {
        try {
          Thread.sleep(LAG.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return super.put(key, identity);
    }
  }
}
