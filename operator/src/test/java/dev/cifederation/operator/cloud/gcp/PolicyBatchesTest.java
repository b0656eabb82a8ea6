package dev.cifederation.operator.cloud.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.services.iam.v1.model.Binding;
import com.google.api.services.iam.v1.model.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Passes waiting on one service account's policy join one read-modify-write. */
class PolicyBatchesTest {

  private final PolicyBatches batches = new PolicyBatches();
  private final Policy live = new Policy().setBindings(new ArrayList<>());
  private final AtomicInteger writes = new AtomicInteger();

  private Predicate<Policy> add(String member) {
    return policy -> {
      Binding binding = policy.getBindings().get(0);
      if (binding.getMembers().contains(member)) {
        return false;
      }
      binding.getMembers().add(member);
      return true;
    };
  }

  @Test
  void editsQueuedDuringAWriteAreAppliedTogetherInTheNextOne() throws Exception {
    live.getBindings().add(new Binding().setRole("roles/x").setMembers(new ArrayList<>()));
    CountDownLatch firstWriteStarted = new CountDownLatch(1);
    CountDownLatch othersQueued = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      Future<Boolean> first =
          pool.submit(
              () ->
                  batches.modify(
                      "sa",
                      add("principal://one"),
                      (resource, edit) -> {
                        firstWriteStarted.countDown();
                        await(othersQueued);
                        return readModifyWrite(edit);
                      }));
      firstWriteStarted.await(5, TimeUnit.SECONDS);
      List<Future<Boolean>> others = new ArrayList<>();
      for (int i = 2; i <= 6; i++) {
        String member = "principal://" + i;
        others.add(
            pool.submit(
                () -> batches.modify("sa", add(member), (r, edit) -> readModifyWrite(edit))));
      }
      // the five wait behind the first write; let it finish once they are all queued
      Thread.sleep(300);
      othersQueued.countDown();

      assertThat(first.get(5, TimeUnit.SECONDS)).isTrue();
      for (Future<Boolean> other : others) {
        assertThat(other.get(5, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(live.getBindings().get(0).getMembers()).hasSize(6);
    assertThat(writes).as("the first write, then one for the five queued behind it").hasValue(2);
  }

  @Test
  void anEditThatChangesNothingIsReportedAsNoWrite() {
    live.getBindings()
        .add(
            new Binding().setRole("roles/x").setMembers(new ArrayList<>(List.of("principal://a"))));
    assertThat(batches.modify("sa", add("principal://a"), (r, edit) -> readModifyWrite(edit)))
        .isFalse();
    assertThat(writes).hasValue(0);
  }

  @Test
  void aFailedWriteFailsEveryEditOfItsBatch() {
    assertThatThrownBy(
            () ->
                batches.modify(
                    "sa",
                    add("principal://a"),
                    (r, edit) -> {
                      throw new IllegalStateException("403 on setIamPolicy");
                    }))
        .hasMessage("403 on setIamPolicy");
  }

  private synchronized boolean readModifyWrite(Predicate<Policy> edit) {
    if (!edit.test(live)) {
      return false;
    }
    writes.incrementAndGet();
    return true;
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
