package dev.cifederation.operator.testsupport;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Manifests as users write them: YAML text in, fabric8 {@link GenericKubernetesResource} out, and
 * JSON merge patches (RFC 7386: a map merges, {@code null} removes, anything else replaces) to
 * derive one bad manifest from a good one.
 */
public final class Manifests {

  private static final YAMLMapper YAML = new YAMLMapper();
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final Class<Map<String, Object>> MAP_CLASS = (Class) Map.class;

  private Manifests() {}

  /** One YAML document as a mutable tree of maps and lists. */
  public static Map<String, Object> tree(String yaml) {
    try {
      Map<String, Object> tree = YAML.readValue(yaml, MAP);
      return tree == null ? new LinkedHashMap<>() : tree;
    } catch (IOException e) {
      throw new UncheckedIOException("not a YAML mapping:\n" + yaml, e);
    }
  }

  /** Every non-empty document of a multi-document YAML text. */
  public static List<Map<String, Object>> trees(String yaml) {
    List<Map<String, Object>> documents = new ArrayList<>();
    try (MappingIterator<Map<String, Object>> it = YAML.readerFor(MAP).readValues(yaml)) {
      while (it.hasNextValue()) {
        Map<String, Object> document = it.nextValue();
        if (document != null && !document.isEmpty()) {
          documents.add(document);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return documents;
  }

  public static GenericKubernetesResource resource(Map<String, Object> tree) {
    return SERIALIZATION.convertValue(tree, GenericKubernetesResource.class);
  }

  public static GenericKubernetesResource resource(String yaml) {
    return resource(tree(yaml));
  }

  /** The resource as a mutable tree (e.g. one read back from the server). */
  public static Map<String, Object> tree(GenericKubernetesResource resource) {
    return SERIALIZATION.convertValue(resource, MAP_CLASS);
  }

  /** {@code target} with {@code patch} merged in (RFC 7386); neither argument is modified. */
  public static Map<String, Object> merge(Map<String, Object> target, Map<String, Object> patch) {
    Map<String, Object> result = deepCopy(target);
    patch.forEach(
        (key, value) -> {
          if (value == null) {
            result.remove(key);
          } else if (value instanceof Map<?, ?> patchMap
              && result.get(key) instanceof Map<?, ?> targetMap) {
            result.put(key, merge(cast(targetMap), cast(patchMap)));
          } else {
            result.put(key, deepCopy(value));
          }
        });
    return result;
  }

  /** {@code target} with the YAML merge patch {@code patchYaml} applied. */
  public static Map<String, Object> merge(Map<String, Object> target, String patchYaml) {
    return merge(target, tree(patchYaml));
  }

  /** Follows a path of map keys; null when a step is missing. */
  public static Object at(Map<String, Object> tree, String... path) {
    Object node = tree;
    for (String key : path) {
      if (!(node instanceof Map<?, ?> map)) {
        return null;
      }
      node = map.get(key);
    }
    return node;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Map<?, ?> map) {
    return (Map<String, Object>) map;
  }

  private static Map<String, Object> deepCopy(Map<String, Object> map) {
    Map<String, Object> copy = new LinkedHashMap<>();
    map.forEach((k, v) -> copy.put(k, deepCopy(v)));
    return copy;
  }

  private static Object deepCopy(Object value) {
    if (value instanceof Map<?, ?> map) {
      return deepCopy(cast(map));
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      list.forEach(v -> copy.add(deepCopy(v)));
      return copy;
    }
    return value;
  }
}
