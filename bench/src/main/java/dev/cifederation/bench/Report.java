package dev.cifederation.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The Markdown forms of the results: one run in full, and a sweep as one table. */
final class Report {

  private Report() {}

  static String markdown(Map<String, Object> result) {
    return markdownOf(BenchMain.JSON.valueToTree(result));
  }

  static String markdownOf(JsonNode r) {
    StringBuilder md = new StringBuilder();
    JsonNode run = r.path("run");
    JsonNode create = r.path("create");
    JsonNode floor = r.path("floor");
    JsonNode resync = r.path("resync");
    md.append("## ")
        .append(run.path("identities").asInt())
        .append(" identities, ")
        .append(clouds(run))
        .append("\n\n");
    md.append("Machine: ")
        .append(run.path("machine").path("cpus").asInt())
        .append(" CPUs (")
        .append(run.path("machine").path("cpuModel").asText())
        .append("), load average at start ")
        .append(run.path("loadAverageStart").asText())
        .append(", at end ")
        .append(run.path("loadAverageEnd").asText())
        .append(". Operator: `java ")
        .append(run.path("operatorJavaOptions").asText())
        .append(" -jar cifederation-operator.jar run`, ")
        .append(run.path("reconcileThreads").asInt())
        .append(" reconcile threads.");
    if (!run.path("note").asText().isBlank()) {
      md.append(" ").append(run.path("note").asText());
    }
    md.append("\n\n| figure | operator | floor | operator / floor |\n|---|---:|---:|---:|\n");
    row(
        md,
        "apply → all Ready (s)",
        create.path("seconds"),
        floor.path("seconds"),
        r.path("operatorToFloor").path("time"));
    md.append("| per identity apply → Ready p50 / p95 (s) | ")
        .append(create.path("perIdentitySeconds").path("p50").asDouble())
        .append(" / ")
        .append(create.path("perIdentitySeconds").path("p95").asDouble())
        .append(" | | |\n");
    for (var cloud : iterable(create.path("callsPerIdentity").fieldNames())) {
      row(
          md,
          cloud + " calls per identity at creation",
          create.path("callsPerIdentity").path(cloud),
          floor.path("callsPerIdentity").path(cloud),
          r.path("operatorToFloor").path("calls").path(cloud));
    }
    md.append("| operator CPU during creation (s) | ")
        .append(create.path("cpuSeconds").asDouble())
        .append(" | | |\n");
    md.append("| API server + etcd CPU during creation (s) | ")
        .append(create.path("controlPlaneCpuSeconds").asDouble())
        .append(" | | |\n");
    md.append("| operator peak RSS (MiB) | ")
        .append(r.path("memory").path("peakRssMiB").asDouble())
        .append(" | | |\n");
    md.append("| operator live heap after convergence (MiB) | ")
        .append(create.path("liveHeapMiB").asDouble())
        .append(" | | |\n");
    md.append("| resync (every ")
        .append(resync.path("intervalSeconds").asInt())
        .append(" s): cloud reads | ")
        .append(byCloud(resync.path("readsPerResync")))
        .append(" | | |\n");
    md.append("| resync: cloud writes | ")
        .append(byCloud(resync.path("writesPerResync")))
        .append(" | | |\n");
    md.append("| resync: status writes | ")
        .append(resync.path("statusWritesPerResync").asDouble())
        .append(" | | |\n");
    md.append("| resync: operator CPU (s) | ")
        .append(resync.path("cpuSecondsPerResync").asDouble())
        .append(" | | |\n");
    md.append("| resync: API server + etcd CPU (s) | ")
        .append(resync.path("controlPlaneCpuSecondsPerResync").asDouble())
        .append(" | | |\n");
    for (JsonNode d : r.path("drift")) {
      md.append("| ")
          .append(d.path("cloud").asText())
          .append(" drift corrected after (s) | ")
          .append(
              d.path("corrected").asBoolean()
                  ? d.path("seconds").asDouble() + ""
                  : "not within " + d.path("seconds").asDouble())
          .append(" | | |\n");
    }
    md.append(
        "\nCloud calls at creation, by operation (operator | floor):\n\n| cloud | operation | operator | floor |\n|---|---|---:|---:|\n");
    for (var cloud : iterable(create.path("calls").fieldNames())) {
      List<String> ops = new ArrayList<>();
      create.path("calls").path(cloud).fieldNames().forEachRemaining(ops::add);
      floor
          .path("calls")
          .path(cloud)
          .fieldNames()
          .forEachRemaining(
              o -> {
                if (!ops.contains(o)) ops.add(o);
              });
      ops.sort(Comparator.naturalOrder());
      for (String op : ops) {
        md.append("| ")
            .append(cloud)
            .append(" | ")
            .append(op)
            .append(" | ")
            .append((long) create.path("calls").path(cloud).path(op).asDouble())
            .append(" | ")
            .append((long) floor.path("calls").path(cloud).path(op).asDouble())
            .append(" |\n");
      }
    }
    md.append("\nTargets:\n\n| target | goal | measured | met |\n|---|---|---:|:---:|\n");
    for (JsonNode t : r.path("targets")) {
      md.append("| ")
          .append(t.path("target").asText())
          .append(" | ")
          .append(t.path("goal").asText())
          .append(" | ")
          .append(t.path("measured").asText())
          .append(" | ")
          .append(t.path("met").asBoolean() ? "yes" : "**no**")
          .append(" |\n");
    }
    return md.toString();
  }

