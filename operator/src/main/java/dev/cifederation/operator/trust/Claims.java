package dev.cifederation.operator.trust;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The claims of one OIDC token (the decoded JWT payload), as the clouds see them: strings, numbers,
 * booleans, lists and nested objects. GitHub- and GitLab-shaped tokens alike; nothing here knows a
 * dialect.
 */
public final class Claims {

  private static final ObjectMapper JSON = PolicyJson.MAPPER;

  private final Map<String, Object> values;

  private Claims(Map<String, Object> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  public static Claims of(Map<String, ?> values) {
    return new Claims(new LinkedHashMap<>(values));
  }

  /**
   * Parses a JSON object of claims, e.g. a decoded token payload.
   *
   * @throws IllegalArgumentException when the text is not a JSON object
   */
  public static Claims parse(String json) {
    JsonNode tree;
    try {
      tree = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "claims must be a JSON object: " + e.getOriginalMessage(), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new IllegalArgumentException("claims must be a JSON object of token claims");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) plain(tree);
    return new Claims(map);
  }

  /** All claims, as plain Java values (String, Long, Double, Boolean, List, Map). */
  public Map<String, Object> asMap() {
    return values;
  }

  public boolean has(String name) {
    return values.containsKey(name) && values.get(name) != null;
  }

  /**
   * The claim's values as strings, the way AWS puts them in the request context: a list claim
   * (GitLab's and some issuers' {@code aud}) is multi-valued, anything else single-valued. Empty
   * when the claim is absent or null.
   */
  public List<String> strings(String name) {
    Object value = values.get(name);
    if (value == null) {
      return List.of();
    }
    if (value instanceof List<?> list) {
      List<String> strings = new ArrayList<>();
      list.stream().filter(v -> v != null).forEach(v -> strings.add(String.valueOf(v)));
      return strings;
    }
    return List.of(String.valueOf(value));
  }

  /** A single-valued claim as a string; empty when absent. */
  public Optional<String> string(String name) {
    List<String> strings = strings(name);
    return strings.size() == 1 && !(values.get(name) instanceof List)
        ? Optional.of(strings.get(0))
        : Optional.empty();
  }

  private static Object plain(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> map.put(e.getKey(), plain(e.getValue())));
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(element -> list.add(plain(element)));
      return list;
    }
    if (node.isIntegralNumber()) {
      return node.asLong();
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isBoolean()) {
      return node.asBoolean();
    }
    if (node.isNull()) {
      return null;
    }
    return node.asText();
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
