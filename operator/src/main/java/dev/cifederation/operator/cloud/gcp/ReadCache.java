package dev.cifederation.operator.cloud.gcp;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Bulk reads shared by the identities that need them: a pool's provider list, a service account's
 * policy. An entry is served for {@code ttl} after it was read; concurrent readers of an expired or
 * missing entry wait for one load instead of each making the call. The operator's own writes update
 * the entry they change ({@link #update}) or drop it ({@link #invalidate}), so it never works from
 * its own stale view; changes by others are seen once the entry expires.
 */
final class ReadCache<K, V> {

  private record Entry<V>(V value, Instant readAt) {}

  private final Duration ttl;
  private final Clock clock;
  private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();
  private final Map<K, Object> loadLocks = new ConcurrentHashMap<>();

  ReadCache(Duration ttl, Clock clock) {
    this.ttl = ttl;
    this.clock = clock;
  }

  /** The cached value if fresh, else a new read (one per key at a time). */
  V get(K key, Supplier<V> load) {
    Entry<V> entry = entries.get(key);
    if (isFresh(entry)) {
      return entry.value();
    }
    synchronized (loadLocks.computeIfAbsent(key, k -> new Object())) {
      entry = entries.get(key);
      if (isFresh(entry)) {
        return entry.value();
      }
      V value = load.get();
      entries.put(key, new Entry<>(value, clock.instant()));
      return value;
    }
  }

  /** A new read now, whatever is cached (before a decision that must not rest on old data). */
  V refresh(K key, Supplier<V> load) {
    synchronized (loadLocks.computeIfAbsent(key, k -> new Object())) {
      V value = load.get();
      entries.put(key, new Entry<>(value, clock.instant()));
      return value;
    }
  }

  /** Applies the operator's own write to a cached value, keeping its read time. */
  void update(K key, UnaryOperator<V> change) {
    entries.computeIfPresent(key, (k, e) -> new Entry<>(change.apply(e.value()), e.readAt()));
  }

  /** Replaces the value with what a write returned (the freshest view there is). */
  void put(K key, V value) {
    entries.put(key, new Entry<>(value, clock.instant()));
  }

  /**
   * The value last read or written, however old, without a call: what a pass reports after its own
   * writes, which kept the entry up to date.
   */
  Optional<V> peek(K key) {
    return Optional.ofNullable(entries.get(key)).map(Entry::value);
  }

  void invalidate(K key) {
    entries.remove(key);
  }

  private boolean isFresh(Entry<V> entry) {
    return entry != null && clock.instant().isBefore(entry.readAt().plus(ttl));
  }
}
