package dev.cifederation.fakes.azure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Scripted failures and interleavings: the next matching requests are answered with an error
 * instead of reaching the state (throttling with {@code Retry-After}, 5xx), or a hook runs just
 * before a matching request is handled (to play a concurrent writer at a precise moment).
 *
 * <p>A request matches a rule when its method is the rule's (or the rule's is {@code *}) and its
 * normalised path contains the rule's fragment, case-insensitively.
 */
public final class Faults {

  private record Rule(
      String method, String pathFragment, int remaining, ArmException error, Runnable hook) {
    boolean matches(String requestMethod, String path) {
      return (method.equals("*") || method.equalsIgnoreCase(requestMethod))
          && path.toLowerCase(Locale.ROOT).contains(pathFragment.toLowerCase(Locale.ROOT));
    }
  }

  private final List<Rule> rules = new ArrayList<>();

  /** The next {@code times} matching requests get 429 TooManyRequests with {@code Retry-After}. */
  public synchronized void throttle(
      String method, String pathFragment, int times, Duration retryAfter) {
    long seconds = Math.max(0, retryAfter.toSeconds());
    rules.add(
        new Rule(
            method,
            pathFragment,
            times,
            new ArmException(
                429,
                "TooManyRequests",
                "The request is being throttled as the limit has been reached for operation type"
                    + " - Write_ObservationWindow_00:01:00. For more information, see"
                    + " https://aka.ms/srpthrottlinglimits",
                Map.of("Retry-After", Long.toString(seconds))),
            null));
  }

  /** The next {@code times} matching requests fail with a server error (500, 502, 503, 504). */
  public synchronized void serverError(String method, String pathFragment, int times, int status) {
    if (status < 500 || status > 599) {
      throw new IllegalArgumentException("not a server error: " + status);
    }
    String code = status == 503 ? "ServiceUnavailable" : "InternalServerError";
    rules.add(
        new Rule(
            method,
            pathFragment,
            times,
            new ArmException(status, code, "The server encountered an internal error."),
            null));
  }

  /** The next {@code times} matching requests fail with this error. */
  public synchronized void fail(String method, String pathFragment, int times, ArmException error) {
    rules.add(new Rule(method, pathFragment, times, error, null));
  }

  /** Runs {@code hook} once, just before the next matching request is handled. */
  public synchronized void beforeNext(String method, String pathFragment, Runnable hook) {
    rules.add(new Rule(method, pathFragment, 1, null, hook));
  }

  /** Forgets every rule not yet used up. */
  public synchronized void clear() {
    rules.clear();
  }

  /** How many scripted answers and hooks are still pending. */
  public synchronized int pending() {
    return rules.stream().mapToInt(Rule::remaining).sum();
  }

  /**
   * Applies the first rule matching the request, if any: runs its hook, or throws its error. Called
   * by the server before routing.
   */
  void apply(String method, String path, Consumer<Runnable> runHook) {
    Rule matched = null;
    synchronized (this) {
      for (ListIterator<Rule> it = rules.listIterator(); it.hasNext(); ) {
        Rule rule = it.next();
        if (rule.matches(method, path)) {
          if (rule.remaining() > 1) {
            it.set(
                new Rule(
                    rule.method(),
                    rule.pathFragment(),
                    rule.remaining() - 1,
                    rule.error(),
                    rule.hook()));
          } else {
            it.remove();
          }
          matched = rule;
          break;
        }
      }
    }
    if (matched == null) {
      return;
    }
    if (matched.hook() != null) {
      runHook.accept(matched.hook());
      return;
    }
    throw matched.error();
  }
}
