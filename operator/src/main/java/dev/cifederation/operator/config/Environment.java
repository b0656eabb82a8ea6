package dev.cifederation.operator.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The process environment, read only through the catalogue ({@link Variable}) and only with typed
 * parsers: a bad value throws an {@link InvalidConfigurationException} whose message starts with
 * {@code VARIABLE=value} and says the rule. An unset or blank variable is absent; values are
 * stripped of surrounding whitespace (a Secret's trailing newline).
 */
final class Environment {

  private final Map<String, String> values;

  Environment(Map<String, String> values) {
    this.values = values;
  }

  /** The value, stripped; empty when unset or blank. */
  Optional<String> text(Variable variable) {
    String value = values.get(variable.name());
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
  }

  /** {@code true} or {@code false}, nothing else (no {@code yes}, no {@code 1}). */
  boolean flag(Variable variable, boolean fallback) {
    return text(variable)
        .map(
            value ->
                switch (value) {
                  case "true" -> true;
                  case "false" -> false;
                  default -> throw invalid(variable, value, "must be true or false");
                })
        .orElse(fallback);
  }

  /** ISO-8601 ({@code PT10M}) or a number of seconds ({@code 600}), positive. */
  Duration duration(Variable variable, Duration fallback) {
    Optional<String> text = text(variable);
    if (text.isEmpty()) {
      return fallback;
    }
    String value = text.get();
    Duration parsed;
    try {
      parsed =
          value.matches("\\d+") ? Duration.ofSeconds(Long.parseLong(value)) : Duration.parse(value);
    } catch (DateTimeParseException | NumberFormatException e) {
      throw invalid(
          variable, value, "is neither an ISO-8601 duration (PT10M) nor a number of seconds");
    }
    if (parsed.isNegative() || parsed.isZero()) {
      throw invalid(variable, value, "must be positive");
    }
    return parsed;
  }

  /** A decimal integer in {@code [min, max]}; {@code rule} says what it is, e.g. "a TCP port". */
  int integer(Variable variable, int fallback, int min, int max, String rule) {
    Optional<String> text = text(variable);
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(text.get());
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below, with the rule
    }
    throw invalid(variable, text.get(), "must be " + rule);
  }

  /** A value the whole of which matches {@code pattern}; {@code rule} says it in words. */
  Optional<String> matching(Variable variable, Pattern pattern, String rule) {
    return text(variable)
        .map(
            value -> {
              if (!pattern.matcher(value).matches()) {
                throw invalid(variable, value, rule);
              }
              return value;
            });
  }

  /** One of an enum's constants, spelled exactly. */
  <E extends Enum<E>> E choice(Variable variable, Class<E> type, E fallback) {
    Optional<String> text = text(variable);
    if (text.isEmpty()) {
      return fallback;
    }
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equals(text.get())) {
        return constant;
      }
    }
    String choices =
        Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(" or "));
    throw invalid(variable, text.get(), "must be " + choices);
  }

  /**
   * A cloud endpoint: an http(s) URL with a host and neither query nor fragment. Plain http only to
   * a loopback literal or {@code localhost} (an emulator next to the operator): every request
   * carries a bearer token or an AWS session token, which must not cross a network in clear.
   *
   * @param example a valid value, for the message
   */
  Optional<URI> endpoint(Variable variable, String example) {
    return text(variable)
        .map(
            value -> {
              URI uri;
              try {
                uri = new URI(value);
              } catch (URISyntaxException e) {
                uri = null;
              }
              if (uri == null
                  || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                  || uri.getHost() == null
                  || uri.getQuery() != null
                  || uri.getFragment() != null) {
                throw invalid(
                    variable,
                    value,
                    "must be an http(s) URL with a host and no query, e.g. " + example);
              }
              if ("http".equals(uri.getScheme()) && !isLoopback(uri.getHost())) {
                throw invalid(
                    variable,
                    value,
                    "uses plain http to a non-loopback host; credentials would travel in clear:"
                        + " use https (http is for an emulator on 127.0.0.1 only)");
              }
              return uri;
            });
  }

  /** A file the operator can read now (its content is checked by whoever parses it). */
  Optional<Path> readableFile(Variable variable) {
    return text(variable)
        .map(
            value -> {
              try {
                Path path = Path.of(value);
                if (Files.isReadable(path) && !Files.isDirectory(path)) {
                  return path;
                }
              } catch (InvalidPathException e) {
                // reported below
              }
              throw invalid(variable, value, "is not a readable file");
            });
  }

  static InvalidConfigurationException invalid(Variable variable, String value, String rule) {
    return new InvalidConfigurationException(variable.name() + "=" + value + " " + rule);
  }

  static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    try {
      // literal addresses only: a name that resolves to loopback today may not tomorrow
      return host.matches("[0-9.]+|\\[?[0-9a-fA-F:]+\\]?")
          && InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
