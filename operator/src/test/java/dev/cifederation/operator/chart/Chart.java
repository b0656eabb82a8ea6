package dev.cifederation.operator.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

/**
 * The chart under {@code charts/cifederation-operator}, rendered with embedded Helm (helm-java).
 */
final class Chart {

  static final String RELEASE = "cifed";
  static final String NAMESPACE = "cifed-system";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private Chart() {}

  static Path dir() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path chart = dir.resolve("charts/cifederation-operator");
      if (Files.isRegularFile(chart.resolve("Chart.yaml"))) {
        return chart;
      }
    }
    throw new IllegalStateException("no charts/cifederation-operator above the working directory");
  }

  static Helm helm() {
    return new Helm(dir());
  }

  /** The cluster name the tests render with: the chart refuses to render without one. */
  static final String CLUSTER_NAME = "test-cluster";

  /**
   * The chart as users lint it once they have set the required values: helm-java's lint takes no
   * values, so a copy whose values.yaml carries the cluster name is linted.
   */
  static Helm helmWithRequiredValues() {
    return new Helm(
        copy(
            "chart-with-required-values",
            (name, text) ->
                name.equals("values.yaml")
                    ? text.replace("  clusterName: \"\"", "  clusterName: " + CLUSTER_NAME)
                    : text));
  }

  /**
   * {@code helm template} with the given --set values and an optional values file. helm-java's
   * template has no --kube-version and assumes Kubernetes 1.20, which the chart's kubeVersion
   * (&gt;=1.30) refuses; so a copy without that constraint is rendered. The constraint itself is
   * checked by the install into the real API server (ChartInstallIT).
   */
  static String template(Path valuesFile, Map<String, Object> set) {
    TemplateCommand template =
        new Helm(withoutKubeVersion()).template().withName(RELEASE).withNamespace(NAMESPACE);
    if (valuesFile != null) {
      template.withValuesFile(valuesFile);
    }
    if (!set.containsKey("config.clusterName") && !mentionsClusterName(valuesFile)) {
      template.set("config.clusterName", CLUSTER_NAME);
    }
    set.forEach(template::set);
    return template.call();
  }

  /** {@code helm template} with values given as YAML (typed, unlike helm-java's --set strings). */
  static String templateWith(String valuesYaml) {
    try {
      Path file = Files.createTempFile("values-", ".yaml");
      try {
        Files.writeString(file, valuesYaml);
        return template(file, Map.of());
      } finally {
        Files.delete(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean mentionsClusterName(Path valuesFile) {
    try {
      return valuesFile != null && Files.readString(valuesFile).contains("clusterName");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path withoutKubeVersion() {
    return copy(
        "chart-without-kube-version",
        (name, text) ->
            name.equals("Chart.yaml") ? text.replaceAll("(?m)^kubeVersion:.*\\n", "") : text);
  }

  /** A copy of the chart under target/, each top-level text file passed through {@code edit}. */
  private static synchronized Path copy(
      String name, java.util.function.BinaryOperator<String> edit) {
    try {
      Path copy = Path.of("target/" + name + "/cifederation-operator");
      if (Files.exists(copy.getParent())) {
        try (var old = Files.walk(copy.getParent())) {
          old.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
      Path source = dir();
      try (var files = Files.walk(source)) {
        for (Path file : files.toList()) {
          Path target = copy.resolve(source.relativize(file).toString());
          if (Files.isDirectory(file)) {
            Files.createDirectories(target);
          } else if (file.getParent().equals(source)
              && file.getFileName().toString().endsWith(".yaml")) {
            Files.writeString(
                target, edit.apply(file.getFileName().toString(), Files.readString(file)));
          } else {
            Files.copy(file, target);
          }
        }
      }
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The rendered documents, empty ones dropped. */
  static List<JsonNode> objects(String rendered) {
    try {
      List<JsonNode> objects = new ArrayList<>();
      try (var parser = YAML.createParser(rendered)) {
        var it = YAML.readValues(parser, JsonNode.class);
        while (it.hasNext()) {
          JsonNode doc = it.next();
          if (doc != null && doc.has("kind")) {
            objects.add(doc);
          }
        }
      }
      return objects;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode only(List<JsonNode> objects, String kind) {
    List<JsonNode> found = all(objects, kind);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + kind + ", found " + found.size());
    }
    return found.get(0);
  }

  static List<JsonNode> all(List<JsonNode> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
  }

  static List<JsonNode> list(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).toList();
  }
}
