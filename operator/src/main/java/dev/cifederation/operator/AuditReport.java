package dev.cifederation.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.AzureRoleAssignment;
import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.api.v1alpha1.Severity;
import dev.cifederation.operator.cloud.ScannedObject;
import dev.cifederation.operator.cloud.TargetScan;
import dev.cifederation.operator.guard.Rule;
import dev.cifederation.operator.guard.TrustGuard;
import dev.cifederation.operator.guard.TrustLint;
import dev.cifederation.operator.trust.ExistingObject;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.PolicyJson;
import dev.cifederation.operator.trust.WhoCanAssume;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What {@code audit} found: every scanned object judged by the operator's own trust lint and "who
 * can assume this", exactly as the operator judges the live trust of its identities, rendered as a
 * table, JSON or SARIF 2.1.0.
 */
final class AuditReport {

  static final String TOOL = "cifederation-operator audit";
  static final String INFORMATION_URI = "https://cifederation.dev/";
  static final String SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

  private static final ObjectMapper JSON = PolicyJson.MAPPER;

  /** One object with its findings (worst first) and who can assume it (null: holds no trust). */
  record Audited(ScannedObject object, List<Finding> findings, String whoCanAssume) {}

  private final List<TargetScan> scans;
  private final List<Audited> audited;

  private AuditReport(List<TargetScan> scans, List<Audited> audited) {
    this.scans = List.copyOf(scans);
    this.audited = List.copyOf(audited);
  }

  static AuditReport of(List<TargetScan> scans) {
    List<Audited> audited = new ArrayList<>();
    for (TargetScan scan : scans) {
      for (ScannedObject object : scan.objects()) {
        audited.add(audit(object));
      }
    }
    return new AuditReport(scans, audited);
  }

  /** The live trust's lint, as the identity reconciler runs it, and the Azure role assignments'. */
  static Audited audit(ScannedObject object) {
    List<Finding> findings = new ArrayList<>();
    String who = null;
    if (object.trust().isPresent()) {
      LiveTrust trust = object.trust().get();
      findings.addAll(TrustLint.lint(trust, TrustLint.cloudOf(trust), TrustLint.Limits.none()));
      who = WhoCanAssume.describe(trust);
    }
    if (object.existing().orElse(null) instanceof ExistingObject.AzureIdentity identity) {
      findings.addAll(
          TrustGuard.azureRoleAssignments(
              object.cloud().name(),
              "a role assignment of the identity",
              identity.roleAssignments().stream()
                  .map(a -> new AzureRoleAssignment(a.role(), a.scope()))
                  .toList()));
    }
    return new Audited(object, TrustGuard.sortedDistinct(findings), who);
  }

  List<Audited> audited() {
    return audited;
  }

  List<TargetScan> scans() {
    return scans;
  }

  List<TargetScan> failedTargets() {
    return scans.stream().filter(s -> s.failure().isPresent()).toList();
  }

  long findings() {
    return audited.stream().mapToLong(a -> a.findings().size()).sum();
  }

  /** Findings at {@code failOn} or worse (Critical is the worst). */
  long failing(Severity failOn) {
    return audited.stream()
        .flatMap(a -> a.findings().stream())
        .filter(f -> f.getSeverity().compareTo(failOn) <= 0)
        .count();
  }

  // ------------------------------------------------------------------------------------ table

