package dev.cifederation.operator.reconcile;

import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.ConditionType;
import dev.cifederation.operator.api.v1alpha1.Reason;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes the conditions of one reconcile per the metav1.Condition contract: one condition per type,
 * the generation it describes, and a lastTransitionTime that moves only when the status does.
 */
public final class ConditionBook {

  private final Map<String, Condition> previous = new LinkedHashMap<>();
  private final Map<String, Condition> current = new LinkedHashMap<>();
  private final Long generation;
  private final Clock clock;

  public ConditionBook(List<Condition> previousConditions, Long generation, Clock clock) {
    if (previousConditions != null) {
      previousConditions.forEach(c -> previous.put(c.getType(), c));
    }
    this.generation = generation;
    this.clock = clock;
  }

  public void set(ConditionType type, ConditionStatus status, Reason reason, String message) {
    String transition =
        Optional.ofNullable(previous.get(type.name()))
            .filter(
                old -> status.name().equals(old.getStatus()) && old.getLastTransitionTime() != null)
            .map(Condition::getLastTransitionTime)
            .orElseGet(() -> clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
    current.put(
        type.name(),
        new ConditionBuilder()
            .withType(type.name())
            .withStatus(status.name())
            .withReason(reason.name())
            .withMessage(message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(transition)
            .build());
  }

  public Optional<Condition> get(ConditionType type) {
    return Optional.ofNullable(current.get(type.name()));
  }

  public Optional<Condition> previous(ConditionType type) {
    return Optional.ofNullable(previous.get(type.name()));
  }

  /** The conditions set in this reconcile, in the order they were set. */
  public List<Condition> conditions() {
    return new ArrayList<>(current.values());
  }
}
