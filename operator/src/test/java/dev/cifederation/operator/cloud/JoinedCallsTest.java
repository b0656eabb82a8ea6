package dev.cifederation.operator.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Concurrent requests on one scope share a call that started after each of them. */
class JoinedCallsTest {

  private static final Duration LINGER = Duration.ofMillis(500);
  private static final Duration BURST = Duration.ofSeconds(2);

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final List<Duration> slept = Collections.synchronizedList(new ArrayList<>());
  private final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
  private final JoinedCalls<String, String, String> joined =
      new JoinedCalls<>(LINGER, BURST, slept::add, failure -> false, now::get);

  private List<String> answer(String scope, List<String> requests) {
    calls.add(requests);
    return requests.stream().map(r -> scope + ":" + r).toList();
  }

  @Test
  void requestsQueuedDuringACallAreServedTogetherByTheNextOne() throws Exception {
    CountDownLatch firstCallStarted = new CountDownLatch(1);
    CountDownLatch othersQueued = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      Future<String> first =
          pool.submit(
              () ->
                  joined.join(
                      "sa", "one", heldUntil(firstCallStarted, othersQueued, this::answer)));
      assertThat(firstCallStarted.await(5, TimeUnit.SECONDS)).isTrue();
      List<Future<String>> others = new ArrayList<>();
      for (int i = 2; i <= 6; i++) {
        String request = "r" + i;
        others.add(pool.submit(() -> joined.join("sa", request, this::answer)));
      }
      // the five wait behind the first call; let it finish once they are all queued
      Thread.sleep(300);
      othersQueued.countDown();

      assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("sa:one");
      for (int i = 0; i < others.size(); i++) {
        assertThat(others.get(i).get(5, TimeUnit.SECONDS)).isEqualTo("sa:r" + (i + 2));
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(calls)
        .as("the first call alone, then one for the five queued while it ran")
        .hasSize(2);
    assertThat(calls.get(1)).containsExactlyInAnyOrder("r2", "r3", "r4", "r5", "r6");
  }

  @Test
  void aRequestOutsideABurstIsCalledAtOnce() {
    assertThat(joined.join("sa", "one", this::answer)).isEqualTo("sa:one");
    now.addAndGet(BURST.toNanos());
    assertThat(joined.join("sa", "two", this::answer)).isEqualTo("sa:two");

    assertThat(slept).isEmpty();
    assertThat(calls).containsExactly(List.of("one"), List.of("two"));
  }

  @Test
  void duringABurstTheNextCallWaitsTheLingerForMoreRequests() {
    joined.join("sa", "one", this::answer);
    now.addAndGet(BURST.toNanos() - 1);
    joined.join("sa", "two", this::answer);

    assertThat(slept).containsExactly(LINGER);
  }

  @Test
  void aBurstOnOneScopeDoesNotDelayAnother() {
    joined.join("sa", "one", this::answer);
    joined.join("other", "two", this::answer);

    assertThat(slept).isEmpty();
  }

  @Test
  void aFailedCallFailsEveryRequestOfItsBatchAndTheNextCallIsFresh() {
    assertThatThrownBy(
            () ->
                joined.join(
                    "sa",
                    "one",
                    (scope, requests) -> {
                      throw new IllegalStateException("403 on setIamPolicy");
                    }))
        .hasMessage("403 on setIamPolicy");

    assertThat(joined.join("sa", "two", this::answer)).isEqualTo("sa:two");
    assertThat(calls).containsExactly(List.of("two"));
  }

  @Test
  void anErrorInTheCallReachesEveryWaiterInsteadOfLeavingThemWaiting() throws Exception {
    CountDownLatch callStarted = new CountDownLatch(1);
    CountDownLatch otherQueued = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      JoinedCalls.Call<String, String, String> failing =
          (scope, requests) -> {
            throw new AssertionError("out of stack");
          };
      Future<String> first =
          pool.submit(() -> joined.join("sa", "one", heldUntil(callStarted, otherQueued, failing)));
      assertThat(callStarted.await(5, TimeUnit.SECONDS)).isTrue();
      Future<String> second = pool.submit(() -> joined.join("sa", "two", failing));
      Thread.sleep(200);
      otherQueued.countDown();

      assertThatThrownBy(() -> first.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(AssertionError.class);
      assertThatThrownBy(() -> second.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(AssertionError.class);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRequestTheCloudRefusesFailsAloneWhenTheCallerSaysSuchFailuresAreOneRequests()
      throws Exception {
    JoinedCalls<String, String, String> isolating =
        new JoinedCalls<>(
            LINGER,
            BURST,
            slept::add,
            failure -> failure instanceof IllegalArgumentException,
            now::get);
    JoinedCalls.Call<String, String, String> refusingBad =
        (scope, requests) -> {
          calls.add(requests);
          if (requests.contains("bad")) {
            throw new IllegalArgumentException("400: member bad is invalid");
          }
          return requests.stream().map(r -> scope + ":" + r).toList();
        };
    CountDownLatch firstCallStarted = new CountDownLatch(1);
    CountDownLatch othersQueued = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Future<String> first =
          pool.submit(
              () ->
                  isolating.join(
                      "sa", "one", heldUntil(firstCallStarted, othersQueued, refusingBad)));
      assertThat(firstCallStarted.await(5, TimeUnit.SECONDS)).isTrue();
      Future<String> good = pool.submit(() -> isolating.join("sa", "good", refusingBad));
      Future<String> bad = pool.submit(() -> isolating.join("sa", "bad", refusingBad));
      Future<String> alsoGood = pool.submit(() -> isolating.join("sa", "also-good", refusingBad));
      Thread.sleep(300);
      othersQueued.countDown();

      assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("sa:one");
      assertThat(good.get(5, TimeUnit.SECONDS)).isEqualTo("sa:good");
      assertThat(alsoGood.get(5, TimeUnit.SECONDS)).isEqualTo("sa:also-good");
      assertThatThrownBy(() -> bad.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(IllegalArgumentException.class);
    } finally {
      pool.shutdownNow();
    }
    assertThat(calls)
        .as("the first call, the three together (refused), then each of them alone")
        .hasSize(1 + 1 + 3);
  }

  @Test
  void aCallThatAnswersTooFewRequestsFailsThemRatherThanGuess() {
    assertThatThrownBy(() -> joined.join("sa", "one", (scope, requests) -> List.of()))
        .hasMessageContaining("answered 0 of 1");
  }

  /** A call that says it started, then waits for {@code release} before doing {@code then}. */
  private static JoinedCalls.Call<String, String, String> heldUntil(
      CountDownLatch started,
      CountDownLatch release,
      JoinedCalls.Call<String, String, String> then) {
    return (scope, requests) -> {
      started.countDown();
      await(release);
      return then.run(scope, requests);
    };
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
