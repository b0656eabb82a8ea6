package dev.cifederation.operator.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Whether two status objects would serialise to the same JSON, so that an unchanged status is never
 * written.
 */
final class StatusDiff {

  private static final ObjectMapper MAPPER = Serialization.jsonMapper();

  private StatusDiff() {}

  static boolean same(Object current, Object desired) {
    if (current == null || desired == null) {
      return current == desired;
    }
    return MAPPER.valueToTree(current).equals(MAPPER.valueToTree(desired));
  }
}
