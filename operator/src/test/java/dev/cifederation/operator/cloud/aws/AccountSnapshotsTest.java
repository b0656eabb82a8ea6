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

  @Test
  void ttlIsHalfTheResyncIntervalAndAtMostAMinute() {
    assertThat(AccountSnapshots.ttlFor(Duration.ofSeconds(4))).isEqualTo(Duration.ofSeconds(2));
    assertThat(AccountSnapshots.ttlFor(Duration.ofMinutes(10))).isEqualTo(Duration.ofMinutes(1));
  }
}
