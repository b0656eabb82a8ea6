package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AccountSnapshotsTest {

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
  private final AtomicInteger reads = new AtomicInteger();

  private AccountSnapshot read() {
    reads.incrementAndGet();
    return new AccountSnapshot(now, Map.of(), Set.of());
  }

  @Test
  void oneReadIsSharedUntilTheTtlEnds() {
    var snapshots = new AccountSnapshots(Duration.ofSeconds(30), clock);

    AccountSnapshot first = snapshots.get("123456789012", this::read);
    now = now.plusSeconds(29);
    assertThat(snapshots.get("123456789012", this::read)).isSameAs(first);
    assertThat(reads).hasValue(1);

    now = now.plusSeconds(1);
    assertThat(snapshots.get("123456789012", this::read)).isNotSameAs(first);
    assertThat(reads).hasValue(2);
  }

  @Test
  void accountsAreSeparateAndAWriteDropsTheAccountsSnapshot() {
    var snapshots = new AccountSnapshots(Duration.ofMinutes(1), clock);
    snapshots.get("111111111111", this::read);
    snapshots.get("222222222222", this::read);
    assertThat(reads).hasValue(2);

    snapshots.invalidate("111111111111");
    snapshots.get("111111111111", this::read);
    snapshots.get("222222222222", this::read);
    assertThat(reads).hasValue(3);
  }

  /**
   * Roles are written while another pass reads the account: the read may catch a role before its
   * policy is attached, and a record made while no snapshot exists has nowhere to go. The read is
   * completed with what was recorded after it started; what was recorded before, it saw itself.
   */
  @Test
  void aReadOverlappingRoleWritesIsCompletedWithWhatWasRecordedAfterItStarted() {
    var snapshots = new AccountSnapshots(Duration.ofMinutes(1), clock);
    String account = "123456789012";
    snapshots.record(account, role("before-the-read", Set.of("arn:aws:iam::1:policy/old")));

    AccountSnapshot snapshot =
        snapshots.get(
            account,
            () -> {
              // while the bulk read runs, a pass finishes its role and records it
              snapshots.record(account, role("written", Set.of("arn:aws:iam::1:policy/deploy")));
              // the read caught that role half-written, and saw the older one as IAM has it now
              return new AccountSnapshot(
                  now,
                  Map.of(
                      "written", role("written", Set.of()),
                      "before-the-read", role("before-the-read", Set.of())),
                  Set.of());
            });

    assertThat(byName(snapshot, "written").managedPolicyArns())
        .as("recorded after the read started: the record wins")
        .containsExactly("arn:aws:iam::1:policy/deploy");
    assertThat(byName(snapshot, "before-the-read").managedPolicyArns())
        .as("recorded before the read started: the read wins (a later hand edit is drift)")
        .isEmpty();

    now = now.plusSeconds(60);
    AccountSnapshot next =
        snapshots.get(
            account,
            () -> new AccountSnapshot(now, Map.of("written", role("written", Set.of())), Set.of()));
    assertThat(byName(next, "written").managedPolicyArns())
        .as("a read that started after the record is authoritative")
        .isEmpty();
  }

  private static LiveRole byName(AccountSnapshot snapshot, String name) {
    return snapshot.roles().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
  }

  private static LiveRole role(String name, Set<String> managedPolicyArns) {
    return new LiveRole(
        name,
        "/cifederation/",
        "arn:aws:iam::123456789012:role/cifederation/" + name,
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(),
        managedPolicyArns,
        Map.of(),
        java.util.OptionalInt.of(3600),
        java.util.Optional.empty(),
        Map.of());
  }

  @Test
  void ttlIsHalfTheResyncIntervalAndAtMostAMinute() {
    assertThat(AccountSnapshots.ttlFor(Duration.ofSeconds(4))).isEqualTo(Duration.ofSeconds(2));
    assertThat(AccountSnapshots.ttlFor(Duration.ofMinutes(10))).isEqualTo(Duration.ofMinutes(1));
  }
}
