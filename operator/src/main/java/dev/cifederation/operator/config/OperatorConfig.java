package dev.cifederation.operator.config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * The operator's configuration contract (README, "Configuration"), read once from the environment
 * at start-up. Invalid values fail the start with a message naming the variable, rather than
 * silently falling back.
 */
public record OperatorConfig(
    Duration resyncInterval,
    String iamPath,
    int metricsPort,
    String clusterName,
    Optional<Path> extraCaFile,
    Optional<LeaderElection> leaderElection,
    LogFormat logFormat,
    boolean workflowSnippets,
    boolean allowUngovernedNamespaces,
    boolean neverDelete,
    boolean issuerAllowPrivate) {

  public static final Duration DEFAULT_RESYNC = Duration.ofMinutes(10);
  public static final String DEFAULT_LEASE_NAME = "cifederation-operator";

  /** The cluster name under {@code CIFED_LOCAL_MODE=true}, where none is required. */
  public static final String LOCAL_CLUSTER_NAME = "local";

  static final String CLUSTER_NAME_RULE = "[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?";

  /**
   * One replica reconciles, the others wait on a coordination.k8s.io Lease.
   *
   * @param namespace the Lease's namespace; empty: the namespace of the in-cluster service account
   */
  public record LeaderElection(String leaseName, Optional<String> namespace) {}

  /** How log lines are written (logback.xml reads the same variable). */
  public enum LogFormat {
    text,
    json
  }

  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    return new OperatorConfig(
        parseDuration("CIFED_RESYNC_INTERVAL", env.get("CIFED_RESYNC_INTERVAL"), DEFAULT_RESYNC),
        parseIamPath(env.getOrDefault("CIFED_IAM_PATH", "/cifederation/")),
        parsePort("CIFED_METRICS_PORT", env.getOrDefault("CIFED_METRICS_PORT", "8080")),
        clusterName(env),
        Optional.ofNullable(blankToNull(env.get("CIFED_EXTRA_CA_FILE"))).map(Path::of),
        parseBoolean("CIFED_LEADER_ELECTION", env.get("CIFED_LEADER_ELECTION"), false)
            ? Optional.of(
                new LeaderElection(
                    env.getOrDefault("CIFED_LEADER_ELECTION_LEASE", DEFAULT_LEASE_NAME),
                    Optional.ofNullable(blankToNull(env.get("CIFED_LEADER_ELECTION_NAMESPACE")))))
            : Optional.empty(),
        parseLogFormat(env.get("CIFED_LOG_FORMAT")),
        parseBoolean("CIFED_WORKFLOW_SNIPPETS", env.get("CIFED_WORKFLOW_SNIPPETS"), true),
        parseBoolean(
            "CIFED_ALLOW_UNGOVERNED_NAMESPACES",
            env.get("CIFED_ALLOW_UNGOVERNED_NAMESPACES"),
            false),
        parseBoolean("CIFED_NEVER_DELETE", env.get("CIFED_NEVER_DELETE"), false),
        // issuers on loopback or private addresses only when asked for: see AddressPolicy
        parseBoolean("CIFED_ISSUER_ALLOW_PRIVATE", env.get("CIFED_ISSUER_ALLOW_PRIVATE"), false));
  }

  /**
   * The value of the cluster ownership mark. It has no silent default: two operators sharing a
   * cloud account with the same name would take each other's objects for their own. Only the
   * explicit local/demo switch {@code CIFED_LOCAL_MODE=true} supplies one.
   */
  static String clusterName(Map<String, String> env) {
    String name = blankToNull(env.get("CIFED_CLUSTER_NAME"));
    if (name == null) {
      if (parseBoolean("CIFED_LOCAL_MODE", env.get("CIFED_LOCAL_MODE"), false)) {
        return LOCAL_CLUSTER_NAME;
      }
      throw new IllegalArgumentException(
          "CIFED_CLUSTER_NAME is required: it marks every cloud object this operator owns, and two"
              + " clusters sharing an account must use different names (CIFED_LOCAL_MODE=true for a"
              + " local or demo run)");
    }
    if (!name.matches(CLUSTER_NAME_RULE)) {
      throw new IllegalArgumentException(
          "CIFED_CLUSTER_NAME="
              + name
              + " must be 1-63 lower-case letters, digits, '.' or '-', starting and ending with a"
              + " letter or digit");
    }
    return name;
  }

  static boolean parseBoolean(String variable, String value, boolean fallback) {
    if (blankToNull(value) == null) {
      return fallback;
    }
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(variable + "=" + value + " must be true or false");
    };
  }

  static LogFormat parseLogFormat(String value) {
    if (blankToNull(value) == null) {
      return LogFormat.text;
    }
    try {
      return LogFormat.valueOf(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("CIFED_LOG_FORMAT=" + value + " must be text or json");
    }
  }

  /** ISO-8601 ({@code PT10M}) or a number of seconds ({@code 600}). */
  static Duration parseDuration(String variable, String value, Duration fallback) {
    if (blankToNull(value) == null) {
      return fallback;
    }
    Duration parsed;
    try {
      parsed =
          value.matches("\\d+") ? Duration.ofSeconds(Long.parseLong(value)) : Duration.parse(value);
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new IllegalArgumentException(
          variable
              + "="
              + value
              + " is neither an ISO-8601 duration (PT10M) nor a number of seconds");
    }
    if (parsed.isNegative() || parsed.isZero()) {
      throw new IllegalArgumentException(variable + "=" + value + " must be positive");
    }
    return parsed;
  }

  static String parseIamPath(String value) {
    if (!value.matches("^/([\\x21-\\x7E]{0,510}/)?$")) {
      throw new IllegalArgumentException(
          "CIFED_IAM_PATH="
              + value
              + " must start and end with '/' (IAM path rules), e.g. /cifederation/");
    }
    return value;
  }

  static int parsePort(String variable, String value) {
    try {
      int port = Integer.parseInt(value);
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(variable + "=" + value + " must be a TCP port (0-65535)");
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
