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
    if (run.hasNonNull("driverJavaOptions")) {
      md.append(" Bench driver: `java ")
          .append(run.path("driverJavaOptions").asText())
          .append("`.");
    }
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
    boolean sharded = run.path("shards").asInt(1) > 1;
    if (!sharded) {
      resyncRows(md, r, resync);
    }
    shards(md, run, create);
    profile(md, create.path("profile"));
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
    boolean heading = false;
    for (JsonNode t : r.path("targets")) {
      if (t.hasNonNull("why")) {
        if (!heading) {
          md.append("\nWhy, measured in this run:\n\n");
          heading = true;
        }
        md.append("* ")
            .append(t.path("target").asText())
            .append(": ")
            .append(t.path("why").asText())
            .append('\n');
      }
    }
    return md.toString();
  }

  static String summary(List<Path> files) throws IOException {
    List<JsonNode> runs = new ArrayList<>();
    for (Path f : files) {
      JsonNode run = BenchMain.JSON.readTree(f.toFile());
      // a sharded run has no resync or drift phase: its own .md has the per-shard table
      if (run.path("run").path("shards").asInt(1) == 1) {
        runs.add(run);
      }
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
              .append(")")
              .append(t.hasNonNull("why") ? ": " + t.path("why").asText() : "")
              .append('\n');
        }
      }
    }
    if (!any) {
      md.append("none\n");
    }
    return md.toString();
  }

  private static void resyncRows(StringBuilder md, JsonNode r, JsonNode resync) {
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
  }

  /** A sharded run: one row per shard, and who wrote the statuses. */
  private static void shards(StringBuilder md, JsonNode run, JsonNode create) {
    if (!create.path("shards").isArray()) {
      return;
    }
    md.append("\n")
        .append(run.path("shards").asInt())
        .append(
            " operator shards side by side, each selecting the identities labelled"
                + " `cifederation.dev/shard=<shard>` (shard s0 keeps the issuer; resync and drift"
                + " are not run):\n\n")
        .append(
            "| shard | identities | Ready | apply → all its Ready (s) | p50 / p95 (s) | reconciles"
                + " | calls per identity | status written only by this shard | by another manager"
                + " | CPU (s) | peak RSS (MiB) |\n|---|---:|---:|---:|---|---:|---|---:|---:|---:|---:|\n");
    for (JsonNode f : create.path("shards")) {
      md.append("| ")
          .append(f.path("shard").asText())
          .append(" | ")
          .append(f.path("identities").asInt())
          .append(" | ")
          .append(f.path("ready").asInt())
          .append(" | ")
          .append(f.path("secondsToAllReady").asDouble())
          .append(" | ")
          .append(f.path("perIdentitySeconds").path("p50").asDouble())
          .append(" / ")
          .append(f.path("perIdentitySeconds").path("p95").asDouble())
          .append(" | ")
          .append((long) f.path("reconciles").asDouble())
          .append(" | ")
          .append(byCloud(f.path("callsPerIdentity")))
          .append(" | ")
          .append(f.path("statusWrittenOnlyByThisShard").asLong())
          .append(" | ")
          .append(f.path("statusWrittenByAnotherManager").asLong())
          .append(" | ")
          .append(f.path("cpuSeconds").asDouble())
          .append(" | ")
          .append(f.path("peakRssMiB").asDouble())
          .append(" |\n");
    }
    md.append("\nThe issuer's status was written by: `")
        .append(
            String.join(
                "`, `",
                iterableList(create.path("issuerStatusManagers").elements()).stream()
                    .map(JsonNode::asText)
                    .toList()))
        .append("`.\n");
  }

  /** The create phase's JFR profile(s): the top frames of the CPU samples. */
  private static void profile(StringBuilder md, JsonNode profile) {
    List<JsonNode> profiles = new ArrayList<>();
    if (profile.isArray()) {
      profile.forEach(profiles::add);
    } else if (profile.isObject()) {
      profiles.add(profile);
    } else {
      return;
    }
    for (int k = 0; k < profiles.size(); k++) {
      JsonNode p = profiles.get(k);
      md.append("\nCPU profile of the create phase")
          .append(profiles.size() > 1 ? " (shard s" + k + ")" : "")
          .append(": ")
          .append(p.path("samples").asLong())
          .append(" JFR execution samples (`jdk.ExecutionSample`, settings `profile`), `")
          .append(p.path("recording").asText())
          .append("`.\n");
      for (String[] view :
          new String[][] {
            {"topLeafFrames", "on CPU (leaf frame)"},
            {"topOperatorFrames", "under the operator's own frame (innermost)"},
            {"topLeafPackages", "by the leaf's package"}
          }) {
        md.append("\n| ").append(view[1]).append(" | samples | % |\n|---|---:|---:|\n");
        for (JsonNode row : p.path(view[0])) {
          md.append("| `")
              .append(row.path("frame").asText())
              .append("` | ")
              .append(row.path("samples").asLong())
              .append(" | ")
              .append(row.path("percent").asDouble())
              .append(" |\n");
        }
      }
    }
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
