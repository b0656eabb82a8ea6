package dev.cifederation.operator.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.AwsIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.Passes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code lastSyncTime} moves only when a pass changes something, so a steady resync computes the
 * status it already has and writes nothing: the rule lives once in {@link CloudAdapter}.
 */
class SyncTimeTest {

  private static final String ROLE = "arn:aws:iam::111122223333:role/cifederation/r";
  private static final Instant FIRST = Instant.parse("2026-11-25T12:00:00Z");

  /** An adapter whose cloud is whatever the test says: the role, the writes, the reason. */
  private static final class ScriptedAdapter
      extends CloudAdapter<AwsIdentityStatus, String, String> {
    String role = ROLE;
    List<String> writes = List.of();
    CloudReason reason = CloudReason.Synced;
    Instant now = FIRST;

    ScriptedAdapter() {
      super(
          Cloud.AWS,
          AwsIdentityStatus.class,
          RetryPolicy.forResync(Duration.ofMinutes(10)),
          Clock.fixed(FIRST, ZoneOffset.UTC));
    }

    @Override
    protected String now() {
      return now.toString();
    }

    @Override
    protected String scopeOf(CloudRequest request) {
      return "111122223333";
    }

    @Override
    protected Optional<String> trustMissing(CloudRequest request) {
      return Optional.empty();
    }

    @Override
    protected String observe(Attempt<AwsIdentityStatus> attempt) {
      return role;
    }

    @Override
    protected String plan(Attempt<AwsIdentityStatus> attempt, String live) {
      return live;
    }

    @Override
    protected List<String> apply(Attempt<AwsIdentityStatus> attempt, String plan) {
      return writes;
    }

    @Override
    protected CloudOutcome report(
        Attempt<AwsIdentityStatus> attempt, String live, String plan, List<String> written) {
      AwsIdentityStatus block = new AwsIdentityStatus();
      block.setRoleArn(live);
      block.setLastSyncTime(now());
      block.setDriftCorrections(attempt.correctionsAfter(written));
      return CloudOutcome.of(
              reason == CloudReason.Synced ? ConditionStatus.True : ConditionStatus.False,
              reason,
              "role " + live)
          .block(block)
          .build();
    }

    @Override
    protected CloudOutcome withdraw(Attempt<AwsIdentityStatus> attempt) {
      throw new AssertionError("not revoked");
    }

    @Override
    protected CloudOutcome release(Attempt<AwsIdentityStatus> attempt) {
      throw new AssertionError("not deleted");
    }
  }

  private final ScriptedAdapter adapter = new ScriptedAdapter();
  private final CIFederatedIdentity identity = identity();

  @Test
  void aPassThatFindsEverythingAsRecordedKeepsTheRecordedTime() {
    pass();
    adapter.now = FIRST.plusSeconds(600);

    CloudOutcome steady = pass();

    assertThat(time(steady)).isEqualTo(FIRST.toString());
  }

  @Test
  void aPassThatWritesMovesTheTime() {
    pass();
    adapter.now = FIRST.plusSeconds(600);
    adapter.writes = List.of("trust policy set to the compiled one");

    CloudOutcome corrected = pass();

    assertThat(time(corrected)).isEqualTo(FIRST.plusSeconds(600).toString());
    assertThat(corrected.block().orElseThrow().getDriftCorrections())
        .as("a write at a synced generation is drift")
        .isEqualTo(1);
  }

  @Test
  void aPassThatFindsAnotherObjectOrAnotherReasonMovesTheTime() {
    pass();
    adapter.now = FIRST.plusSeconds(600);
    adapter.role = ROLE + "-recreated";
    assertThat(time(pass())).isEqualTo(FIRST.plusSeconds(600).toString());

    adapter.now = FIRST.plusSeconds(1200);
    adapter.reason = CloudReason.DriftDetected;
    assertThat(time(pass())).isEqualTo(FIRST.plusSeconds(1200).toString());

    adapter.now = FIRST.plusSeconds(1800);
    assertThat(time(pass()))
        .as("the same reason again")
        .isEqualTo(FIRST.plusSeconds(1200).toString());
  }

  /** One pass, its outcome settled on the identity as the reconciler would write it. */
  private CloudOutcome pass() {
    CloudOutcome outcome = adapter.reconcile(new CloudRequest(identity, null));
    Passes.settle(identity, Cloud.AWS, outcome);
    return outcome;
  }

  private static String time(CloudOutcome outcome) {
    return outcome.block().orElseThrow().getLastSyncTime();
  }

  private static CIFederatedIdentity identity() {
    CIFederatedIdentity identity = Fixtures.identity("team-a", "deploy");
    identity.getMetadata().setGeneration(1L);
    return identity;
  }
}