  String table(Severity failOn) {
    StringBuilder out = new StringBuilder();
    List<String[]> objects = new ArrayList<>();
    objects.add(new String[] {"CLOUD", "KIND", "OBJECT", "FINDINGS", "WHO CAN ASSUME"});
    for (Audited a : audited) {
      objects.add(
          new String[] {
            a.object().cloud().name(),
            a.object().kind(),
            a.object().id(),
            Integer.toString(a.findings().size()),
            a.whoCanAssume() == null ? "-" : a.whoCanAssume()
          });
    }
    columns(out, objects);
    List<String[]> findings = new ArrayList<>();
    findings.add(new String[] {"SEVERITY", "RULE", "OBJECT", "FINDING"});
    List<String[]> rows = new ArrayList<>();
    for (Audited a : audited) {
      for (Finding f : a.findings()) {
        rows.add(
            new String[] {f.getSeverity().name(), f.getRule(), a.object().id(), f.getMessage()});
      }
    }
    // worst first across objects (Severity's order), then as scanned
    rows.sort(java.util.Comparator.comparing(r -> Severity.valueOf(r[0])));
    findings.addAll(rows);
    if (findings.size() > 1) {
      out.append('\n');
      columns(out, findings);
    }
    List<String> notes = new ArrayList<>();
    for (Audited a : audited) {
      a.object().notes().forEach(n -> notes.add(printable(a.object().id() + ": " + n)));
    }
    if (!notes.isEmpty()) {
      out.append('\n').append("NOTES\n");
      notes.forEach(n -> out.append(n).append('\n'));
    }
    for (TargetScan failed : failedTargets()) {
      out.append('\n')
          .append("INCOMPLETE ")
          .append(failed.target())
          .append(": ")
          .append(printable(failed.failure().get()))
          .append('\n');
    }
    out.append('\n').append(summary(failOn)).append('\n');
    return out.toString();
  }

  String summary(Severity failOn) {
    return String.format(
        "%d object(s) in %d target(s), %d finding(s), %d at or above %s%s",
        audited.size(),
        scans.size(),
        findings(),
        failing(failOn),
        failOn,
        failedTargets().isEmpty() ? "" : ", " + failedTargets().size() + " target(s) incomplete");
  }

