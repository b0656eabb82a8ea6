package dev.cifederation.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * The top frames of a JFR recording's CPU samples ({@code jdk.ExecutionSample}, what {@code jfr
 * print --events jdk.ExecutionSample} lists): where the operator spends its CPU. Three views, each
 * the {@code top} most sampled: the leaf frame (the method on CPU), the innermost frame of the
 * operator's own code (which of its steps the time is spent under), and the leaf's package.
 */
final class Profile {

  static final String OPERATOR_PACKAGE = "dev.cifederation.operator.";

  private Profile() {}

  static Map<String, Object> summarise(Path recording, int top) throws IOException {
    Map<String, Long> leaves = new HashMap<>();
    Map<String, Long> operatorFrames = new HashMap<>();
    Map<String, Long> packages = new HashMap<>();
    long samples = 0;
    try (RecordingFile file = new RecordingFile(recording)) {
      while (file.hasMoreEvents()) {
        RecordedEvent event = file.readEvent();
        if (!"jdk.ExecutionSample".equals(event.getEventType().getName())) {
          continue;
        }
        RecordedStackTrace stack = event.getStackTrace();
        if (stack == null || stack.getFrames().isEmpty()) {
          continue;
        }
        samples++;
        List<RecordedFrame> frames = stack.getFrames();
        String leaf = frame(frames.get(0));
        leaves.merge(leaf, 1L, Long::sum);
        packages.merge(packageOf(frames.get(0)), 1L, Long::sum);
        String operator = "(no operator frame: JIT, GC, SDK or client threads)";
        for (RecordedFrame f : frames) {
          if (f.getMethod().getType().getName().startsWith(OPERATOR_PACKAGE)) {
            operator = frame(f);
            break;
          }
        }
        operatorFrames.merge(operator, 1L, Long::sum);
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("samples", samples);
    result.put("topLeafFrames", top(leaves, samples, top));
    result.put("topOperatorFrames", top(operatorFrames, samples, top));
    result.put("topLeafPackages", top(packages, samples, top));
    return result;
  }

  private static String frame(RecordedFrame f) {
    String type = f.getMethod().getType().getName();
    return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
  }

  private static String packageOf(RecordedFrame f) {
    String type = f.getMethod().getType().getName();
    int dot = type.lastIndexOf('.');
    return dot < 0 ? "(default)" : type.substring(0, dot);
  }

  private static List<Map<String, Object>> top(Map<String, Long> counts, long samples, int top) {
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(counts.entrySet());
    sorted.sort(
        Map.Entry.<String, Long>comparingByValue()
            .reversed()
            .thenComparing(Map.Entry.comparingByKey()));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (var e : sorted.subList(0, Math.min(top, sorted.size()))) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("frame", e.getKey());
      row.put("samples", e.getValue());
      row.put("percent", samples == 0 ? 0 : Math.round(e.getValue() * 1000.0 / samples) / 10.0);
      rows.add(row);
    }
    return rows;
  }
}
