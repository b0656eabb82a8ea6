package dev.cifederation.operator.cloud;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each scope (an AWS account, a GCP pool, an Azure resource group) read once per resync interval,
 * on a schedule, and the passes of its identities served from that read: the reads per resync are a
 * constant per scope however the reconciles spread over the interval.
 *
 * <ul>
 *   <li><b>view</b> — the scope's last scan; the first pass that needs a scope scans it then (and
 *       after {@link #invalidate}), every later scan is the schedule's.
 *   <li><b>record</b> — a pass's own successful write, applied to the view so the next pass does
 *       not read the scope again. A scan overlapping writes is completed with the writes recorded
 *       after it started (the ones before it, it saw).
 *   <li><b>drift</b> — each scan is compared with the view it replaces, object by object ({@link
 *       View#fingerprints}); the identities that {@link #watch watch} a changed object are handed
 *       to the {@link DriftListener} at once, instead of waiting for their own resync.
 * </ul>
 *
 * A failed scan keeps the previous view (the breaker of the scope counts the failure as any call);
 * the next is tried an interval later. {@link #runDue} does the scheduled work and is called by
 * {@link #start}'s thread; tests call it with their own clock.
 *
 * @param <V> what one scan of a scope holds; mutable by {@link #record} and so safe to share
 */
public final class ScopeScans<V extends ScopeScans.View> implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ScopeScans.class);

  /** What a scan read, as the diff sees it. */
  public interface View {

    /**
     * Each object the scan read, by a key stable across scans (a role name, a provider id), mapped
     * to what the trust depends on, comparable with {@code equals}: documents normalised, so an
     * object read back as the operator wrote it is the same.
     */
    Map<String, Object> fingerprints();
  }

  /** An object of a scope, as identities watch it. */
  public record Watched(String scope, String key) {}

  private final Cloud cloud;
  private final Duration interval;
  private final Clock clock;
  private final Function<String, V> scanner;
  private final Map<String, Scope> scopes = new ConcurrentHashMap<>();
  private final Map<String, Set<Watched>> watchedByIdentity = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();
  private volatile DriftListener listener = DriftListener.NONE;
  private ScheduledExecutorService timer;

  /**
   * @param interval how often each scope is read: the resync interval
   * @param scanner one scan of a scope, every call through {@code CloudCalls} in the scope's
   *     breaker; called on the schedule's thread or on a pass's
   */
  public ScopeScans(Cloud cloud, Duration interval, Clock clock, Function<String, V> scanner) {
    this.cloud = Objects.requireNonNull(cloud, "cloud");
    this.interval = Objects.requireNonNull(interval, "interval");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.scanner = Objects.requireNonNull(scanner, "scanner");
  }

  /** Where the identities whose watched objects a scan found changed are sent. */
  public void onDrift(DriftListener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** The scope's view: its last scan, or a scan now when there is none or it was invalidated. */
  public V view(String scope) {
    Scope state = scopes.computeIfAbsent(scope, Scope::new);
    V view = state.current();
    return view != null ? view : scan(state, true);
  }

  /**
   * A pass's own successful write, applied to the scope's view ({@code change} must tolerate being
   * applied to a later scan again). Recorded by key: a later record of the same object replaces it.
   */
  public void record(String scope, String key, Consumer<V> change) {
    scopes.computeIfAbsent(scope, Scope::new).record(key, change);
  }

  /**
   * Something was written that the view cannot learn by a record (or a write failed half-way): the
   * next pass that needs the scope reads it again.
   */
  public void invalidate(String scope) {
    Scope state = scopes.get(scope);
    if (state != null) {
      state.invalidate();
    }
  }

  /** Every scope's view dropped: each is read again by the next pass that needs it. */
  public void invalidateAll() {
    scopes.values().forEach(Scope::invalidate);
  }

  /** The objects whose change should trigger {@code identity} (namespace/name), replacing any. */
  public void watch(String identity, Set<Watched> objects) {
    if (objects.isEmpty()) {
      watchedByIdentity.remove(identity);
    } else {
      watchedByIdentity.put(identity, Set.copyOf(objects));
    }
  }

  /** The identity is gone or no longer uses this cloud. */
  public void forget(String identity) {
    watchedByIdentity.remove(identity);
  }

  /**
   * Scans every scope whose interval has passed since its last scan; a scope no identity watches
   * any more is dropped instead.
   *
   * @return the scopes scanned
   */
  public List<String> runDue() {
    Set<String> watchedScopes = new HashSet<>();
    watchedByIdentity.values().forEach(set -> set.forEach(w -> watchedScopes.add(w.scope())));
    Instant now = clock.instant();
    List<String> scanned = new ArrayList<>();
    for (Scope state : List.copyOf(scopes.values())) {
      if (!watchedScopes.contains(state.name)) {
        scopes.remove(state.name, state);
        continue;
      }
      if (state.due(now)) {
        try {
          scan(state, false);
          scanned.add(state.name);
        } catch (RuntimeException e) {
          log.warn("{} scan of {} failed, its last view kept: {}", cloud, state.name, e.toString());
          state.postpone(now.plus(interval));
        }
      }
    }
    return scanned;
  }

  /**
   * Scans every scope now, due or not (tests that change a cloud by hand and want the next pass to
   * see it without waiting an interval).
   */
  public void runAll() {
    for (Scope state : List.copyOf(scopes.values())) {
      scan(state, false);
    }
  }

  /** Runs {@link #runDue} on a daemon thread, checking about ten times per interval. */
  public synchronized void start() {
    if (timer != null) {
      return;
    }
    long tick = Math.max(100, Math.min(1_000, interval.toMillis() / 10));
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "cifed-" + cloud.name().toLowerCase() + "-scans");
              thread.setDaemon(true);
              return thread;
            });
    timer.scheduleWithFixedDelay(this::runDueLogged, tick, tick, TimeUnit.MILLISECONDS);
  }

  private void runDueLogged() {
    try {
      runDue();
    } catch (RuntimeException e) {
      log.warn("{} scans: {}", cloud, e.toString());
    }
  }

  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
    }
  }

  /** One scan: the records made while it ran are applied to it, then it is diffed and served. */
  private V scan(Scope state, boolean onlyIfMissing) {
    synchronized (state.scanning) {
      if (onlyIfMissing && state.current() != null) {
        return state.current(); // another pass scanned it while this one waited
      }
      long started = sequence.get();
      V fresh = scanner.apply(state.name);
      V before = state.replace(fresh, started, clock.instant().plus(interval));
      if (before != null) {
        triggerChanged(state.name, before.fingerprints(), fresh.fingerprints());
      }
      return fresh;
    }
  }

  private void triggerChanged(String scope, Map<String, Object> before, Map<String, Object> after) {
    Set<String> changed = changedKeys(before, after);
    if (changed.isEmpty()) {
      return;
    }
    Set<String> identities = new TreeSet<>();
    watchedByIdentity.forEach(
        (identity, watched) -> {
          for (Watched w : watched) {
            if (w.scope().equals(scope) && changed.contains(w.key())) {
              identities.add(identity);
              break;
            }
          }
        });
    log.info(
        "{} scan of {}: {} changed outside the operator, reconciling {}",
        cloud,
        scope,
        changed,
        identities);
    identities.forEach(identity -> listener.driftFound(cloud, identity));
  }

  /** The keys present in one map only, or mapped to different fingerprints. */
  static Set<String> changedKeys(Map<String, Object> before, Map<String, Object> after) {
    Set<String> changed = new TreeSet<>();
    before.forEach(
        (key, value) -> {
          if (!Objects.equals(value, after.get(key))) {
            changed.add(key);
          }
        });
    after.keySet().stream().filter(key -> !before.containsKey(key)).forEach(changed::add);
    return changed;
  }

  private final class Scope {
    final String name;
    final Object scanning = new Object();
    private V view;
    private boolean stale;
    private Instant nextScan = Instant.MIN;
    // the records since the last scan started, by object key
    private final Map<String, Recorded<V>> recorded = new java.util.LinkedHashMap<>();

    Scope(String name) {
      this.name = name;
    }

    synchronized V current() {
      return stale ? null : view;
    }

    synchronized boolean due(Instant now) {
      return view != null && !now.isBefore(nextScan);
    }

    synchronized void postpone(Instant next) {
      nextScan = next;
    }

    synchronized void invalidate() {
      stale = true;
    }

    synchronized void record(String key, Consumer<V> change) {
      recorded.remove(key);
      recorded.put(key, new Recorded<>(sequence.incrementAndGet(), change));
      if (view != null) {
        change.accept(view);
      }
    }

    /** Serves {@code fresh}, completed with the records made after {@code started}. */
    synchronized V replace(V fresh, long started, Instant next) {
      recorded.values().removeIf(r -> r.sequence() <= started);
      recorded.values().forEach(r -> r.change().accept(fresh));
      V before = view;
      view = fresh;
      stale = false;
      nextScan = next;
      return before;
    }
  }

  private record Recorded<V>(long sequence, Consumer<V> change) {}

  /** Where a scan's drift goes: the identity reconciler's trigger. */
  @FunctionalInterface
  public interface DriftListener {
    DriftListener NONE = (cloud, identity) -> {};

    /** A watched object of {@code identity} (namespace/name) changed outside the operator. */
    void driftFound(Cloud cloud, String identity);
  }
}
