package dev.cifederation.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.ConditionType;
import dev.cifederation.operator.api.v1alpha1.ReadyReason;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionBookTest {

  private static final Clock LATER =
      Clock.fixed(Instant.parse("2026-11-25T12:00:00.750Z"), ZoneOffset.UTC);
  private static final String EARLIER = "2026-11-20T08:00:00Z";

  @Test
  void newConditionCarriesTypeStatusReasonGenerationAndTransitionTimeInSeconds() {
    var book = new ConditionBook(List.of(), 3L, LATER);
    book.set(
        ConditionType.Ready,
        ConditionStatus.False,
        ReadyReason.IssuerNotFound,
        "CIIssuer github does not exist");

    Condition ready = book.get(ConditionType.Ready).orElseThrow();
    assertThat(ready.getType()).isEqualTo("Ready");
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("IssuerNotFound");
    assertThat(ready.getMessage()).isEqualTo("CIIssuer github does not exist");
    assertThat(ready.getObservedGeneration()).isEqualTo(3L);
    assertThat(ready.getLastTransitionTime()).isEqualTo("2026-11-25T12:00:00Z");
  }

  @Test
  void transitionTimeIsKeptWhileTheStatusDoesNotChangeEvenIfReasonAndMessageDo() {
    var previous = condition("Ready", "False", "IssuerNotFound", EARLIER);
    var book = new ConditionBook(List.of(previous), 4L, LATER);
    book.set(ConditionType.Ready, ConditionStatus.False, ReadyReason.InvalidSpec, "other");

    assertThat(book.get(ConditionType.Ready).orElseThrow().getLastTransitionTime())
        .isEqualTo(EARLIER);
    assertThat(book.get(ConditionType.Ready).orElseThrow().getObservedGeneration()).isEqualTo(4L);
  }

  @Test
  void transitionTimeMovesWhenTheStatusChanges() {
    var previous = condition("AWSReady", "Unknown", "NotImplemented", EARLIER);
    var book = new ConditionBook(List.of(previous), 1L, LATER);
    book.set(ConditionType.AWSReady, ConditionStatus.True, CloudReason.Synced, "in sync");

    assertThat(book.get(ConditionType.AWSReady).orElseThrow().getLastTransitionTime())
        .isEqualTo("2026-11-25T12:00:00Z");
  }

  @Test
  void settingATypeTwiceKeepsOneConditionOfThatTypeAndConditionsNotSetAreDropped() {
    var book =
        new ConditionBook(
            List.of(condition("GCPReady", "Unknown", "NotImplemented", EARLIER)), 1L, LATER);
    book.set(ConditionType.Ready, ConditionStatus.Unknown, ReadyReason.NotImplemented, "a");
    book.set(ConditionType.Ready, ConditionStatus.True, ReadyReason.Ready, "b");

    assertThat(book.conditions()).extracting(Condition::getType).containsExactly("Ready");
    assertThat(book.conditions().get(0).getReason()).isEqualTo("Ready");
    assertThat(book.previous(ConditionType.GCPReady)).isPresent();
  }

  private static Condition condition(String type, String status, String reason, String transition) {
    var c = new Condition();
    c.setType(type);
    c.setStatus(status);
    c.setReason(reason);
    c.setMessage("m");
    c.setObservedGeneration(1L);
    c.setLastTransitionTime(transition);
    return c;
  }
}
