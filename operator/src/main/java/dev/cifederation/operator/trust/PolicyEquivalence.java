package dev.cifederation.operator.trust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * When two IAM policy documents grant the same thing under IAM's grammar: statements, actions,
 * resources, principals and condition values are sets, keys are unordered, a one-element array is
 * its element. Pure, so that the AWS adapter (is the role already right?) and the decompiler of
 * {@code import} (does the imported spec compile back to this trust?) compare alike.
 */
public final class PolicyEquivalence {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Statement members whose value is a string or a set of strings. */
  private static final Set<String> SET_VALUED =
      Set.of("Action", "NotAction", "Resource", "NotResource");

  private static final Set<String> PRINCIPAL_KEYS = Set.of("Principal", "NotPrincipal");

  private PolicyEquivalence() {}

  /** Whether two documents grant the same thing (see the class comment). */
  public static boolean equivalent(JsonNode a, JsonNode b) {
    if (a == null || b == null) {
      return a == b;
    }
    return normalize(a).equals(normalize(b));
  }

  /**
   * The canonical form used by {@link #equivalent}: object keys sorted, every set-valued member an
   * array sorted by its canonical JSON with duplicates removed, condition values as strings.
   */
  public static JsonNode normalize(JsonNode document) {
    if (!document.isObject()) {
      return generic(document);
    }
    ObjectNode out = NODES.objectNode();
    for (Map.Entry<String, JsonNode> field : sortedFields(document)) {
      if (field.getKey().equals("Statement")) {
        ArrayNode statements = NODES.arrayNode();
        for (JsonNode statement : asList(field.getValue())) {
          statements.add(statement.isObject() ? statement(statement) : generic(statement));
        }
        out.set("Statement", sortedSet(statements));
      } else {
        out.set(field.getKey(), generic(field.getValue()));
      }
    }
    return out;
  }

  private static JsonNode statement(JsonNode statement) {
    ObjectNode out = NODES.objectNode();
    for (Map.Entry<String, JsonNode> field : sortedFields(statement)) {
      String key = field.getKey();
      JsonNode value = field.getValue();
      if (SET_VALUED.contains(key)) {
        out.set(key, stringSet(value));
      } else if (PRINCIPAL_KEYS.contains(key)) {
        out.set(key, principal(value));
      } else if (key.equals("Condition") && value.isObject()) {
        out.set(key, condition(value));
      } else {
        out.set(key, generic(value));
      }
    }
    return out;
  }

  /** {@code "*"} stays a string; {@code {"AWS": "a"}} and {@code {"AWS": ["a"]}} are the same. */
  private static JsonNode principal(JsonNode principal) {
    if (!principal.isObject()) {
      return generic(principal);
    }
    ObjectNode out = NODES.objectNode();
    for (Map.Entry<String, JsonNode> field : sortedFields(principal)) {
      out.set(field.getKey(), stringSet(field.getValue()));
    }
    return out;
  }

  /** {@code {operator: {key: value | [values]}}}: values are a set of strings. */
  private static JsonNode condition(JsonNode condition) {
    ObjectNode out = NODES.objectNode();
    for (Map.Entry<String, JsonNode> operator : sortedFields(condition)) {
      if (!operator.getValue().isObject()) {
        out.set(operator.getKey(), generic(operator.getValue()));
        continue;
      }
      ObjectNode keys = NODES.objectNode();
      for (Map.Entry<String, JsonNode> key : sortedFields(operator.getValue())) {
        keys.set(key.getKey(), stringSet(key.getValue()));
      }
      out.set(operator.getKey(), keys);
    }
    return out;
  }

  /**
   * A string, number, boolean or array of them as a sorted set of strings: IAM compares condition
   * values as strings ({@code true} and {@code "true"} are the same).
   */
  private static ArrayNode stringSet(JsonNode value) {
    ArrayNode set = NODES.arrayNode();
    for (JsonNode item : asList(value)) {
      set.add(item.isValueNode() ? NODES.textNode(item.asText()) : generic(item));
    }
    return sortedSet(set);
  }

  /** Objects with sorted keys, recursively; arrays keep their order (unknown semantics). */
  private static JsonNode generic(JsonNode node) {
    if (node.isObject()) {
      ObjectNode out = NODES.objectNode();
      for (Map.Entry<String, JsonNode> field : sortedFields(node)) {
        out.set(field.getKey(), generic(field.getValue()));
      }
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = NODES.arrayNode();
      node.forEach(item -> out.add(generic(item)));
      return out;
    }
    return node;
  }

  private static ArrayNode sortedSet(ArrayNode items) {
    TreeMap<String, JsonNode> byCanonicalJson = new TreeMap<>();
    items.forEach(item -> byCanonicalJson.putIfAbsent(item.toString(), item));
    ArrayNode out = NODES.arrayNode();
    byCanonicalJson.values().forEach(out::add);
    return out;
  }

  private static Iterable<JsonNode> asList(JsonNode value) {
    if (value.isArray()) {
      return value;
    }
    return NODES.arrayNode().add(value);
  }

  private static Iterable<Map.Entry<String, JsonNode>> sortedFields(JsonNode object) {
    TreeMap<String, JsonNode> sorted = new TreeMap<>();
    object.properties().forEach(field -> sorted.put(field.getKey(), field.getValue()));
    return sorted.entrySet();
  }
}
