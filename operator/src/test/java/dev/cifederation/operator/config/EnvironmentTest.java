package dev.cifederation.operator.config;

import static dev.cifederation.operator.config.Variable.AWS_ENDPOINT_URL;
import static dev.cifederation.operator.config.Variable.CIFED_AZURE_CA_FILE;
import static dev.cifederation.operator.config.Variable.CIFED_IAM_PATH;
import static dev.cifederation.operator.config.Variable.CIFED_LOG_FORMAT;
import static dev.cifederation.operator.config.Variable.CIFED_METRICS_PORT;
import static dev.cifederation.operator.config.Variable.CIFED_NEVER_DELETE;
import static dev.cifederation.operator.config.Variable.CIFED_RESYNC_INTERVAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The typed parsers, as tables: what each accepts, and that what it refuses fails with {@code
 * VARIABLE=value} and the rule.
 */
class EnvironmentTest {

  private static Environment env(Variable variable, String value) {
    return new Environment(Map.of(variable.name(), value));
  }

  private static final Environment EMPTY = new Environment(Map.of());

  @Test
  void unsetAndBlankAreAbsentAndValuesAreStripped() {
    assertThat(EMPTY.text(CIFED_IAM_PATH)).isEmpty();
    assertThat(env(CIFED_IAM_PATH, "  ").text(CIFED_IAM_PATH)).isEmpty();
    assertThat(env(CIFED_IAM_PATH, " /ci/\n").text(CIFED_IAM_PATH)).contains("/ci/");
  }

  @Test
  void onlyTheCataloguedNameIsRead() {
    var lowerCase = new Environment(Map.of("cifed_iam_path", "/x/"));
    assertThat(lowerCase.text(CIFED_IAM_PATH)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"true,true", "false,false", "' true ',true"})
  void flagsAreTrueOrFalse(String value, boolean expected) {
    assertThat(env(CIFED_NEVER_DELETE, value).flag(CIFED_NEVER_DELETE, !expected))
        .isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"yes", "1", "TRUE", "on"})
  void anythingElseIsNotAFlag(String value) {
    assertThatThrownBy(() -> env(CIFED_NEVER_DELETE, value).flag(CIFED_NEVER_DELETE, false))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessage("CIFED_NEVER_DELETE=" + value + " must be true or false");
  }

  @ParameterizedTest
  @CsvSource({"PT10M,600", "PT30S,30", "45,45", "PT1H,3600", "P1D,86400"})
  void durationsAreIso8601OrSeconds(String value, long seconds) {
    assertThat(env(CIFED_RESYNC_INTERVAL, value).duration(CIFED_RESYNC_INTERVAL, Duration.ZERO))
        .isEqualTo(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest
  @CsvSource({
    "10 minutes,is neither an ISO-8601 duration (PT10M) nor a number of seconds",
    "10m,is neither an ISO-8601 duration (PT10M) nor a number of seconds",
    "99999999999999999999,is neither an ISO-8601 duration (PT10M) nor a number of seconds",
    "0,must be positive",
    "PT0S,must be positive",
    "-PT1M,must be positive"
  })
  void badDurationsSayTheRule(String value, String rule) {
    assertThatThrownBy(
            () -> env(CIFED_RESYNC_INTERVAL, value).duration(CIFED_RESYNC_INTERVAL, Duration.ZERO))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessage("CIFED_RESYNC_INTERVAL=" + value + " " + rule);
  }

  @ParameterizedTest
  @CsvSource({"0,0", "8080,8080", "65535,65535"})
  void integersInRange(String value, int expected) {
    assertThat(env(CIFED_METRICS_PORT, value).integer(CIFED_METRICS_PORT, 1, 0, 65535, "a port"))
        .isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "65536", "http", "80.5", "0x50", "2147483648"})
  void integersOutOfRangeOrNotIntegers(String value) {
    assertThatThrownBy(
            () ->
                env(CIFED_METRICS_PORT, value)
                    .integer(CIFED_METRICS_PORT, 1, 0, 65535, "a TCP port (0-65535)"))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessage("CIFED_METRICS_PORT=" + value + " must be a TCP port (0-65535)");
  }

  @Test
  void choicesAreSpelledExactly() {
    assertThat(
            env(CIFED_LOG_FORMAT, "json")
                .choice(CIFED_LOG_FORMAT, OperatorConfig.LogFormat.class, null))
        .isEqualTo(OperatorConfig.LogFormat.json);
    assertThatThrownBy(
            () ->
                env(CIFED_LOG_FORMAT, "JSON")
                    .choice(CIFED_LOG_FORMAT, OperatorConfig.LogFormat.class, null))
        .hasMessage("CIFED_LOG_FORMAT=JSON must be text or json");
  }

  @Test
  void matchingIsOfTheWholeValue() {
    Pattern path = Pattern.compile("/([a-z]+/)?");
    assertThat(env(CIFED_IAM_PATH, "/ci/").matching(CIFED_IAM_PATH, path, "is bad"))
        .contains("/ci/");
    assertThatThrownBy(
            () -> env(CIFED_IAM_PATH, "/ci/x").matching(CIFED_IAM_PATH, path, "must be a path"))
        .hasMessage("CIFED_IAM_PATH=/ci/x must be a path");
  }

  /** Plain http only to a loopback literal or localhost: credentials travel with every call. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.1:5000",
        "http://127.0.0.2:5000/",
        "http://localhost:5000",
        "http://[::1]:8085/",
        "https://moto.internal",
        "https://iam.example.com/v1/",
        "https://10.0.0.1:8443/"
      })
  void endpointsAccepted(String value) {
    assertThat(env(AWS_ENDPOINT_URL, value).endpoint(AWS_ENDPOINT_URL, "e.g."))
        .contains(URI.create(value));
  }

  @ParameterizedTest
  @CsvSource({
    "http://moto:5000,uses plain http to a non-loopback host",
    "http://10.0.0.1/,uses plain http to a non-loopback host",
    // a name that resolves to loopback today may not tomorrow
    "http://127.0.0.1.nip.io/,uses plain http to a non-loopback host",
    "http://localhost.example.com/,uses plain http to a non-loopback host",
    "moto:5000,must be an http(s) URL with a host and no query",
    "localhost:8085,must be an http(s) URL with a host and no query",
    "ftp://x/,must be an http(s) URL with a host and no query",
    "https:///path,must be an http(s) URL with a host and no query",
    "https://x/?token=1,must be an http(s) URL with a host and no query",
    "https://x/#f,must be an http(s) URL with a host and no query",
    "http://[::1,must be an http(s) URL with a host and no query"
  })
  void endpointsRefused(String value, String rule) {
    assertThatThrownBy(
            () -> env(AWS_ENDPOINT_URL, value).endpoint(AWS_ENDPOINT_URL, "http://127.0.0.1:5000"))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageStartingWith("AWS_ENDPOINT_URL=" + value + " " + rule);
  }

  @Test
  void filesMustBeReadableNow(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("ca.pem"), "pem");
    assertThat(env(CIFED_AZURE_CA_FILE, file.toString()).readableFile(CIFED_AZURE_CA_FILE))
        .isEqualTo(Optional.of(file));
    for (String bad : new String[] {dir.resolve("missing.pem").toString(), dir.toString()}) {
      assertThatThrownBy(() -> env(CIFED_AZURE_CA_FILE, bad).readableFile(CIFED_AZURE_CA_FILE))
          .isInstanceOf(InvalidConfigurationException.class)
          .hasMessage("CIFED_AZURE_CA_FILE=" + bad + " is not a readable file");
    }
  }
}
