package dev.cifederation.operator.reconcile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One instance per value for the strings thousands of cached identities hold alike: condition
 * types, reasons and fixed messages, namespaces, finalizers, issuer names, account IDs. Bounded:
 * past {@link #MAX_VALUES} distinct values (a tenant can choose many) a value is kept as it came,
 * which costs memory and nothing else.
 */
final class SharedStrings {

  static final int MAX_VALUES = 4096;

  /** Longer values are unlikely to repeat (a message that names a role) and are not kept here. */
  static final int MAX_LENGTH = 100;

  private final Map<String, String> values = new ConcurrentHashMap<>();

  /** The shared instance equal to {@code value}, or {@code value} itself. */
  String share(String value) {
    if (value == null || value.length() > MAX_LENGTH) {
      return value;
    }
    String shared = values.get(value);
    if (shared != null) {
      return shared;
    }
    if (values.size() >= MAX_VALUES) {
      return value;
    }
    shared = values.putIfAbsent(value, value);
    return shared == null ? value : shared;
  }

  /** {@code list} with each value shared, as a list of its own; null stays null. */
  List<String> share(List<String> list) {
    if (list == null) {
      return null;
    }
    List<String> shared = new ArrayList<>(list.size());
    list.forEach(value -> shared.add(share(value)));
    return shared;
  }

  int size() {
    return values.size();
  }
}
