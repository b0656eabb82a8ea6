package dev.cifederation.operator.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one reader of the CRDs' Go-style durations, for the compiler and the policy guardrails. */
class SessionDurationsTest {

  @ParameterizedTest
  @CsvSource({"1h, PT1H", "90m, PT1H30M", "2h30m, PT2H30M", "3600s, PT1H", "1h0m1s, PT1H0M1S"})
  void readsHoursMinutesSeconds(String text, String iso) {
    assertThat(SessionDurations.read(text)).contains(Duration.parse(iso));
  }

  @ParameterizedTest
  @CsvSource({
    "''",
    "1d",
    "h",
    "1m1h",
    "1.5h",
    "-1h",
    "99999999999999999999h",
    "9223372036854775807h"
  })
  void anythingElseIsNoDuration(String text) {
    assertThat(SessionDurations.read(text)).isEmpty();
  }

  @Test
  void theCompilerKeepsItToIamsLimits() throws Exception {
    assertThat(SessionDurations.parse(null)).isEqualTo(Duration.ofHours(1));
    assertThat(SessionDurations.parse("12h")).isEqualTo(Duration.ofHours(12));
    assertThatThrownBy(() -> SessionDurations.parse("13h"))
        .hasMessageContaining("must be between 1h and 12h");
    assertThatThrownBy(() -> SessionDurations.parse("99999999999999999999h"))
        .hasMessageContaining("must be between 1h and 12h");
    assertThatThrownBy(() -> SessionDurations.parse("1d"))
        .hasMessageContaining("must be a duration such as 1h");
  }
}
