package dev.cifederation.operator.cloud.azure;

import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.cloud.RetryPolicy;
import dev.cifederation.operator.cloud.Sleeper;
import dev.cifederation.operator.observe.CloudCalls;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each SDK call counted by {@link CloudCalls} and retries, within the call, what a retry can
 * fix (429, 5xx, timeouts, a concurrent credential write by someone else) with exponential backoff,
 * or after the server's {@code Retry-After}. A wait longer than the inline limit is not spent
 * blocking a reconcile thread: the call fails at once, classified as an {@link AzureFailure} that
 * carries the server's {@code Retry-After}; when the pass is tried again is then the shared {@link
 * RetryPolicy}'s decision. The SDK's own retry policy is not used, so each attempt is counted.
 */
final class ArmRetry {

  private static final Logger log = LoggerFactory.getLogger(ArmRetry.class);

  /**
   * @param maxAttempts attempts per call, the first included
   * @param baseDelay backoff before the second attempt (doubling, with jitter)
   * @param maxInlineWait the longest wait spent in the reconcile thread
   */
  record Policy(int maxAttempts, Duration baseDelay, Duration maxInlineWait) {

    static Policy defaults() {
      return new Policy(4, Duration.ofMillis(500), Duration.ofSeconds(10));
    }
  }

  private final CloudCalls calls;
  private final Policy policy;
  private final Sleeper sleeper;

  ArmRetry(CloudCalls calls, Policy policy, Sleeper sleeper) {
    this.calls = calls;
    this.policy = policy;
    this.sleeper = sleeper;
  }

  /** Counts a further request of a call under way: the next page of a list. */
  void countPage(String operation) {
    calls.countRequest(operation);
  }

  <T> T call(String operation, Supplier<T> sdkCall) {
    for (int attempt = 1; ; attempt++) {
      ArmError error;
      try {
        return calls.call(operation, sdkCall);
      } catch (RuntimeException e) {
        error = ArmError.classify(e);
      }
      String what = "Azure " + operation + ": " + error.detail();
      if (!error.retryable()) {
        throw error.failure(what);
      }
      if (attempt >= policy.maxAttempts()) {
        throw error.failure(what + " (gave up after " + attempt + " attempts)");
      }
      Duration wait = error.retryAfter().isPresent() ? error.retryAfter().get() : backoff(attempt);
      if (wait.compareTo(policy.maxInlineWait()) > 0) {
        throw error.failure(what + " (retry after " + wait.toSeconds() + "s)");
      }
      log.info(
          "{}; retrying in {} ms (attempt {}/{})",
          what,
          wait.toMillis(),
          attempt + 1,
          policy.maxAttempts());
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AzureFailure(
            CloudReason.Transient, what + " (interrupted)", error.retryAfter(), error);
      }
    }
  }

  /**
   * Exponential backoff with the shared jitter: between a half and three quarters of base *
   * 2^(attempt-1).
   */
  private Duration backoff(int attempt) {
    long ceiling = policy.baseDelay().toMillis() << Math.min(attempt - 1, 10);
    return RetryPolicy.spread(Duration.ofMillis(ceiling / 2));
  }
}
