package dev.cifederation.operator.cloud.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.trust.PolicyJson;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * IAM policy documents as IAM returns them and as the operator compares them. IAM hands documents
 * back URL-encoded, with keys reordered and one-element arrays turned into plain strings; none of
 * that is a change. Two documents are {@link #equivalent} when they grant the same thing under
 * IAM's grammar: statements, actions, resources, principals and condition values are sets.
 */
public final class PolicyDocuments {

  // ObjectMapper is thread-safe once configured; a constant, not shared mutable state.
  private static final ObjectMapper JSON = PolicyJson.MAPPER;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Statement members whose value is a string or a set of strings. */
  private static final Set<String> SET_VALUED =
      Set.of("Action", "NotAction", "Resource", "NotResource");

  private static final Set<String> PRINCIPAL_KEYS = Set.of("Principal", "NotPrincipal");

  private PolicyDocuments() {}

  /**
   * Parses a document as IAM returns it: URL-encoded (GetRole, GetRolePolicy,
   * GetAccountAuthorizationDetails) or plain JSON (some emulators, and what we send).
   *
   * @throws IllegalArgumentException when the text is not a JSON object after decoding
   */
  public static JsonNode parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("no policy document");
    }
    String trimmed = text.strip();
    String json = trimmed.startsWith("{") ? trimmed : percentDecode(trimmed);
    try {
      JsonNode node = JSON.readTree(json);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("a policy document must be a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON policy document: " + e.getOriginalMessage());
    }
  }

  /**
   * {@link #parse}, or the raw text as a JSON string when it is not a document: it then differs
   * from every desired document, so the operator rewrites it instead of failing the whole account's
   * read on one odd role (IAM itself only stores valid JSON; emulators may not).
   */
  public static JsonNode parseLenient(String text) {
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      return NODES.textNode(text == null ? "" : text);
    }
  }

  /** Compact JSON, as sent to IAM. */
  public static String toJson(JsonNode document) {
    try {
      return JSON.writeValueAsString(document);
    } catch (JsonProcessingException e) {
      // a tree of plain nodes always serialises
      throw new IllegalStateException(e);
    }
  }

  /** Whether two documents grant the same thing (see the class comment). */
  public static boolean equivalent(JsonNode a, JsonNode b) {
    if (a == null || b == null) {
      return a == b;
    }
    return normalize(a).equals(normalize(b));
  }

  /** {@link #equivalent} on documents as IAM returns them. */
  public static boolean equivalent(String a, String b) {
    return equivalent(parse(a), parse(b));
  }

  /**
   * The canonical form used by {@link #equivalent}: object keys sorted, every set-valued member an
   * array sorted by its canonical JSON with duplicates removed, condition values as strings.
   */
  static JsonNode normalize(JsonNode document) {
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
    items.forEach(item -> byCanonicalJson.putIfAbsent(toJson(item), item));
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

  /**
   * The decoding AWS documents for these documents (java.net.URLDecoder): IAM encodes a '+' as %2B,
   * so a '+' in the encoded text is a space.
   */
  private static String percentDecode(String encoded) {
    return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
  }
}
