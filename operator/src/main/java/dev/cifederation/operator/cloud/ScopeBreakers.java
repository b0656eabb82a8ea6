package dev.cifederation.operator.cloud;

import dev.cifederation.operator.observe.CloudCalls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One circuit breaker per scope of a cloud (an AWS account, a GCP project, an Azure subscription):
 * when a scope's API keeps failing with throttling or unavailability, calls to it stop for a while
 * instead of every identity retrying on its own, and the cloud is then probed by a single call
 * before everyone is let through again. The calls made to a failing scope are therefore bounded per
 * scope and per minute, independent of how many identities live there.
 *
 * <p>States per scope: <em>closed</em> (calls pass; {@link Settings#failuresToOpen} failures in a
 * row open it), <em>open</em> until a deadline (calls are refused with {@link ScopeUnavailable},
 * which adapters report as {@code Transient}/{@code Throttled} and retry after), then
 * <em>half-open</em>: exactly one caller is let through as the probe while the others are still
 * refused; its success closes the breaker, its failure opens it again for twice as long (up to
 * {@link Settings#maxOpen}). A throttling answer with a Retry-After keeps it open at least that
 * long. Errors that show the cloud answering (not found, conflict, access denied…) count as
 * success: the breaker is about availability, not about the request.
 *
 * <p>Shared by the three adapters: each attaches one instance to its {@link CloudCalls} as the gate
 * of every SDK call, with its own {@link Classifier}, and says which scope its next calls go to
 * with {@link #enter} (the hook at the adapter's entry points, or per call where a gateway serves
 * one scope). Calls made without a scope share the breaker {@value #UNSCOPED}.
 */
public final class ScopeBreakers implements CloudCalls.Gate {

  /** What a failed call says about the scope's availability. */
  public enum Failure {
    /** 429, a throttling error code, or a Retry-After on a 503. */
    THROTTLED,
    /** 5xx, connection refused or reset, timeouts. */
    UNAVAILABLE
  }

  /**
   * Classifies an exception an SDK call threw: empty when the cloud answered (the request's own
   * problem, which does not count against the scope); the retry hint, if the answer carried one.
   */
  @FunctionalInterface
  public interface Classifier {
    Optional<Verdict> classify(RuntimeException error);
  }

  /** A failure and the delay the cloud asked for, if any. */
  public record Verdict(Failure failure, Optional<Duration> retryAfter) {
    public static Verdict of(Failure failure) {
      return new Verdict(failure, Optional.empty());
    }
  }

  /**
   * @param failuresToOpen availability failures in a row that open a closed breaker
   * @param initialOpen how long a breaker first stays open
   * @param maxOpen the longest it stays open however often the probe fails
   */
  public record Settings(int failuresToOpen, Duration initialOpen, Duration maxOpen) {
    private static final Duration INITIAL_OPEN = Duration.ofSeconds(2);
    private static final Duration LONGEST_OPEN = Duration.ofSeconds(60);

    public Settings {
      if (failuresToOpen < 1) {
        throw new IllegalArgumentException("failuresToOpen must be at least 1");
      }
      if (initialOpen.isNegative() || initialOpen.isZero() || maxOpen.compareTo(initialOpen) < 0) {
        throw new IllegalArgumentException("need 0 < initialOpen <= maxOpen");
      }
    }

    /**
     * Five failures in a row, more than one call's own inline attempts (ARM's four), so that one
     * failing request alone does not pause a whole scope; open 2 s, doubling to 60 s: at most ~6
     * probes in the first minute of an outage, one a minute after that.
     */
    public static Settings defaults() {
      return new Settings(5, INITIAL_OPEN, LONGEST_OPEN);
    }

    /**
     * The defaults with the longest pause capped at half the resync interval: a cloud that recovers
     * early in a long pause is otherwise probed only when the pause ends, and the identities it
     * serves would stay unready for longer than the resync that users read as the operator's
     * reaction time. Half leaves the other half for the identities to retry after the probe.
     */
    public static Settings forResync(Duration resyncInterval) {
      Duration half = resyncInterval.dividedBy(2);
      Duration cap = half.compareTo(INITIAL_OPEN) < 0 ? INITIAL_OPEN : min(half, LONGEST_OPEN);
      return new Settings(5, INITIAL_OPEN, cap);
    }
  }

  /** Thrown instead of calling a scope whose breaker is open; nothing was sent. */
  public static final class ScopeUnavailable extends RuntimeException {
    private final String scope;
    private final Failure failure;
    private final Duration retryAfter;

    ScopeUnavailable(String cloud, String scope, Failure failure, Duration retryAfter) {
      super(
          cloud
              + " "
              + scope
              + " is "
              + (failure == Failure.THROTTLED ? "throttling" : "unavailable")
              + "; calls paused for "
              + retryAfter.toSeconds()
              + " s, then one probe call",
          null,
          false,
          false);
      this.scope = scope;
      this.failure = failure;
      this.retryAfter = retryAfter;
    }

    public String scope() {
      return scope;
    }

    public Failure failure() {
      return failure;
    }

    public Duration retryAfter() {
      return retryAfter;
    }
  }

  public static final String OPEN_METRIC = "cifed.cloud.breaker.open";
  public static final String REJECTED_METRIC = "cifed.cloud.breaker.rejected";
  public static final String FAILURES_METRIC = "cifed.cloud.failures";

  /** The scope of calls made before any {@link #enter} on the thread. */
  public static final String UNSCOPED = "unscoped";

  private static final ThreadLocal<Map<Cloud, String>> SCOPE =
      ThreadLocal.withInitial(() -> new EnumMap<>(Cloud.class));

  private final Cloud cloudId;
  private final String cloud;
  private final Settings settings;
  private final Clock clock;
  private final MeterRegistry registry;
  private final Classifier classifier;
  private final Map<String, Breaker> breakers = new ConcurrentHashMap<>();

  public ScopeBreakers(
      Cloud cloud, Settings settings, Classifier classifier, MeterRegistry registry, Clock clock) {
    this.cloudId = cloud;
    this.cloud = cloud.name().toLowerCase(Locale.ROOT);
    this.settings = settings;
    this.classifier = classifier;
    this.registry = registry;
    this.clock = clock;
  }

  /** The breakers of one cloud as the operator runs them: the defaults for its resync interval. */
  public ScopeBreakers(
      Cloud cloud,
      Duration resyncInterval,
      Classifier classifier,
      MeterRegistry registry,
      Clock clock) {
    this(cloud, Settings.forResync(resyncInterval), classifier, registry, clock);
  }

  /**
   * The adapters' hook: the calls this thread makes next to {@code cloud} go to {@code scope} (an
   * account id, a project number, a subscription id); null or blank means {@value #UNSCOPED}.
   */
  public static void enter(Cloud cloud, String scope) {
    SCOPE.get().put(cloud, scope == null || scope.isBlank() ? UNSCOPED : scope);
  }

  /** Runs {@code sdkCall} against the scope this thread {@link #enter entered}. */
  @Override
  public <T> T call(Supplier<T> sdkCall) {
    return call(SCOPE.get().getOrDefault(cloudId, UNSCOPED), sdkCall);
  }

  /**
   * Runs {@code sdkCall} against {@code scope} unless the scope's breaker refuses it.
   *
   * @throws ScopeUnavailable without calling when the breaker is open (or half-open with its probe
   *     in flight)
   */
  public <T> T call(String scope, Supplier<T> sdkCall) {
    Breaker breaker = breakers.computeIfAbsent(scope, this::newBreaker);
    boolean probe = breaker.admit();
    boolean reported = false;
    try {
      T result = sdkCall.get();
      reported = true;
      breaker.succeeded(probe);
      return result;
    } catch (RuntimeException e) {
      Optional<Verdict> verdict = e instanceof ScopeUnavailable ? Optional.empty() : classify(e);
      reported = true;
      if (verdict.isPresent()) {
        count(verdict.get().failure());
        breaker.failed(probe, verdict.get());
      } else {
        // the cloud answered: as good as a success for availability
        breaker.succeeded(probe);
      }
      throw e;
    } finally {
      if (!reported) {
        // an Error or an interrupt: a probe must not stay in flight for ever
        breaker.failed(probe, Verdict.of(Failure.UNAVAILABLE));
      }
    }
  }

  /** Whether calls to {@code scope} currently pass (closed), for status messages and tests. */
  public boolean closed(String scope) {
    Breaker breaker = breakers.get(scope);
    return breaker == null || breaker.isClosed();
  }

  private Optional<Verdict> classify(RuntimeException e) {
    return classifier.classify(e);
  }

  private void count(Failure failure) {
    Counter.builder(FAILURES_METRIC)
        .description("Cloud calls that failed for availability, by cloud and kind")
        .tag("cloud", cloud)
        .tag("kind", failure.name().toLowerCase(Locale.ROOT))
        .register(registry)
        .increment();
  }

  private Breaker newBreaker(String scope) {
    Breaker breaker = new Breaker(scope);
    Gauge.builder(OPEN_METRIC, breaker, b -> b.isClosed() ? 0 : 1)
        .description("1 while calls to a cloud scope are paused by its breaker")
        .tag("cloud", cloud)
        .tag("scope", scope)
        .register(registry);
    return breaker;
  }

  private enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  private final class Breaker {
    private final String scope;
    private final Counter rejected;
    private State state = State.CLOSED;
    private int failuresInARow;
    private Duration openFor = settings.initialOpen();
    private Instant openUntil = Instant.MIN;
    private Failure lastFailure = Failure.UNAVAILABLE;

    Breaker(String scope) {
      this.scope = scope;
      this.rejected =
          Counter.builder(REJECTED_METRIC)
              .description("Cloud calls not made because the scope's breaker was open")
              .tag("cloud", cloud)
              .tag("scope", scope)
              .register(registry);
    }

    /** True when the caller is the half-open probe; throws when the call must not be made. */
    synchronized boolean admit() {
      Instant now = clock.instant();
      switch (state) {
        case CLOSED:
          return false;
        case OPEN:
          if (now.isBefore(openUntil)) {
            throw refuse(Duration.between(now, openUntil));
          }
          state = State.HALF_OPEN;
          return true;
        case HALF_OPEN:
        default:
          // the probe decides; until then the others wait about as long as it may take
          throw refuse(settings.initialOpen());
      }
    }

    synchronized void succeeded(boolean probe) {
      if (probe || state == State.CLOSED) {
        state = State.CLOSED;
        failuresInARow = 0;
        openFor = settings.initialOpen();
      }
    }

    synchronized void failed(boolean probe, Verdict verdict) {
      lastFailure = verdict.failure();
      if (probe) {
        openFor = min(openFor.multipliedBy(2), settings.maxOpen());
        open(verdict);
        return;
      }
      if (state != State.CLOSED) {
        // a call admitted before the breaker opened: it already counted
        return;
      }
      failuresInARow++;
      if (failuresInARow >= settings.failuresToOpen()) {
        open(verdict);
      }
    }

    private void open(Verdict verdict) {
      Duration pause = openFor;
      if (verdict.retryAfter().isPresent() && verdict.retryAfter().get().compareTo(pause) > 0) {
        pause = min(verdict.retryAfter().get(), settings.maxOpen());
      }
      state = State.OPEN;
      openUntil = clock.instant().plus(pause);
    }

    synchronized boolean isClosed() {
      return state == State.CLOSED;
    }

    private ScopeUnavailable refuse(Duration retryAfter) {
      rejected.increment();
      return new ScopeUnavailable(cloud, scope, lastFailure, retryAfter);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /**
   * The classifier of an SDK whose errors carry an HTTP status: no answer at all ({@code
   * transport}: refused, reset, timed out), 429 and 5xx count against the scope; anything else
   * (including an exception that is neither) is the request's own problem.
   */
  public static Classifier byStatus(
      Predicate<RuntimeException> transport,
      Function<RuntimeException, Optional<Integer>> status,
      Function<RuntimeException, Optional<Duration>> retryAfter) {
    return e -> {
      if (transport.test(e)) {
        return Optional.of(Verdict.of(Failure.UNAVAILABLE));
      }
      int code = status.apply(e).orElse(0);
      if (code == 429) {
        return Optional.of(new Verdict(Failure.THROTTLED, retryAfter.apply(e)));
      }
      if (code >= 500) {
        // a 503 with a Retry-After is the cloud shedding load: throttling, and it said how long
        Optional<Duration> hint = retryAfter.apply(e);
        return Optional.of(
            new Verdict(hint.isPresent() ? Failure.THROTTLED : Failure.UNAVAILABLE, hint));
      }
      return Optional.empty();
    };
  }
}
