package dev.cifederation.operator.cloud.aws;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The latest bulk read of each account, shared by the reconciles of that account's identities for
 * at most {@code ttl} (no longer than the resync interval). The operator's own role writes are
 * recorded in it ({@link #record}); anything else it writes (a provider, a deleted role) or a
 * failed write drops it, so it never hides the operator's own changes.
 *
 * <p>Roles are written in parallel with a bulk read, so a read may catch a role half-written (its
 * policy not yet attached) or miss a record made while no snapshot existed. Each record therefore
 * also goes into a per-account log with a sequence number; a new read is completed with the roles
 * recorded after it started, and the entries older than the read are dropped (the read saw them).
 */
final class AccountSnapshots {

  private final Duration ttl;
  private final Clock clock;
  private final Map<String, AccountSnapshot> byAccount = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Recorded>> recordedByAccount = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();

  private record Recorded(long sequence, LiveRole role) {}

  AccountSnapshots(Duration ttl, Clock clock) {
    this.ttl = ttl;
    this.clock = clock;
  }

  /**
   * The TTL for a resync interval: half of it, at most a minute. The reconciles of one sweep (all
   * identities of an account, started together and rescheduled by the same interval) share one
   * read, and an out-of-band change is seen at most this long after the next sweep starts.
   */
  static Duration ttlFor(Duration resyncInterval) {
    Duration half = resyncInterval.dividedBy(2);
    return half.compareTo(Duration.ofMinutes(1)) < 0 ? half : Duration.ofMinutes(1);
  }

  /** The account's snapshot, read with {@code reader} when missing or older than the TTL. */
  AccountSnapshot get(String accountId, Supplier<AccountSnapshot> reader) {
    AccountSnapshot snapshot = byAccount.get(accountId);
    if (snapshot == null || !snapshot.takenAt().plus(ttl).isAfter(clock.instant())) {
      long readStarted = sequence.get();
      AccountSnapshot read = reader.get();
      Map<String, Recorded> recorded = recorded(accountId);
      snapshot =
          byAccount.compute(
              accountId,
              (id, previous) -> {
                recorded.values().removeIf(r -> r.sequence() <= readStarted);
                recorded.values().forEach(r -> read.put(r.role()));
                return read;
              });
    }
    return snapshot;
  }

  /**
   * The operator's own successful writes to a role, applied to the account's current snapshot (if
   * any): later passes see them without reading the account again.
   */
  void record(String accountId, LiveRole role) {
    Map<String, Recorded> recorded = recorded(accountId);
    // under the account's map entry, so a concurrent read either sees this record or is completed
    // with it
    byAccount.compute(
        accountId,
        (id, snapshot) -> {
          recorded.put(role.name(), new Recorded(sequence.incrementAndGet(), role));
          if (snapshot != null) {
            snapshot.put(role);
          }
          return snapshot;
        });
  }

  private Map<String, Recorded> recorded(String accountId) {
    return recordedByAccount.computeIfAbsent(accountId, id -> new ConcurrentHashMap<>());
  }

  void invalidate(String accountId) {
    byAccount.remove(accountId);
  }
}
