package dev.cifederation.fakes.gcp;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Fault injection: requests answered with an error instead of being served (throttling, outages),
 * operations that end in an error, and a hook that edits an IAM policy just before the next {@code
 * setIamPolicy} (someone else's concurrent change, so the caller's etag is stale). Thread-safe.
 */
public final class Faults {

  private record Rule(String method, Pattern path, ApiError error, int[] remaining) {}

  private final List<Rule> rules = new ArrayList<>();
  private final Deque<ApiError> operationErrors = new ArrayDeque<>();
  private final Deque<Runnable> beforeSetIamPolicy = new ArrayDeque<>();

  Faults() {}

  /**
   * The next {@code times} requests, whatever they are, fail with {@code httpStatus} (429 →
   * RESOURCE_EXHAUSTED, 503 → UNAVAILABLE, …).
   */
  public Faults failNext(int times, int httpStatus) {
    return failNext(null, ".*", times, httpStatus);
  }

  /**
   * The next {@code times} requests whose effective method (after {@code X-HTTP-Method-Override})
   * is {@code method} (null: any) and whose decoded path below {@code /v1/} matches {@code
   * pathRegex} fail with {@code httpStatus}.
   */
  public synchronized Faults failNext(String method, String pathRegex, int times, int httpStatus) {
    ApiError.Code code = ApiError.Code.forHttp(httpStatus);
    rules.add(new Rule(method, Pattern.compile(pathRegex), faultError(code), new int[] {times}));
    return this;
  }

  /** The next operation the fake starts ends with this error, and changes nothing. */
  public synchronized Faults failNextOperation(ApiError.Code code, String message) {
    operationErrors.add(new ApiError(code, message));
    return this;
  }

  /**
   * Runs {@code action} (typically an edit through {@link IamState}) right before the next {@code
   * setIamPolicy} is checked, as if someone else had written the policy in between.
   */
  public synchronized Faults beforeNextSetIamPolicy(Runnable action) {
    beforeSetIamPolicy.add(action);
    return this;
  }

  public synchronized void clear() {
    rules.clear();
    operationErrors.clear();
    beforeSetIamPolicy.clear();
  }

  synchronized Optional<ApiError> nextRequestFault(String method, String path) {
    for (Iterator<Rule> it = rules.iterator(); it.hasNext(); ) {
      Rule rule = it.next();
      if ((rule.method() == null || rule.method().equals(method))
          && rule.path().matcher(path).matches()) {
        if (--rule.remaining()[0] <= 0) {
          it.remove();
        }
        return Optional.of(rule.error());
      }
    }
    return Optional.empty();
  }

  synchronized Optional<ApiError> nextOperationError() {
    return Optional.ofNullable(operationErrors.poll());
  }

  synchronized Optional<Runnable> nextBeforeSetIamPolicy() {
    return Optional.ofNullable(beforeSetIamPolicy.poll());
  }

  private static ApiError faultError(ApiError.Code code) {
    String message =
        switch (code) {
          case RESOURCE_EXHAUSTED ->
              "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of"
                  + " service 'iam.googleapis.com'.";
          case UNAVAILABLE -> "The service is currently unavailable.";
          case INTERNAL -> "Internal error encountered.";
          case ABORTED ->
              "There were concurrent policy changes. Please retry the whole read-modify-write"
                  + " with exponential backoff.";
          case PERMISSION_DENIED -> "The caller does not have permission";
          case UNAUTHENTICATED -> "Request had invalid authentication credentials.";
          case DEADLINE_EXCEEDED -> "Deadline exceeded.";
          default -> "Injected fault.";
        };
    return new ApiError(code, message);
  }
}
