package dev.cifederation.operator.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.api.v1alpha1.Severity;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.ScopeBreakers;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chart's alerts ({@code charts/cifederation-operator/files/prometheus-rules.yaml}) checked by
 * the real {@code promtool} (built from the Prometheus Go module by {@code
 * hack/build-promtool.sh}): {@code check rules} for syntax and {@code test rules} for when each
 * alert fires and stays quiet, on series shaped like the operator's /metrics. And every metric the
 * rules name is one the operator really exports, scraped from its own meters, so a renamed metric
 * cannot leave an alert that never fires.
 */
class PrometheusRulesIT {

  private static final Path RULES =
      Path.of("..", "charts", "cifederation-operator", "files", "prometheus-rules.yaml");
  private static final Path CASES = Path.of("src", "test", "resources", "prometheus");
  private static final Pattern METRIC = Pattern.compile("\\bcifed_[a-z_]+");

  @Test
  void promtoolAcceptsTheRulesAndEveryAlertFiresExactlyWhereItsCasesSay() throws Exception {
    Path promtool = promtool();
    Path dir = Files.createTempDirectory("cifed-promtool-");
    try {
      Files.copy(RULES, dir.resolve("prometheus-rules.yaml"));
      Files.copy(CASES.resolve("rules-test.yaml"), dir.resolve("rules-test.yaml"));
      Result check = run(dir, promtool.toString(), "check", "rules", "prometheus-rules.yaml");
      assertThat(check.exit()).as(check.output()).isZero();
      assertThat(check.output()).contains("SUCCESS: 8 rules found");
      Result test = run(dir, promtool.toString(), "test", "rules", "rules-test.yaml");
      assertThat(test.exit()).as(test.output()).isZero();
      assertThat(test.output()).contains("SUCCESS");
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void promtoolFailsACaseThatExpectsTheWrongAlert() throws Exception {
    // the cases can fail: a copy expecting a High finding to page is refused
    Path promtool = promtool();
    Path dir = Files.createTempDirectory("cifed-promtool-");
    try {
      Files.copy(RULES, dir.resolve("prometheus-rules.yaml"));
      Files.writeString(
          dir.resolve("wrong.yaml"),
          """
          rule_files: [prometheus-rules.yaml]
          tests:
            - interval: 1m
              input_series:
                - series: 'cifed_findings{rule="LongSession",severity="High"}'
                  values: '5x4'
              alert_rule_test:
                - eval_time: 2m
                  alertname: CIFedCriticalTrustFinding
                  exp_alerts:
                    - exp_labels: {severity: critical, rule: LongSession}
          """);
      Result test = run(dir, promtool.toString(), "test", "rules", "wrong.yaml");
      assertThat(test.exit()).as(test.output()).isNotZero();
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void everyDashboardQueryIsPromqlThatPromtoolParses() throws Exception {
    // promtool parses queries only inside rule files: each panel query becomes a recording rule
    JsonNode dashboard = new ObjectMapper().readTree(Dashboard.PATH.toFile());
    List<String> queries = dashboard.findValuesAsText("expr");
    assertThat(queries).hasSizeGreaterThan(10);
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    for (int i = 0; i < queries.size(); i++) {
      rules
          .append("      - record: dashboard:panel_")
          .append(i)
          .append("\n        expr: ")
          .append(new ObjectMapper().writeValueAsString(queries.get(i)))
          .append('\n');
    }
    Path dir = Files.createTempDirectory("cifed-promtool-");
    try {
      Files.writeString(dir.resolve("dashboard.yaml"), rules);
      Result check = run(dir, promtool().toString(), "check", "rules", "dashboard.yaml");
      assertThat(check.exit()).as(check.output()).isZero();
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void everyMetricTheRulesAndTheDashboardNameIsExportedByTheOperator() throws Exception {
    Set<String> named = new TreeSet<>();
    JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile());
    rules.findValues("expr").forEach(e -> named.addAll(metrics(e.asText())));
    named.addAll(metrics(Files.readString(Dashboard.PATH)));
    assertThat(named).isNotEmpty();

    String scraped = scrapeOfEveryOperatorMeter();
    Set<String> exported = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^(cifed_[a-z_]+)").matcher(scraped);
    while (m.find()) {
      exported.add(m.group(1));
    }
    assertThat(exported).containsAll(named);
  }

  /** Each of the operator's meters, exercised once, in Prometheus text format. */
  private static String scrapeOfEveryOperatorMeter() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Clock clock = Clock.systemUTC();
    new CertificateExpiry(registry, clock)
        .record("github", Map.of("token.actions.githubusercontent.com", Instant.now()));
    new FindingsGauge(registry)
        .record(
            "team-a/deploy",
            List.of(new Finding("WildcardSubject", Severity.Critical, "AWS", "x")));
    new ReadinessGauge(registry).record("team-a/deploy", "True");
    new DriftCorrections(registry).record("GCP", 1);
    new CloudCalls(registry, "Azure").run("identities.get", () -> {});
    new ReconcileMetrics(Metrics.NOOP, registry).timeControllerExecution(execution());
    ScopeBreakers breakers =
        new ScopeBreakers(
            Cloud.AWS,
            new ScopeBreakers.Settings(1, Duration.ofSeconds(1), Duration.ofSeconds(1)),
            e -> Optional.of(ScopeBreakers.Verdict.of(ScopeBreakers.Failure.THROTTLED)),
            registry,
            clock);
    for (int i = 0; i < 2; i++) {
      try {
        breakers.call(
            "123456789012",
            () -> {
              throw new IllegalStateException("429");
            });
      } catch (RuntimeException expected) {
        // throttled, then refused
      }
    }
    return registry.scrape();
  }

  private static Set<String> metrics(String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = METRIC.matcher(text);
    while (m.find()) {
      names.add(m.group());
    }
    return names;
  }

  private static Metrics.ControllerExecution<String> execution() {
    return new Metrics.ControllerExecution<>() {
      @Override
      public String name() {
        return "reconcile";
      }

      @Override
      public String controllerName() {
        return "cifederatedidentity";
      }

      @Override
      public String successTypeName(String result) {
        return "none";
      }

      @Override
      public ResourceID resourceID() {
        return new ResourceID("deploy", "team-a");
      }

      @Override
      public Map<String, Object> metadata() {
        return Map.of(
            Constants.RESOURCE_GVK_KEY, GroupVersionKind.gvkFor(CIFederatedIdentity.class));
      }

      @Override
      public String execute() {
        return "ok";
      }
    };
  }

  /**
   * promtool from {@code CIFED_PROMTOOL}, else the newest {@code promtool-*} that {@code
   * hack/build-promtool.sh} left under {@code ${CIFED_CACHE_DIR:-~/.cache/cifed}/bin}.
   */
  static Path promtool() throws IOException {
    String explicit = System.getenv("CIFED_PROMTOOL");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    Path bin =
        Path.of(
            Optional.ofNullable(System.getenv("CIFED_CACHE_DIR"))
                .orElse(System.getProperty("user.home") + "/.cache/cifed"),
            "bin");
    try (Stream<Path> files = Files.isDirectory(bin) ? Files.list(bin) : Stream.empty()) {
      return files
          .filter(f -> f.getFileName().toString().startsWith("promtool-") && Files.isExecutable(f))
          .max(Comparator.naturalOrder())
          .orElseThrow(
              () ->
                  new IllegalStateException(
                      "no promtool under " + bin + "; build it with hack/build-promtool.sh"));
    }
  }

  private record Result(int exit, String output) {}

  private static Result run(Path dir, String... command) throws Exception {
    Process process =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("promtool timed out: " + String.join(" ", command));
    }
    return new Result(process.exitValue(), output);
  }

  /** The Grafana dashboard shipped beside the chart. */
  static final class Dashboard {
    static final Path PATH =
        Path.of("..", "deploy", "grafana", "cifederation-operator-dashboard.json");

    private Dashboard() {}
  }
}
