package dev.cifederation.operator.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cifederation.operator.cloud.ScopeBreakers.Failure;
import dev.cifederation.operator.cloud.ScopeBreakers.ScopeUnavailable;
import dev.cifederation.operator.cloud.ScopeBreakers.Settings;
import dev.cifederation.operator.observe.CloudCalls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ScopeBreakersTest {

  /** What a fake SDK throws: an HTTP status (0 = no answer) and an optional Retry-After. */
  static final class HttpError extends RuntimeException {
    final int status;
    final Optional<Duration> retryAfter;

    HttpError(int status, Optional<Duration> retryAfter) {
      super("HTTP " + status, null, false, false);
      this.status = status;
      this.retryAfter = retryAfter;
    }
  }

  private final MovableClock clock = new MovableClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ScopeBreakers breakers =
      new ScopeBreakers(
          Cloud.AWS,
          new Settings(3, Duration.ofSeconds(2), Duration.ofSeconds(60)),
          ScopeBreakers.byStatus(
              e -> e instanceof HttpError h && h.status == 0,
              e -> e instanceof HttpError h ? Optional.of(h.status) : Optional.empty(),
              e -> e instanceof HttpError h ? h.retryAfter : Optional.empty()),
          registry,
          clock);
  private final AtomicInteger sent = new AtomicInteger();

  @Test
  void threeFailuresInARowOpenTheScopeAndNothingIsSentWhileOpen() {
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> call("111", 503)).isInstanceOf(HttpError.class);
    }
    assertThat(sent).hasValue(3);
    assertThat(breakers.closed("111")).isFalse();

    for (int i = 0; i < 100; i++) {
      assertThatThrownBy(() -> call("111", 200))
          .isInstanceOfSatisfying(
              ScopeUnavailable.class,
              e -> {
                assertThat(e.failure()).isEqualTo(Failure.UNAVAILABLE);
                assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(2));
              });
    }
    assertThat(sent).as("a hundred identities, no call").hasValue(3);
    assertThat(registry.get(ScopeBreakers.REJECTED_METRIC).counter().count()).isEqualTo(100);
    assertThat(registry.get(ScopeBreakers.OPEN_METRIC).tag("scope", "111").gauge().value())
        .isEqualTo(1);
  }

  @Test
  void otherScopesOfTheSameCloudAreNotAffected() {
    open("111");
    assertThat(call("222", 200)).isEqualTo("ok");
    assertThat(breakers.closed("222")).isTrue();
  }

  @Test
  void answersThatAreTheRequestsOwnProblemDoNotCount() {
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> call("111", 404)).isInstanceOf(HttpError.class);
      assertThatThrownBy(() -> call("111", 409)).isInstanceOf(HttpError.class);
    }
    assertThat(breakers.closed("111")).isTrue();
  }

  @Test
  void aSuccessResetsTheCountOfFailuresInARow() {
    assertThatThrownBy(() -> call("111", 503)).isInstanceOf(HttpError.class);
    assertThatThrownBy(() -> call("111", 0)).isInstanceOf(HttpError.class);
    call("111", 200);
    assertThatThrownBy(() -> call("111", 503)).isInstanceOf(HttpError.class);
    assertThatThrownBy(() -> call("111", 503)).isInstanceOf(HttpError.class);
    assertThat(breakers.closed("111")).isTrue();
  }

  @Test
  void afterThePauseExactlyOneProbeIsSentAndItsSuccessClosesTheScope() {
    open("111");
    clock.advance(Duration.ofSeconds(2));
    // the probe is in flight: everyone else is still refused
    String probed =
        breakers.call(
            "111",
            () -> {
              sent.incrementAndGet();
              assertThatThrownBy(() -> call("111", 200)).isInstanceOf(ScopeUnavailable.class);
              return "probe";
            });
    assertThat(probed).isEqualTo("probe");
    assertThat(breakers.closed("111")).isTrue();
    assertThat(call("111", 200)).isEqualTo("ok");
  }

  @Test
  void aFailedProbeDoublesThePauseUpToTheMaximum() {
    open("111");
    Duration expected = Duration.ofSeconds(2);
    int probes = 0;
    for (int round = 0; round < 8; round++) {
      clock.advance(expected);
      assertThatThrownBy(() -> call("111", 503)).isInstanceOf(HttpError.class);
      probes++;
      expected =
          expected.multipliedBy(2).compareTo(Duration.ofSeconds(60)) > 0
              ? Duration.ofSeconds(60)
              : expected.multipliedBy(2);
      Duration wait = expected;
      assertThatThrownBy(() -> call("111", 200))
          .isInstanceOfSatisfying(
              ScopeUnavailable.class, e -> assertThat(e.retryAfter()).isEqualTo(wait));
    }
    assertThat(sent).hasValue(3 + probes);
  }

  @Test
  void callsPerMinuteOfOutageAreBoundedWhateverTheNumberOfIdentities() {
    // 1000 identities each trying every second for a minute against a scope that answers 503
    for (int second = 0; second < 60; second++) {
      for (int identity = 0; identity < 1000; identity++) {
        try {
          call("111", 503);
        } catch (RuntimeException expected) {
          // refused or failed
        }
      }
      clock.advance(Duration.ofSeconds(1));
    }
    // 3 to open, then probes at 2, 6, 14, 30 s (pauses 2, 4, 8, 16, 32 s)
    assertThat(sent.get()).isLessThanOrEqualTo(3 + 6).isGreaterThanOrEqualTo(3 + 4);
  }

  @Test
  void aRetryAfterLongerThanThePauseIsHonoured() {
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> call("111", 429, Duration.ofSeconds(20)))
          .isInstanceOf(HttpError.class);
    }
    assertThatThrownBy(() -> call("111", 200))
        .isInstanceOfSatisfying(
            ScopeUnavailable.class,
            e -> {
              assertThat(e.failure()).isEqualTo(Failure.THROTTLED);
              assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(20));
            });
    clock.advance(Duration.ofSeconds(19));
    assertThatThrownBy(() -> call("111", 200)).isInstanceOf(ScopeUnavailable.class);
    clock.advance(Duration.ofSeconds(1));
    assertThat(call("111", 200)).isEqualTo("ok");
    assertThat(
            registry
                .get(ScopeBreakers.FAILURES_METRIC)
                .tag("cloud", "aws")
                .tag("kind", "throttled")
                .counter()
                .count())
        .isEqualTo(3);
  }

  @Test
  void asTheGateOfCloudCallsTheEnteredScopeDecidesAndRefusedCallsAreNotCounted() {
    CloudCalls calls = new CloudCalls(registry, "AWS").withGate(breakers);
    ScopeBreakers.enter(Cloud.AWS, "111");
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(
              () ->
                  calls.call(
                      "GetRole",
                      () -> {
                        throw new HttpError(503, Optional.empty());
                      }))
          .isInstanceOfAny(HttpError.class, ScopeUnavailable.class);
    }
    assertThat(calls.count("GetRole")).as("3 sent, 2 refused").isEqualTo(3);

    // another account on the same thread, and the other clouds' scopes, are separate
    ScopeBreakers.enter(Cloud.AWS, "222");
    ScopeBreakers.enter(Cloud.GCP, "111");
    assertThat(calls.call("GetRole", () -> "ok")).isEqualTo("ok");
    ScopeBreakers.enter(Cloud.AWS, "111");
    assertThatThrownBy(() -> calls.call("GetRole", () -> "ok"))
        .isInstanceOf(ScopeUnavailable.class);
    assertThat(calls.count("GetRole")).isEqualTo(4);
  }

  @Test
  void thePauseNeverOutlastsHalfTheResyncSoARecoveredCloudIsProbedWithinIt() {
    assertThat(Settings.forResync(Duration.ofMinutes(10)).maxOpen())
        .isEqualTo(Duration.ofSeconds(60));
    assertThat(Settings.forResync(Duration.ofSeconds(30)).maxOpen())
        .isEqualTo(Duration.ofSeconds(15));
    assertThat(Settings.forResync(Duration.ofSeconds(10)).maxOpen())
        .isEqualTo(Duration.ofSeconds(5));
    // never below the first pause, however short the resync
    assertThat(Settings.forResync(Duration.ofSeconds(1)).maxOpen())
        .isEqualTo(Duration.ofSeconds(2));

    ScopeBreakers capped =
        new ScopeBreakers(
            Cloud.Azure,
            Settings.forResync(Duration.ofSeconds(10)),
            ScopeBreakers.byStatus(
                e -> false,
                e -> e instanceof HttpError h ? Optional.of(h.status) : Optional.empty(),
                e -> Optional.empty()),
            registry,
            clock);
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> capped.call("sub", () -> failWith(503)))
          .isInstanceOf(HttpError.class);
    }
    // a minute of failed probes: the pause grows 2, 4, then stays at 5 s
    Duration longest = Duration.ZERO;
    for (int probe = 0; probe < 12; probe++) {
      Duration pause = pauseOf(capped, "sub");
      longest = pause.compareTo(longest) > 0 ? pause : longest;
      clock.advance(pause);
      assertThatThrownBy(() -> capped.call("sub", () -> failWith(503)))
          .isInstanceOf(HttpError.class);
    }
    assertThat(longest).isEqualTo(Duration.ofSeconds(5));
    // the cloud recovers: the next probe, at most 5 s later, closes the scope
    clock.advance(pauseOf(capped, "sub"));
    assertThat(capped.call("sub", () -> "ok")).isEqualTo("ok");
    assertThat(capped.closed("sub")).isTrue();
  }

  private static String failWith(int status) {
    throw new HttpError(status, Optional.empty());
  }

  /** How long the scope's breaker says it stays paused, read from a refused call. */
  private static Duration pauseOf(ScopeBreakers breakers, String scope) {
    try {
      breakers.call(scope, () -> "not sent");
    } catch (ScopeUnavailable e) {
      return e.retryAfter();
    }
    throw new AssertionError("the scope was not paused");
  }

  @Test
  void invalidSettingsAreRefused() {
    assertThatThrownBy(() -> new Settings(0, Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .hasMessageContaining("failuresToOpen");
    assertThatThrownBy(() -> new Settings(1, Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessageContaining("initialOpen");
  }

  private void open(String scope) {
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> call(scope, 503)).isInstanceOf(HttpError.class);
    }
    assertThat(breakers.closed(scope)).isFalse();
  }

  private String call(String scope, int status) {
    return call(scope, status, null);
  }

  private String call(String scope, int status, Duration retryAfter) {
    return breakers.call(
        scope,
        () -> {
          sent.incrementAndGet();
          if (status != 200) {
            throw new HttpError(status, Optional.ofNullable(retryAfter));
          }
          return "ok";
        });
  }

  static final class MovableClock extends Clock {
    private Instant now = Instant.parse("2026-12-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

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
  }
}
