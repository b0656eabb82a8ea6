package dev.cifederation.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's "Configuration" table is the catalogue ({@link Variable}), rendered: every
 * catalogued variable has its row with the same meaning and default, every row names a catalogued
 * variable (regenerate with {@code -Dcifed.updateGoldens=true} and review the diff). The Helm chart
 * sets no variable the catalogue does not know.
 */
class ConfigurationTableTest {

  private static final Path README = Path.of("..", "README.md");
  private static final Path DEPLOYMENT =
      Path.of("..", "charts", "cifederation-operator", "templates", "deployment.yaml");
  private static final String START =
      "<!-- configuration-table:start (generated from config/Variable) -->";
  private static final String END = "<!-- configuration-table:end -->";
  private static final String HEADER = "| variable | meaning | default |\n|---|---|---|\n";
  private static final Pattern ROW =
      Pattern.compile("\\| `([^`]+)` \\| (.*) \\| (.*) \\|", Pattern.MULTILINE);

  private record Row(String meaning, String documentedDefault) {}

  @Test
  void everyCataloguedVariableHasItsRowAndEveryRowIsCatalogued() throws IOException {
    Map<String, Row> rows = readmeRows();
    Set<String> catalogued =
        Arrays.stream(Variable.values()).map(Enum::name).collect(Collectors.toSet());

    assertThat(new TreeSet<>(rows.keySet()))
        .as("README rows naming a variable the operator does not read (not in config/Variable)")
        .isSubsetOf(catalogued);
    for (Variable variable : Variable.values()) {
      assertThat(rows).as("README row of %s", variable).containsKey(variable.name());
      Row row = rows.get(variable.name());
      assertThat(row.documentedDefault())
          .as("README default of %s", variable)
          .isEqualTo(variable.documentedDefault());
      assertThat(row.meaning()).as("README meaning of %s", variable).isEqualTo(variable.meaning());
    }
  }

  @Test
  void readmeTableIsTheCatalogueInOrder() throws IOException {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    int start = readme.indexOf(START);
    int end = readme.indexOf(END);
    assertThat(start).as("README has the marker " + START).isGreaterThanOrEqualTo(0);
    assertThat(end).as("README has the marker " + END).isGreaterThan(start);
    String expected = START + "\n" + markdown() + END;
    String actual = readme.substring(start, end + END.length());
    if (Boolean.getBoolean("cifed.updateGoldens") && !actual.equals(expected)) {
      Files.writeString(
          README,
          readme.substring(0, start) + expected + readme.substring(end + END.length()),
          StandardCharsets.UTF_8);
      System.err.println("updated the configuration table in " + README);
      return;
    }
    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void theChartSetsOnlyCataloguedVariables() throws IOException {
    String template = Files.readString(DEPLOYMENT, StandardCharsets.UTF_8);
    Matcher names = Pattern.compile("\"?((?:CIFED|AWS)_[A-Z0-9_]+)\"?").matcher(template);
    Set<String> set = new TreeSet<>();
    while (names.find()) {
      set.add(names.group(1));
    }
    assertThat(set).as("variables in the chart's deployment").isNotEmpty();
    assertThat(set)
        .isSubsetOf(Arrays.stream(Variable.values()).map(Enum::name).collect(Collectors.toSet()));
  }

  static String markdown() {
    return HEADER
        + Arrays.stream(Variable.values())
            .map(v -> v.tableRow() + "\n")
            .collect(Collectors.joining());
  }

  private static Map<String, Row> readmeRows() throws IOException {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    int start = readme.indexOf(START);
    int end = readme.indexOf(END);
    assertThat(start).as("README has the marker " + START).isGreaterThanOrEqualTo(0);
    assertThat(end).as("README has the marker " + END).isGreaterThan(start);
    List<String> lines =
        readme.substring(start, end).lines().filter(l -> l.startsWith("| `")).toList();
    Map<String, Row> rows = new LinkedHashMap<>();
    for (String line : lines) {
      Matcher row = ROW.matcher(line);
      assertThat(row.matches()).as("a row of one variable, meaning and default: %s", line).isTrue();
      assertThat(rows.put(row.group(1), new Row(row.group(2), row.group(3))))
          .as("one row for %s", row.group(1))
          .isNull();
    }
    return rows;
  }
}
