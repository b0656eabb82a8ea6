package dev.cifederation.operator.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cifederation.operator.cloud.ScopeScans.Watched;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The scheduling, the diff and the records of {@link ScopeScans}, on a clock the test moves. */
class ScopeScansTest {

  private static final Duration RESYNC = Duration.ofSeconds(30);

  private Instant now = Instant.parse("2026-11-25T12:00:00Z");
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now;
        }
      };

  /** What the cloud holds now, per scope: object key to its content. */
  private final Map<String, Map<String, String>> cloud = new HashMap<>();

  private final Map<String, Integer> reads = new HashMap<>();
  private final List<String> triggered = new ArrayList<>();

  /** A scan's view: the objects as read, mutable by the operator's records. */
  static final class Objects implements ScopeScans.View {
    final Map<String, String> byKey;

    Objects(Map<String, String> byKey) {
      this.byKey = new ConcurrentHashMap<>(byKey);
    }

    @Override
    public Map<String, Object> fingerprints() {
      return Map.copyOf(byKey);
    }
  }

  private ScopeScans<Objects> scans(Function<String, Objects> scanner) {
    ScopeScans<Objects> scans = new ScopeScans<>(Cloud.AWS, RESYNC, clock, scanner);
    scans.onDrift((c, identity) -> triggered.add(identity));
    return scans;
  }

  private ScopeScans<Objects> scans() {
    return scans(this::read);
  }

  private Objects read(String scope) {
    reads.merge(scope, 1, Integer::sum);
    return new Objects(cloud.getOrDefault(scope, Map.of()));
  }

  @Test
  void eachScopeIsReadOncePerIntervalHoweverManyPassesUseIt() {
    ScopeScans<Objects> scans = scans();
    cloud.put("a", Map.of("role-1", "v1"));
    cloud.put("b", Map.of("role-2", "v1"));
    scans.watch("ns/one", Set.of(new Watched("a", "role-1")));
    scans.watch("ns/two", Set.of(new Watched("b", "role-2")));

    // passes spread over two intervals: every one served from the schedule's read
    for (int second = 0; second < 60; second++) {
      scans.view("a");
      scans.view("b");
      scans.runDue();
      now = now.plusSeconds(1);
    }

    assertThat(reads).containsEntry("a", 2).containsEntry("b", 2);
    assertThat(triggered).isEmpty();
  }

  @Test
  void aScanThatFindsAWatchedObjectChangedTriggersItsIdentityAndOnlyIt() {
    ScopeScans<Objects> scans = scans();
    cloud.put("a", Map.of("role-1", "v1", "role-2", "v1", "role-3", "v1"));
    scans.watch("ns/one", Set.of(new Watched("a", "role-1")));
    scans.watch("ns/two", Set.of(new Watched("a", "role-2")));
    scans.watch("other/one", Set.of(new Watched("b", "role-1")));
    scans.view("a");

    cloud.put("a", Map.of("role-1", "v1", "role-2", "widened by hand", "role-3", "v2"));
    now = now.plus(RESYNC.minusSeconds(1));
    assertThat(scans.runDue()).as("not due before the interval").isEmpty();
    now = now.plusSeconds(1);
    assertThat(scans.runDue()).containsExactly("a");

    // role-3 changed too, but no identity watches it
    assertThat(triggered).containsExactly("ns/two");
  }

  @Test
  void aDeletedWatchedObjectIsDrift() {
    ScopeScans<Objects> scans = scans();
    cloud.put("a", Map.of("role-1", "v1"));
    scans.watch("ns/one", Set.of(new Watched("a", "role-1")));
    scans.view("a");

    cloud.put("a", Map.of());
    now = now.plus(RESYNC);
    scans.runDue();

    assertThat(triggered).containsExactly("ns/one");
  }

  @Test
  void theOperatorsOwnRecordedWritesAreNotDriftAndCostNoRead() {
    ScopeScans<Objects> scans = scans();
    scans.watch("ns/one", Set.of(new Watched("a", "role-1")));
    assertThat(scans.view("a").byKey).isEmpty();

    // the pass creates the role and records it; IAM now has it as written
    scans.record("a", "role-1", view -> view.byKey.put("role-1", "v1"));
    cloud.put("a", Map.of("role-1", "v1"));
    assertThat(scans.view("a").byKey).containsEntry("role-1", "v1");
    assertThat(reads).containsEntry("a", 1);

    now = now.plus(RESYNC);
    scans.runDue();
    assertThat(reads).containsEntry("a", 2);
    assertThat(triggered).isEmpty();
  }

  /**
   * Roles are written while a scan runs: the scan may catch a role half-written, and a record made
   * while it ran has nowhere else to go. The scan is completed with what was recorded after it
   * started; what was recorded before, it saw itself.
   */
  @Test
  void aScanOverlappingWritesIsCompletedWithWhatWasRecordedAfterItStarted() {
    List<ScopeScans<Objects>> self = new ArrayList<>();
    ScopeScans<Objects> scans =
        scans(
            scope -> {
              reads.merge(scope, 1, Integer::sum);
              if (reads.get(scope) == 2) {
                // while the second scan runs, a pass finishes its role and records it
                self.get(0).record(scope, "written", v -> v.byKey.put("written", "complete"));
                return new Objects(Map.of("written", "half", "before", "as IAM has it"));
              }
              return new Objects(Map.of());
            });
    self.add(scans);
    scans.watch("ns/one", Set.of(new Watched("a", "written")));
    scans.view("a");
    scans.record("a", "before", v -> v.byKey.put("before", "as written"));

    now = now.plus(RESYNC);
    scans.runDue();

    Objects view = scans.view("a");
    assertThat(view.byKey)
        .as("recorded after the scan started: the record wins")
        .containsEntry("written", "complete")
        .as("recorded before the scan started: the scan wins (a later hand edit is drift)")
        .containsEntry("before", "as IAM has it");
  }

  @Test
  void anInvalidatedScopeIsReadByTheNextPassAndTheScheduleGoesOn() {
    ScopeScans<Objects> scans = scans();
    scans.watch("ns/one", Set.of(new Watched("a", "role-1")));
    Objects first = scans.view("a");

    scans.invalidate("a");
    Objects second = scans.view("a");
    assertThat(second).isNotSameAs(first);
    assertThat(scans.view("a")).isSameAs(second);
    assertThat(reads).containsEntry("a", 2);

    now = now.plus(RESYNC);
    scans.runDue();
    assertThat(reads).containsEntry("a", 3);
  }

  @Test
  void aFailedScanKeepsTheLastViewAndIsTriedAnIntervalLater() {
    List<Boolean> failing = new ArrayList<>(List.of(false));
    ScopeScans<Objects> scans =
        scans(
            scope -> {
              reads.merge(scope, 1, Integer::sum);
              if (failing.get(0)) {
                throw new IllegalStateException("503 from IAM");
              }
              return new Objects(Map.of("role-1", "v1"));
            });
    scans.watch("ns/one", Set.of(new Watched("a", "role-1")));
    Objects first = scans.view("a");

    failing.set(0, true);
    now = now.plus(RESYNC);
    assertThat(scans.runDue()).isEmpty();
    assertThat(scans.view("a")).isSameAs(first);
    now = now.plusSeconds(10);
    scans.runDue();
    assertThat(reads).as("no retry within the interval").containsEntry("a", 2);

    failing.set(0, false);
    now = now.plus(RESYNC);
    assertThat(scans.runDue()).containsExactly("a");
    assertThat(triggered).isEmpty();
  }

  @Test
  void aScopeNoIdentityWatchesIsNoLongerScanned() {
    ScopeScans<Objects> scans = scans();
    scans.watch("ns/one", Set.of(new Watched("a", "role-1")));
    scans.view("a");

    scans.forget("ns/one");
    now = now.plus(RESYNC);
    assertThat(scans.runDue()).isEmpty();
    assertThat(reads).containsEntry("a", 1);
  }

  @Test
  void aFirstPassReadsWhatItNeedsAtOnceAndAFailureReachesIt() {
    ScopeScans<Objects> scans =
        scans(
            scope -> {
              throw new IllegalStateException("denied");
            });
    assertThatThrownBy(() -> scans.view("a")).hasMessage("denied");
  }

  @Test
  void changedKeysAreAddedRemovedAndDifferent() {
    assertThat(
            ScopeScans.changedKeys(
                Map.of("same", 1, "changed", 1, "removed", 1),
                Map.of("same", 1, "changed", 2, "added", 1)))
        .containsExactly("added", "changed", "removed");
  }
}
