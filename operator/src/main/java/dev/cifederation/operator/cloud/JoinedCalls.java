package dev.cifederation.operator.cloud;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Requests of concurrent passes on one scope (a service account's IAM policy, a resource group's
 * identities) served together by one cloud call that starts after each of them was made, so it is
 * as fresh for every one of them as a call of its own. A request made while the scope's call is
 * under way waits for the next, which then carries every request queued meanwhile.
 *
 * <p>During a burst (the scope's last call ended less than {@code burst} ago) the caller that makes
 * the next call first waits {@code linger}, so that the passes still on their way join it: at
 * creation N identities on one scope then cost a few calls, not N. Outside a burst the call goes at
 * once, so a single change waits for nothing.
 *
 * <p>A failure the caller judges to be one request's ({@code isolate}: the cloud refused what one
 * pass asked for, not the scope or the service) is not shared: the batch's requests are then called
 * one by one, so one identity's refused edit fails that identity alone and never its neighbours on
 * the scope.
 *
 * @param <K> the scope
 * @param <I> one pass's request
 * @param <R> its answer
 */
public final class JoinedCalls<K, I, R> {

  /** One call for a batch of requests on a scope; answers in the order of the requests. */
  @FunctionalInterface
  public interface Call<K, I, R> {
    List<R> run(K scope, List<I> requests);
  }

  private final class Pending {
    final I request;
    final CompletableFuture<R> answer = new CompletableFuture<>();

    Pending(I request) {
      this.request = request;
    }
  }

  private final class Scope {
    final ReentrantLock calling = new ReentrantLock();
    final Queue<Pending> waiting = new ConcurrentLinkedQueue<>();
    // when this scope's last call ended (nanoTime); Long.MIN_VALUE before the first
    volatile long lastCallEnded = Long.MIN_VALUE;
  }

  private final Duration linger;
  private final Duration burst;
  private final Sleeper sleeper;
  private final Predicate<RuntimeException> isolate;
  private final LongSupplier nanoTime;
  private final Map<K, Scope> scopes = new ConcurrentHashMap<>();

  /**
   * @param linger how long the next call waits for more requests during a burst; zero never waits
   * @param burst how recent the scope's last call must be for the scope to be in a burst
   */
  public JoinedCalls(Duration linger, Duration burst, Sleeper sleeper) {
    this(linger, burst, sleeper, failure -> false);
  }

  /**
   * @param isolate whether a failed call of several requests may have failed for one of them, so
   *     that each is called again alone
   */
  public JoinedCalls(
      Duration linger, Duration burst, Sleeper sleeper, Predicate<RuntimeException> isolate) {
    this(linger, burst, sleeper, isolate, System::nanoTime);
  }

  JoinedCalls(
      Duration linger,
      Duration burst,
      Sleeper sleeper,
      Predicate<RuntimeException> isolate,
      LongSupplier nanoTime) {
    if (linger.isNegative() || burst.isNegative()) {
      throw new IllegalArgumentException("linger and burst must not be negative");
    }
    this.linger = linger;
    this.burst = burst;
    this.sleeper = sleeper;
    this.isolate = isolate;
    this.nanoTime = nanoTime;
  }

  /**
   * The answer to {@code request}, from a call of {@code call} on {@code scope} that started after
   * this method was entered, made by this thread or by another on behalf of several.
   *
   * @throws RuntimeException the call's failure, which fails every request of its batch
   */
  public R join(K scope, I request, Call<K, I, R> call) {
    Scope at = scopes.computeIfAbsent(scope, s -> new Scope());
    Pending mine = new Pending(request);
    at.waiting.add(mine);
    at.calling.lock();
    try {
      if (!mine.answer.isDone()) {
        if (inBurst(at)) {
          pause();
        }
        callFor(scope, at, call);
      }
    } finally {
      at.calling.unlock();
    }
    try {
      return mine.answer.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  private boolean inBurst(Scope at) {
    long last = at.lastCallEnded;
    return !linger.isZero()
        && last != Long.MIN_VALUE
        && nanoTime.getAsLong() - last < burst.toNanos();
  }

  private void pause() {
    try {
      sleeper.sleep(linger);
    } catch (InterruptedException e) {
      // go now with whoever is queued; the interrupt stays for the caller's own waits
      Thread.currentThread().interrupt();
    }
  }

  private void callFor(K scope, Scope at, Call<K, I, R> call) {
    List<Pending> batch = new ArrayList<>();
    for (Pending next; (next = at.waiting.poll()) != null; ) {
      batch.add(next);
    }
    try {
      try {
        answer(batch, call.run(scope, batch.stream().map(p -> p.request).toList()));
      } catch (RuntimeException e) {
        if (batch.size() < 2 || !isolate.test(e)) {
          throw e;
        }
        for (Pending alone : batch) {
          try {
            answer(List.of(alone), call.run(scope, List.of(alone.request)));
          } catch (RuntimeException | Error failure) {
            alone.answer.completeExceptionally(failure);
          }
        }
      }
    } catch (RuntimeException | Error e) {
      // every waiter gets the failure: none may wait for an answer that will never come
      batch.forEach(p -> p.answer.completeExceptionally(e));
    } finally {
      at.lastCallEnded = nanoTime.getAsLong();
    }
  }

  private void answer(List<Pending> batch, List<R> answers) {
    if (answers.size() != batch.size()) {
      throw new IllegalStateException(
          "a joined call answered " + answers.size() + " of " + batch.size() + " requests");
    }
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).answer.complete(answers.get(i));
    }
  }
}
