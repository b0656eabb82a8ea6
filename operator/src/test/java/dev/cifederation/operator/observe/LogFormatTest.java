package dev.cifederation.operator.observe;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * The shipped {@code logback.xml} (not the tests' own): CIFED_LOG_FORMAT=json gives one JSON object
 * per line carrying the resource from the MDC keys java-operator-sdk sets during a reconcile; text
 * (the default) gives the same facts in a readable line.
 */
class LogFormatTest {

  @Test
  void jsonLinesCarryTheResource() throws Exception {
    List<String> lines = logOneLine("json");
    assertThat(lines).hasSize(1);
    JsonNode line = new ObjectMapper().readTree(lines.get(0));
    assertThat(line.path("level").asText()).isEqualTo("WARN");
    assertThat(line.path("loggerName").asText()).isEqualTo("dev.cifederation.operator.Probe");
    assertThat(line.path("formattedMessage").asText()).isEqualTo("Drift corrected: trust policy");
    assertThat(line.path("mdc").path("resource.namespace").asText()).isEqualTo("team-a");
    assertThat(line.path("mdc").path("resource.name").asText()).isEqualTo("deploy");
    assertThat(line.path("timestamp").asLong()).isPositive();
  }

  @Test
  void textIsTheDefaultAndNamesTheResourceToo() throws Exception {
    List<String> lines = logOneLine(null);
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0))
        .contains("WARN")
        .contains("team-a/deploy - Drift corrected: trust policy")
        .doesNotStartWith("{");
  }

  private static List<String> logOneLine(String format) throws Exception {
    PrintStream original = System.out;
    var captured = new ByteArrayOutputStream();
    var context = new LoggerContext();
    try {
      // ConsoleAppender binds System.out when it starts, i.e. during configuration
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      if (format != null) {
        context.putProperty("CIFED_LOG_FORMAT", format);
      }
      // a fresh context shares the process's MDC, as the operator's only context does
      context.setMDCAdapter(MDC.getMDCAdapter());
      var configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(LogFormatTest.class.getResource("/logback.xml"));
      MDC.put("resource.namespace", "team-a");
      MDC.put("resource.name", "deploy");
      context
          .getLogger("dev.cifederation.operator.Probe")
          .warn("Drift corrected: {}", "trust policy");
    } finally {
      MDC.clear();
      context.stop();
      System.setOut(original);
    }
    return captured.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
  }
}
