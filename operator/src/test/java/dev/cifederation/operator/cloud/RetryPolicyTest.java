package dev.cifederation.operator.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.CloudReason;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  private final RetryPolicy policy = RetryPolicy.forResync(Duration.ofMinutes(10));

  @RepeatedTest(20)
  void throttlingWaitsTheLongerOfTheHintAndItsBaseSpreadByUpToHalf() {
    assertThat(policy.after(CloudReason.Throttled, Optional.empty()).orElseThrow())
        .isBetween(Duration.ofSeconds(60), Duration.ofSeconds(90));
    assertThat(
            policy.after(CloudReason.Throttled, Optional.of(Duration.ofSeconds(120))).orElseThrow())
        .isBetween(Duration.ofSeconds(120), Duration.ofSeconds(180));
    assertThat(policy.after(CloudReason.Transient, Optional.empty()).orElseThrow())
        .isBetween(Duration.ofSeconds(30), Duration.ofSeconds(45));
    assertThat(
            policy.after(CloudReason.Transient, Optional.of(Duration.ofSeconds(2))).orElseThrow())
        .isBetween(Duration.ofSeconds(2), Duration.ofSeconds(3));
    assertThat(policy.after(CloudReason.Reconciling, Optional.empty()).orElseThrow())
        .isBetween(Duration.ofSeconds(5), Duration.ofMillis(7500));
  }

  @Test
  void whatRetryingCannotChangeWaitsForTheResyncOnEveryCloud() {
    for (CloudReason reason :
        EnumSet.complementOf(
            EnumSet.of(CloudReason.Throttled, CloudReason.Transient, CloudReason.Reconciling))) {
      assertThat(policy.after(reason, Optional.of(Duration.ofSeconds(1))))
          .as(reason.name())
          .isEmpty();
    }
  }

  @RepeatedTest(10)
  void noRetryWaitsLongerThanTheResync() {
    RetryPolicy shortResync = RetryPolicy.forResync(Duration.ofSeconds(10));
    assertThat(shortResync.after(CloudReason.Throttled, Optional.of(Duration.ofMinutes(5))))
        .contains(Duration.ofSeconds(10));
    assertThat(shortResync.after(CloudReason.Transient, Optional.empty()))
        .contains(Duration.ofSeconds(10));
  }
}
