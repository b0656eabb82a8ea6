package dev.cifederation.operator.trust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.SubjectKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's subject table is the dialect table, rendered: this test fails when they differ
 * (regenerate with {@code -Dcifed.updateGoldens=true}), and every API dialect has an entry.
 */
class DialectTableTest {

  private static final Path README = Path.of("..", "README.md");
  private static final String START = "<!-- subject-table:start (generated from trust/Dialect) -->";
  private static final String END = "<!-- subject-table:end -->";

  private static final Map<SubjectKind, String> SELECTOR_VALUE =
      Map.of(
          SubjectKind.environment, "ENVIRONMENT",
          SubjectKind.branch, "BRANCH",
          SubjectKind.tag, "TAG",
          SubjectKind.workspace, "WORKSPACE",
          SubjectKind.serviceConnection, "CONNECTION");

  @Test
  void everyDialectHasATableEntryWithDocumentation() {
    for (IssuerDialect id : IssuerDialect.values()) {
      Dialect dialect = Dialect.of(id);
      assertThat(dialect.documentation()).as(id + " documentation").startsWith("https://");
      assertThat(dialect.forms()).as(id + " selectors").isNotEmpty();
      assertThat(dialect.repository().matcher(dialect.example()).matches())
          .as(id + " example repository " + dialect.example())
          .isTrue();
    }
  }

  @Test
  void readmeSubjectTableIsTheDialectTable() throws IOException {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    int start = readme.indexOf(START);
    int end = readme.indexOf(END);
    assertThat(start).as("README has the marker " + START).isGreaterThanOrEqualTo(0);
    assertThat(end).as("README has the marker " + END).isGreaterThan(start);
    String expected = START + "\n" + markdown() + END;
    String actual = readme.substring(start, end + END.length());
    if (Boolean.getBoolean(Goldens.UPDATE_PROPERTY) && !actual.equals(expected)) {
      Files.writeString(
          README,
          readme.substring(0, start) + expected + readme.substring(end + END.length()),
          StandardCharsets.UTF_8);
      System.err.println("updated the subject table in " + README);
      return;
    }
    assertThat(actual).isEqualTo(expected);
  }

  static String markdown() {
    StringBuilder out =
        new StringBuilder(
            "| CI system (`dialect`) | issuer | `spec.repository` | selector → `sub` | AWS | GCP"
                + " `google.subject` | Azure |\n"
                + "|---|---|---|---|---|---|---|\n");
    for (Dialect dialect : Dialect.all()) {
      boolean first = true;
      for (Map.Entry<SubjectKind, Dialect.Form> entry : dialect.forms().entrySet()) {
        SubjectKind kind = entry.getKey();
        Dialect.Form form = entry.getValue();
        String subject = fill(dialect, kind, form.stable() + form.rest());
        out.append("| ")
            .append(
                first
                    ? "["
                        + dialect.ciName()
                        + "]("
                        + dialect.documentation()
                        + ") (`"
                        + dialect.id()
                        + "`)"
                    : "")
            .append(" | ")
            .append(first ? "`" + dialect.issuerShape() + "`" : "")
            .append(" | ")
            .append(first ? "`" + dialect.repositoryShape() + "`" : "")
            .append(" | ")
            .append(selector(kind))
            .append(" → `")
            .append(subject)
            .append("` | ")
            .append(form.perRun() ? "`StringLike`" : "`StringEquals`")
            .append(", aud `")
            .append(dialect.defaultAwsAudience())
            .append("` | ")
            .append(
                form.perRun()
                    ? "`" + fill(dialect, kind, form.stable()) + "` (extracted from `sub`)"
                    : "`sub`")
            .append(" | ")
            .append(form.perRun() ? "— (the `sub` varies per run)" : "exact `sub`")
            .append(" |\n");
        first = false;
      }
    }
    return out.toString();
  }

  private static String selector(SubjectKind kind) {
    return switch (kind) {
      case pullRequest, everyRun -> "`" + kind + ": true`";
      case workspace -> "`workspace` + `runPhase`";
      default -> "`" + kind + "`";
    };
  }

  private static String value(Dialect dialect, SubjectKind kind) {
    if (dialect.id() == IssuerDialect.BitbucketPipelines && kind == SubjectKind.environment) {
      return "ENVIRONMENT_UUID";
    }
    return SELECTOR_VALUE.getOrDefault(kind, kind.name().toUpperCase(java.util.Locale.ROOT));
  }

  private static String fill(Dialect dialect, SubjectKind kind, String template) {
    String shape = dialect.repositoryShape().split(" ", -1)[0];
    String[] parts = shape.split("/", -1);
    return template
        .replace("<repo>", shape)
        .replace("<0>", parts[0])
        .replace("<1>", parts.length > 1 ? parts[1] : "")
        .replace("<jobPath>", String.join("/job/", Arrays.asList(parts)))
        .replace("<root>", "https://JENKINS_ROOT")
        .replace("<phase>", "plan|apply")
        .replace("<value>", value(dialect, kind))
        .replace("|", "\\|");
  }
}