  /** Left-aligned columns; the last one is not padded. */
  private static void columns(StringBuilder out, List<String[]> rows) {
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        row[i] = printable(row[i]);
      }
    }
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length - 1; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(i < row.length - 1 ? pad(row[i], widths[i] + 2) : row[i]);
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
  }

  /** Cloud text in a terminal: control characters (escape sequences, line breaks) shown escaped. */
  static String printable(String text) {
    return ImportCommand.oneLine(text);
  }

  private static String pad(String text, int width) {
    return text + " ".repeat(Math.max(0, width - text.length()));
  }

  // ------------------------------------------------------------------------------------- JSON

  ObjectNode json(Severity failOn) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode targets = root.putArray("targets");
    for (TargetScan scan : scans) {
      ObjectNode target = targets.addObject().put("target", scan.target());
      target.put("objects", scan.objects().size());
      scan.failure().ifPresent(f -> target.put("failure", f));
    }
    ArrayNode objects = root.putArray("objects");
    for (Audited a : audited) {
      ObjectNode object = objects.addObject();
      object.put("cloud", a.object().cloud().name());
      object.put("kind", a.object().kind());
      object.put("id", a.object().id());
      if (a.whoCanAssume() != null) {
        object.put("whoCanAssume", a.whoCanAssume());
      }
      ArrayNode findings = object.putArray("findings");
      for (Finding f : a.findings()) {
        findings
            .addObject()
            .put("rule", f.getRule())
            .put("severity", f.getSeverity().name())
            .put("cloud", f.getCloud())
            .put("message", f.getMessage());
      }
      ArrayNode notes = object.putArray("notes");
      a.object().notes().forEach(notes::add);
    }
    root.putObject("summary")
        .put("objects", audited.size())
        .put("findings", findings())
        .put("failOn", failOn.name())
        .put("failing", failing(failOn))
        .put("incompleteTargets", failedTargets().size());
    return root;
  }

  // ------------------------------------------------------------------------------------ SARIF

  /**
   * SARIF 2.1.0 for code-scanning UIs (GitHub code scanning's upload included): the rules are every
   * {@link Rule} with its fix; each finding is a result whose logical location is the cloud object
   * (ARN or resource name). Code scanning requires a physical location too, and accepts only
   * repository-relative paths: each object gets a stable pseudo-path {@code cloud/<cloud>/<id>}.
   */
  ObjectNode sarif(String version) {
    ObjectNode root = JSON.createObjectNode();
    root.put("$schema", SARIF_SCHEMA);
    root.put("version", "2.1.0");
    ObjectNode run = root.putArray("runs").addObject();
    ObjectNode driver = run.putObject("tool").putObject("driver");
    driver.put("name", TOOL);
    driver.put("informationUri", INFORMATION_URI);
    driver.put("semanticVersion", version);
    ArrayNode rules = driver.putArray("rules");
    for (Rule rule : Rule.values()) {
      ObjectNode r = rules.addObject();
      r.put("id", rule.name());
      r.put("name", rule.name());
      r.putObject("shortDescription").put("text", words(rule.name()));
      r.putObject("fullDescription").put("text", words(rule.name()) + ". Fix: " + rule.fix());
      r.putObject("help").put("text", rule.fix());
      r.putObject("defaultConfiguration").put("level", level(rule.severity()));
      ObjectNode properties = r.putObject("properties");
      properties.put("security-severity", securitySeverity(rule.severity()));
      properties.putArray("tags").add("security").add("oidc-federation");
    }
    ArrayNode results = run.putArray("results");
    for (Audited a : audited) {
      for (Finding f : a.findings()) {
        ObjectNode result = results.addObject();
        result.put("ruleId", f.getRule());
        ruleIndex(f.getRule()).ifPresent(i -> result.put("ruleIndex", i));
        result.put("level", level(f.getSeverity()));
        result.putObject("message").put("text", a.object().id() + ": " + f.getMessage());
        ObjectNode location = result.putArray("locations").addObject();
        ObjectNode physical = location.putObject("physicalLocation");
        physical.putObject("artifactLocation").put("uri", pseudoPath(a.object()));
        physical.putObject("region").put("startLine", 1);
        location
            .putArray("logicalLocations")
            .addObject()
            .put("name", shortName(a.object().id()))
            .put("fullyQualifiedName", a.object().id())
            .put("kind", "resource");
        result
            .putObject("partialFingerprints")
            .put(
                "cifedFinding/v1",
                sha256(a.object().id() + "\n" + f.getRule() + "\n" + f.getMessage()));
        result
            .putObject("properties")
            .put("cloud", a.object().cloud().name())
            .put("kind", a.object().kind())
            .put("severity", f.getSeverity().name());
      }
    }
    return root;
  }

  static String prettyJson(ObjectNode node) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String level(Severity severity) {
    return switch (severity) {
      case Critical, High -> "error";
      case Medium -> "warning";
      case Low -> "note";
    };
  }

  /** GitHub's scale: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, below low. */
  static String securitySeverity(Severity severity) {
    return switch (severity) {
      case Critical -> "9.5";
      case High -> "8.0";
      case Medium -> "5.5";
      case Low -> "3.0";
    };
  }

  private static Optional<Integer> ruleIndex(String rule) {
    for (Rule r : Rule.values()) {
      if (r.name().equals(rule)) {
        return Optional.of(r.ordinal());
      }
    }
    return Optional.empty();
  }

  /** {@code cloud/aws/arn%3Aaws%3Aiam%3A%3A123456789012%3Arole/name}: relative, no scheme. */
  static String pseudoPath(ScannedObject object) {
    String id = object.id().replaceFirst("^/+", "");
    StringBuilder path = new StringBuilder();
    id.codePoints()
        .forEach(
            c -> {
              if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~/@".indexOf(c) >= 0)) {
                path.append((char) c);
              } else {
                for (byte b : Character.toString(c).getBytes(StandardCharsets.UTF_8)) {
                  path.append('%').append(String.format("%02X", b));
                }
              }
            });
    // an IAM path may hold '.' and '..' segments: encoded, the pseudo-path cannot climb out of
    // cloud/<cloud>/ onto a real file of the repository (.github/workflows/…)
    String segments =
        java.util.Arrays.stream(path.toString().split("/", -1))
            .map(s -> !s.isEmpty() && s.chars().allMatch(c -> c == '.') ? s.replace(".", "%2E") : s)
            .collect(java.util.stream.Collectors.joining("/"));
    return "cloud/" + object.cloud().name().toLowerCase(Locale.ROOT) + "/" + segments;
  }

  private static String shortName(String id) {
    return id.substring(id.lastIndexOf('/') + 1);
  }

  /** {@code WildcardSubject} as {@code Wildcard subject}. */
  static String words(String camel) {
    String spaced = camel.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
    return Character.toUpperCase(spaced.charAt(0)) + spaced.substring(1);
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
