package dev.cifederation.bench;

import java.util.List;
import java.util.Map;

/** The Markdown beside a soak's JSON: the figures the README's "Reliability" section quotes. */
final class SoakReport {

  private SoakReport() {}

  @SuppressWarnings("unchecked")
  static String markdown(Map<String, Object> result) {
    Map<String, Object> run = (Map<String, Object>) result.get("run");
    List<Map<String, Object>> phases = (List<Map<String, Object>>) result.get("phases");
    List<Map<String, Object>> kills = (List<Map<String, Object>>) result.get("kills");
    StringBuilder md = new StringBuilder();
    md.append("# Soak: N=")
        .append(run.get("identities"))
        .append(", seed ")
        .append(run.get("seed"))
        .append("\n\n")
        .append("Machine: ")
        .append(run.get("machine"))
        .append("; resync ")
        .append(run.get("resyncSeconds"))
        .append(" s; outage ")
        .append(run.get("outageSeconds"))
        .append(" s.\n\n");
    md.append("| figure | value |\n|---|---|\n");
    row(md, "identities (AWS + GCP + Azure each)", run.get("identities"));
    row(md, "operator SIGKILLs", kills.size());
    row(md, "kube-apiserver kills and restarts", 1);
    row(md, "faults injected (429 / 503 / reset, by cloud)", result.get("faultsInjected"));
    row(md, "cloud objects read back (all phases)", result.get("objectsChecked"));
    row(
        md,
        "max s to all Ready after the last fault",
        result.get("maxSecondsToReadyAfterLastFault"));
    for (Map<String, Object> p : phases) {
      String name = (String) p.get("phase");
      switch (name) {
        case "update" -> row(md, "kube-apiserver back after (s)", p.get("apiServerRestartSeconds"));
        case "outage" -> {
          row(md, "Azure requests during the outage", p.get("azureRequestsDuringOutage"));
          row(md, "Azure requests per minute of outage", p.get("azureRequestsPerMinute"));
          row(md, "… per identity per minute", p.get("azureRequestsPerIdentityPerMinute"));
          row(
              md,
              "target (2 per identity + 30 per minute) met",
              p.get("azureRequestsWithinTarget") + " (≤ " + p.get("azureRequestTarget") + ")");
          row(md, "Azure reasons at the end of the outage", p.get("azureReasonsAtEndOfOutage"));
          row(
              md,
              "AWS + GCP converged during the outage after (s)",
              p.get("healthyCloudsConvergedSecondsIntoOutage"));
        }
        case "failover" -> {
          row(md, "leader failover: new leader after (s)", p.get("failoverSeconds"));
          row(
              md,
              "writes during the handover / made twice",
              p.get("writesDuringHandover") + " / " + p.get("writesMadeTwice"));
        }
        case "delete" ->
            row(md, "all deleted after the last kill (s)", p.get("secondsToGoneAfterLastFault"));
        default -> {
          // figures in the phase table
        }
      }
    }
    md.append(
        "\n| phase | s | s to Ready after last fault | objects checked | violations |\n|---|---|---|---|---|\n");
    for (Map<String, Object> p : phases) {
      md.append("| ")
          .append(p.get("phase"))
          .append(" | ")
          .append(p.get("seconds"))
          .append(" | ")
          .append(p.getOrDefault("secondsToReadyAfterLastFault", "–"))
          .append(" | ")
          .append(p.get("objectsChecked"))
          .append(" | ")
          .append(((List<?>) p.get("violations")).size())
          .append(" |\n");
    }
    md.append("\nKills: ");
    kills.forEach(k -> md.append(k.get("phase")).append(' '));
    md.append("\n");
    return md.toString();
  }

  private static void row(StringBuilder md, String figure, Object value) {
    md.append("| ").append(figure).append(" | ").append(value).append(" |\n");
  }
}
