package dev.cifederation.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of the operator's {@code /metrics} (Prometheus text format), with the sums the report
 * needs. Two scrapes subtract, so a phase's cost is the difference of its end and start.
 */
final class Metrics {

  static final String CLOUD_CALLS = "cifed_cloud_calls_total";
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+)$");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  record Sample(String name, Map<String, String> labels, double value) {}

  private final java.util.List<Sample> samples;

  Metrics(java.util.List<Sample> samples) {
    this.samples = samples;
  }

  static Metrics scrape(int port) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
            .timeout(Duration.ofSeconds(30))
            .build();
    try {
      return parse(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
    } catch (IOException e) {
      throw new IllegalStateException("cannot scrape the operator's /metrics on " + port, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static Metrics parse(String text) {
    java.util.List<Sample> samples = new java.util.ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line.strip());
      if (!m.matches()) {
        continue;
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      double value;
      try {
        value = Double.parseDouble(m.group(4));
      } catch (NumberFormatException e) {
        continue;
      }
      samples.add(new Sample(m.group(1), labels, value));
    }
    return new Metrics(samples);
  }

  double sum(String name, Predicate<Map<String, String>> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && labels.test(s.labels()))
        .mapToDouble(Sample::value)
        .sum();
  }

  double sum(String name) {
    return sum(name, l -> true);
  }

  /** Cloud calls by cloud, then operation (all outcomes). */
  Map<String, Map<String, Double>> cloudCalls() {
    Map<String, Map<String, Double>> byCloud = new TreeMap<>();
    for (Sample s : samples) {
      if (s.name().equals(CLOUD_CALLS)) {
        byCloud
            .computeIfAbsent(s.labels().get("cloud"), c -> new TreeMap<>())
            .merge(s.labels().get("operation"), s.value(), Double::sum);
      }
    }
    return byCloud;
  }

  /** The samples of one metric. */
  java.util.List<Sample> samples(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  /**
   * Bytes the JVM has committed to the heap, and to everything else it accounts (metaspace, code).
   */
  double committedBytes(String area) {
    return sum("jvm_memory_committed_bytes", l -> area.equals(l.get("area")));
  }

  /** Errors among the cloud calls, by cloud. */
  Map<String, Double> cloudErrors() {
    Map<String, Double> errors = new TreeMap<>();
    for (Sample s : samples) {
      if (s.name().equals(CLOUD_CALLS) && "error".equals(s.labels().get("outcome"))) {
        errors.merge(s.labels().get("cloud"), s.value(), Double::sum);
      }
    }
    return errors;
  }

  /**
   * Calls of the operator's reconciler that finished (JOSDK's timer count). Not
   * reconciliations_success_total: that also counts the passes in which JOSDK only adds its
   * finalizer, without calling the reconciler.
   */
  double reconciles() {
    return sum("operator_sdk_controllers_execution_reconcile_seconds_count");
  }

  /** Seconds the reconciler's calls took in all, on every reconcile thread. */
  double reconcileSeconds() {
    return sum("operator_sdk_controllers_execution_reconcile_seconds_sum");
  }

  double heapUsedBytes() {
    return sum("jvm_memory_used_bytes", l -> "heap".equals(l.get("area")));
  }

  /** {@code after - before}, per cloud and operation; zero differences left out. */
  static Map<String, Map<String, Double>> difference(Metrics before, Metrics after) {
    Map<String, Map<String, Double>> result = new TreeMap<>();
    Map<String, Map<String, Double>> start = before.cloudCalls();
    after
        .cloudCalls()
        .forEach(
            (cloud, operations) ->
                operations.forEach(
                    (operation, count) -> {
                      double was =
                          start.getOrDefault(cloud, new HashMap<>()).getOrDefault(operation, 0.0);
                      if (count - was > 0) {
                        result
                            .computeIfAbsent(cloud, c -> new TreeMap<>())
                            .put(operation, count - was);
                      }
                    }));
    return result;
  }

  /**
   * Whether an operation only reads: its verb (after the last '.', e.g. {@code providers.list}, or
   * the AWS action name) starts with get or list. Everything else changes something.
   */
  static boolean isRead(String operation) {
    String verb =
        operation.substring(operation.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT);
    return verb.startsWith("get") || verb.startsWith("list");
  }
}
