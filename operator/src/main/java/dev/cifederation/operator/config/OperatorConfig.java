package dev.cifederation.operator.config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * The operator's configuration contract (DESIGN.md §5), read once from the environment at start-up.
 * Invalid values fail the start with a message naming the variable, rather than silently falling
 * back.
 */
public record OperatorConfig(
    Duration resyncInterval,
    String iamPath,
    int metricsPort,
    String clusterName,
    Optional<Path> extraCaFile) {

  public static final Duration DEFAULT_RESYNC = Duration.ofMinutes(10);

  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    return new OperatorConfig(
        parseDuration("CIFED_RESYNC_INTERVAL", env.get("CIFED_RESYNC_INTERVAL"), DEFAULT_RESYNC),
        parseIamPath(env.getOrDefault("CIFED_IAM_PATH", "/cifederation/")),
        parsePort("CIFED_METRICS_PORT", env.getOrDefault("CIFED_METRICS_PORT", "8080")),
        env.getOrDefault("CIFED_CLUSTER_NAME", "default"),
        Optional.ofNullable(blankToNull(env.get("CIFED_EXTRA_CA_FILE"))).map(Path::of));
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