  static String summary(List<Path> files) throws IOException {
    List<JsonNode> runs = new ArrayList<>();
    for (Path f : files) {
      runs.add(BenchMain.JSON.readTree(f.toFile()));
    }
    runs.sort(
        Comparator.comparing((JsonNode r) -> clouds(r.path("run")))
            .thenComparingInt(r -> r.path("run").path("identities").asInt()));
    StringBuilder md = new StringBuilder();
    md.append(
        "| clouds | N | all Ready (s) | floor (s) | ratio | p50 / p95 per identity (s) | calls per identity (operator / floor) "
            + "| resync reads | resync writes | status writes per resync | drift corrected (s) | peak RSS (MiB) | live heap (MiB) | CPU create (s) | load avg start |\n");
    md.append("|---|---:|---:|---:|---:|---:|---|---|---|---:|---|---:|---:|---:|---|\n");
    for (JsonNode r : runs) {
      JsonNode create = r.path("create");
      JsonNode floor = r.path("floor");
      String calls =
          iterableList(create.path("callsPerIdentity").fieldNames()).stream()
              .map(
                  c ->
                      c
                          + " "
                          + create.path("callsPerIdentity").path(c).asDouble()
                          + " / "
                          + floor.path("callsPerIdentity").path(c).asDouble())
              .collect(Collectors.joining(", "));
      String drift =
          iterableList(r.path("drift").elements()).stream()
              .map(
                  d ->
                      d.path("cloud").asText()
                          + " "
                          + (d.path("corrected").asBoolean() ? d.path("seconds").asDouble() : "—"))
              .collect(Collectors.joining(", "));
      md.append("| ")
          .append(clouds(r.path("run")))
          .append(" | ")
          .append(r.path("run").path("identities").asInt())
          .append(" | ")
          .append(create.path("seconds").asDouble())
          .append(" | ")
          .append(floor.path("seconds").asDouble())
          .append(" | ")
          .append(r.path("operatorToFloor").path("time").asDouble())
          .append(" | ")
          .append(create.path("perIdentitySeconds").path("p50").asDouble())
          .append(" / ")
          .append(create.path("perIdentitySeconds").path("p95").asDouble())
          .append(" | ")
          .append(calls)
          .append(" | ")
          .append(byCloud(r.path("resync").path("readsPerResync")))
          .append(" | ")
          .append(byCloud(r.path("resync").path("writesPerResync")))
          .append(" | ")
          .append(r.path("resync").path("statusWritesPerResync").asDouble())
          .append(" | ")
          .append(drift)
          .append(" | ")
          .append(r.path("memory").path("peakRssMiB").asDouble())
          .append(" | ")
          .append(create.path("liveHeapMiB").asDouble())
          .append(" | ")
          .append(create.path("cpuSeconds").asDouble())
          .append(" | ")
          .append(r.path("run").path("loadAverageStart").asText())
          .append(" |\n");
    }
    md.append("\nTargets not met:\n\n");
    boolean any = false;
    for (JsonNode r : runs) {
      for (JsonNode t : r.path("targets")) {
        if (!t.path("met").asBoolean()) {
          any = true;
          md.append("* ")
              .append(clouds(r.path("run")))
              .append(", N=")
              .append(r.path("run").path("identities").asInt())
              .append(": ")
              .append(t.path("target").asText())
              .append(" — measured ")
              .append(t.path("measured").asText())
              .append(" (goal ")
              .append(t.path("goal").asText())
              .append(")\n");
        }
      }
    }
    if (!any) {
      md.append("none\n");
    }
    return md.toString();
  }

  private static void row(
      StringBuilder md, String name, JsonNode operator, JsonNode floor, JsonNode ratio) {
    md.append("| ")
        .append(name)
        .append(" | ")
        .append(operator.asDouble())
        .append(" | ")
        .append(floor.isMissingNode() ? "" : floor.asDouble() + "")
        .append(" | ")
        .append(ratio.isMissingNode() ? "" : ratio.asDouble() + "×")
        .append(" |\n");
  }

  private static String byCloud(JsonNode values) {
    List<String> parts = new ArrayList<>();
    values.fieldNames().forEachRemaining(c -> parts.add(c + " " + values.path(c).asDouble()));
    return parts.isEmpty() ? "0" : String.join(", ", parts);
  }

  private static String clouds(JsonNode run) {
    List<String> clouds = new ArrayList<>();
    run.path("clouds").forEach(c -> clouds.add(c.asText()));
    clouds.sort(Comparator.comparingInt(List.of("aws", "gcp", "azure")::indexOf));
    return String.join("+", clouds);
  }

  private static <T> Iterable<T> iterable(java.util.Iterator<T> it) {
    return () -> it;
  }

  private static <T> List<T> iterableList(java.util.Iterator<T> it) {
    List<T> list = new ArrayList<>();
    it.forEachRemaining(list::add);
    return list;
  }
}
