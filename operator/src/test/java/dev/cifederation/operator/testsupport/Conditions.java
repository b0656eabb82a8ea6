package dev.cifederation.operator.testsupport;

import dev.cifederation.operator.api.v1alpha1.ConditionedStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.CustomResource;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Reading a resource's conditions as {@code kubectl get -o yaml} shows them: by type, and with a
 * failure that says which types there were when the one asked for is missing.
 */
public final class Conditions {

  private Conditions() {}

  /** The condition of {@code type}, or empty when there is none or no status yet. */
  public static Optional<Condition> find(
      CustomResource<?, ? extends ConditionedStatus> resource, String type) {
    return resource.getStatus() == null
        ? Optional.empty()
        : find(resource.getStatus().getConditions(), type);
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** The condition of {@code type}; fails naming the types present when there is none. */
  public static Condition condition(
      CustomResource<?, ? extends ConditionedStatus> resource, String type) {
    return condition(
        resource.getStatus() == null ? List.of() : resource.getStatus().getConditions(), type);
  }

  public static Condition condition(List<Condition> conditions, String type) {
    return find(conditions, type)
        .orElseThrow(
            () ->
                new AssertionError(
                    "no "
                        + type
                        + " condition; there are "
                        + conditions.stream().map(Condition::getType).toList()));
  }

  /** The reason of the condition of {@code type}, or "" when there is no such condition yet. */
  public static String reason(
      CustomResource<?, ? extends ConditionedStatus> resource, String type) {
    return find(resource, type).map(Condition::getReason).orElse("");
  }

  /** Whether the condition of {@code type} has {@code reason}. */
  public static boolean hasReason(
      CustomResource<?, ? extends ConditionedStatus> resource, String type, String reason) {
    return reason.equals(reason(resource, type));
  }

  /** As a predicate, for awaiting it. */
  public static <R extends CustomResource<?, ? extends ConditionedStatus>> Predicate<R> reasonIs(
      String type, String reason) {
    return resource -> hasReason(resource, type, reason);
  }
}
