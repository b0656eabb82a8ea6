package dev.cifederation.operator.trust;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * CEL's results on every CEL expression the tests use and every attribute condition and mapping the
 * compiler writes for the goldens, each on tokens that pass it, fail it and break it (a claim
 * missing, null, of another type, another value): the value, an evaluation error, or a refusal to
 * parse or type-check. The results are recorded in {@code cel-golden/results.jsonl}; any change
 * fails, and after an intended one the recording is rewritten with {@code
 * -Dcifed.updateGoldens=true} and the diff reviewed.
 *
 * <p>The recording was made by running the operator's former hand-written CEL engine and CEL-Java
 * side by side: they agreed on every case except the expressions of {@link #DELIBERATE}, where the
 * hand-written engine was wrong by the CEL specification and CEL-Java's result was kept.
 */
class CelRegressionTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path RECORDED = Goldens.locate("cel-golden").resolve("results.jsonl");

  /**
   * Where the former hand-written engine was wrong by the CEL specification and CEL-Java's result
   * was kept: expression → CEL's result on the first token, and why. "Refused" means the type check
   * refuses the expression, as GCP does when the provider is created, where the hand-written engine
   * only failed (or worse, succeeded) on evaluation.
   */
  static final Map<String, Difference> DELIBERATE =
      Map.ofEntries(
          Map.entry(
              "assertion.repository.lowerAscii() == assertion.repository.upperAscii().lowerAscii()",
              new Difference(
                  "value true",
                  "the hand-written lowerAscii()/upperAscii() wanted an argument and always failed")),
          Map.entry(
              "nobody.sub == 'x'", new Difference("invalid", "refused: an undeclared variable")),
          Map.entry(
              "assertion.repository.startsWith(1)",
              new Difference("invalid", "refused: startsWith takes a string")),
          Map.entry(
              "assertion.repository.frobnicate()",
              new Difference("invalid", "refused: no such function")),
          Map.entry("'a' + 1", new Difference("invalid", "refused: no + for string and int")),
          Map.entry(
              "1 == 1.0",
              new Difference("invalid", "refused: == of int and double does not type-check")),
          Map.entry(
              "1.5 < 2",
              new Difference("invalid", "refused: < of double and int does not type-check")),
          Map.entry(
              "true ? 1 : 'a'",
              new Difference("invalid", "refused: the branches of ?: differ in type")),
          Map.entry(
              "9223372036854775807 + 1",
              new Difference("error", "int overflow is an error in CEL; it used to wrap around")),
          Map.entry(
              "-9223372036854775808",
              new Difference("value -9223372036854775808", "the smallest int is a valid literal")),
          Map.entry(
              "1u == 1u",
              new Difference(
                  "value true", "uint literals are CEL; the hand-written lexer did not know them")),
          Map.entry(
              "b'abc' == b'abc'",
              new Difference("value true", "bytes literals are CEL; so were they not")),
          Map.entry("double(1)", new Difference("value 1.0d", "double() is a standard function")),
          Map.entry(
              "type(1) == int", new Difference("value true", "type() is a standard function")),
          Map.entry("dyn(1) == 1", new Difference("value true", "dyn() is a standard function")),
          Map.entry(
              "assertion.groups.exists_one(g, g == 'admins')",
              new Difference("value true", "a standard macro")),
          Map.entry(
              "assertion.groups.map(g, g + '!')",
              new Difference("value [\"deployers!\", \"admins!\"]", "a standard macro")),
          Map.entry(
              "assertion.groups.filter(g, g.startsWith('d'))",
              new Difference("value [\"deployers\"]", "a standard macro")));

  record Difference(String result, String why) {}

  /** Expressions of the CEL tests and of the evaluator, lint and who-can-assume tests. */
  static final List<String> EXPRESSIONS =
      List.of(
          // CelTest: values
          "assertion.repository == 'my-org/my-app'",
          "assertion.repository == \"my-org/my-app\"",
          "assertion.repository != 'my-org/my-app'",
          "assertion.repository == 'my-org/my-app' && assertion.ref == 'refs/heads/main'",
          "assertion.repository == 'my-org/my-app' && assertion.ref == 'refs/heads/dev'",
          "assertion.ref == 'refs/heads/dev' || assertion.environment == 'production'",
          "!(assertion.event_name == 'pull_request')",
          "assertion.environment in ['staging', 'production']",
          "assertion.environment in ['staging']",
          "'deployers' in assertion.groups",
          "assertion.ref.startsWith('refs/heads/')",
          "assertion.ref.endsWith('/main')",
          "assertion.job_workflow_ref.contains('@refs/heads/main')",
          "assertion.repository.matches('^my-org/')",
          "assertion.repository.matches('^other/')",
          "assertion.repository.matches('my-org')",
          "assertion.repository_owner + '/' + 'my-app' == assertion.repository",
          "has(assertion.environment) && !has(assertion.head_ref)",
          "assertion.groups.exists(g, g == 'admins')",
          "assertion.groups.all(g, g.endsWith('s'))",
          "size(assertion.groups) == 2",
          "size(assertion.sub)",
          "assertion.sub.extract('repo:{repo}:') == 'my-org/my-app'",
          "assertion.sub.extract('{stable}:environment:')",
          "assertion.sub.extract('nothing')",
          "attribute.repository == 'my-org/my-app'",
          "(assertion.ref == 'refs/heads/main' ? 'main' : 'other') == 'main'",
          "int(assertion.repository_id) > 1000",
          "string(1) + assertion.repository_id",
          "r'a\\b' == 'a\\\\b'",
          "'''it's''' == \"it's\"",
          "assertion.repository.lowerAscii() == assertion.repository.upperAscii().lowerAscii()",
          "assertion.repository + '/' + assertion.environment",
          "assertion.sub",
          "assertion.groups",
          "[1, 2] + [3]",
          "{'a': 1}['a']",
          "1 + 2 * 3 - 4 / 2 % 3",
          "1 / 0",
          "null",
          "assertion.missing",
          // CelTest: CEL's commutative && and ||
          "assertion.missing == 'x' && false",
          "false && assertion.missing == 'x'",
          "assertion.missing == 'x' || true",
          "true && assertion.missing == 'x'",
          // CelTest: errors
          "assertion.repository && true",
          "nobody.sub == 'x'",
          "assertion.repository.startsWith(1)",
          "assertion.repository.matches('[')",
          "assertion.repository.frobnicate()",
          "assertion.repository < 1",
          "assertion.repository == 1",
          "1 == 1.0",
          // CelTest: syntax errors
          "assertion.sub == 'x",
          "assertion.sub === 'x'",
          "(assertion.sub == 'x'",
          "assertion.sub == 'x' )",
          "assertion. == 'x'",
          "assertion.sub == 'x' #",
          "'\\q'",
          "",
          // evaluator, lint, who-can-assume and adapter tests
          "assertion.repository_owner == 'my-org'",
          "assertion.repository == 'my-org/my-app' && assertion.event_name != 'pull_request'",
          "assertion.environment == 'production'",
          "attribute.repository == 'my-org/my-app' && google.subject.endsWith(':environment:production')",
          "attribute.repository_owner == 'my-org'",
          "assertion.repository == 'my-org/my-app' && assertion.ref.matches('^refs/heads/(main|release)$')",
          "assertion.repository == 'my-org/my-app' && assertion.sub == 'repo:my-org/my-app:environment:staging'",
          "assertion.sub == 'repo:my-org/my-app:environment:production'",
          "assertion.sub == 'repo:secret-org/secret-repo:ref:refs/heads/x'",
          "assertion.repository_id == '123456789'",
          "assertion.repository_owner_id == '987654'",
          "assertion.sub != ''",
          "assertion . sub ",
          "assertion.sub.matches('^(a+)+$')",
          "assertion.actor",
          "true");

  /** Corners of the CEL specification, on the first token only. */
  static final List<String> CORNERS =
      List.of(
          "9223372036854775807 + 1",
          "-9223372036854775808",
          "0x10 == 16",
          "1u == 1u",
          "b'abc' == b'abc'",
          "'\\u00e9' == '\u00e9'",
          "size('\u00fcn\u00efc\u00f6d\u00e9')",
          "'a' + 1",
          "'a' < 'b'",
          "1.5 < 2",
          "[1] == [1]",
          "{'a': 1} == {'a': 1}",
          "[1, 2][5]",
          "{'a': 1}.b",
          "int('x')",
          "int(1.9)",
          "double(1)",
          "string(true)",
          "'abc'.matches('(?i)ABC')",
          "'abc'.matches('^b')",
          "assertion.sub.contains('')",
          "has(assertion.sub.x)",
          "type(1) == int",
          "dyn(1) == 1",
          "true ? 1 : 'a'",
          "assertion.groups.exists_one(g, g == 'admins')",
          "assertion.groups.map(g, g + '!')",
          "assertion.groups.filter(g, g.startsWith('d'))",
          "assertion.repository.size()");

  /** The tokens the fixed expressions are evaluated on, with the attributes GCP would map. */
  static Map<String, Map<String, Object>> tokens() {
    Map<String, Map<String, Object>> tokens = new LinkedHashMap<>();
    tokens.put(
        "production with groups",
        Tokens.with(Tokens.production(), "groups", List.of("deployers", "admins")));
    tokens.put("production", Tokens.production());
    tokens.put("fork pull request", Tokens.forkPullRequest());
    tokens.put("side branch", Tokens.sideBranch());
    tokens.put("other repository", Tokens.otherRepository());
    tokens.put("GitLab main", Tokens.gitLabMain());
    return tokens;
  }

  private static Map<String, Object> variables(Map<String, Object> claims) {
    Map<String, Object> attribute = new LinkedHashMap<>();
    for (String claim : List.of("repository", "repository_owner", "project_path")) {
      if (claims.containsKey(claim)) {
        attribute.put(claim, claims.get(claim));
      }
    }
    return Map.of(
        "assertion",
        claims,
        "attribute",
        attribute,
        "google",
        Map.of("subject", claims.get("sub")));
  }

  /** One expression on one set of variables. */
  record Case(String expression, String on, Map<String, Object> variables) {
    String key() {
      return on + " | " + expression;
    }
  }

  static List<Case> cases() throws IOException {
    List<Case> cases = new ArrayList<>();
    for (String expression : EXPRESSIONS) {
      tokens().forEach((name, claims) -> cases.add(new Case(expression, name, variables(claims))));
    }
    Map.Entry<String, Map<String, Object>> first = tokens().entrySet().iterator().next();
    for (String expression : CORNERS) {
      cases.add(new Case(expression, first.getKey(), variables(first.getValue())));
    }
    for (String literal :
        CelTest.literals().map(a -> (String) a.get()[1]).collect(Collectors.toList())) {
      cases.add(new Case(literal, "nothing", Map.of()));
    }
    cases.addAll(goldenCases());
    return cases;
  }

  // ------------------------------------------------------------------------------- goldens

  private static final Pattern CLAIM =
      Pattern.compile("assertion(?:\\.([A-Za-z_][A-Za-z0-9_]*)|\\['((?:[^'\\\\]|\\\\.)*)'\\])");
  private static final String LITERAL = "'((?:[^'\\\\]|\\\\.)*)'";

  /**
   * Every condition and mapping of the goldens, on a token that satisfies each comparison the
   * condition makes and on variations of it: each claim it reads absent, null, a number, a list,
   * another value, or any other value the condition compares it with.
   */
  static List<Case> goldenCases() throws IOException {
    List<Case> cases = new ArrayList<>();
    List<Path> goldens;
    try (Stream<Path> files = Files.list(Goldens.DIR)) {
      goldens = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    }
    for (Path golden : goldens) {
      JsonNode gcp = JSON.readTree(golden.toFile()).path("gcp");
      if (gcp.isMissingNode() || gcp.isNull()) {
        continue;
      }
      String condition = gcp.path("attributeCondition").asText("");
      List<String> expressions = new ArrayList<>();
      expressions.add(condition);
      gcp.path("attributeMapping").forEach(m -> expressions.add(m.asText()));
      Map<String, List<String>> candidates = new LinkedHashMap<>();
      for (String expression : expressions) {
        Matcher claim = CLAIM.matcher(expression);
        while (claim.find()) {
          String name = claim.group(1) != null ? claim.group(1) : unescape(claim.group(2));
          List<String> values = candidates.computeIfAbsent(name, n -> new ArrayList<>());
          String reference = Pattern.quote(claim.group());
          Matcher equals = Pattern.compile(reference + "\\s*==\\s*" + LITERAL).matcher(condition);
          while (equals.find()) {
            values.add(unescape(equals.group(1)));
          }
          Matcher prefix =
              Pattern.compile(reference + "\\.startsWith\\(" + LITERAL + "\\)").matcher(condition);
          while (prefix.find()) {
            values.add(unescape(prefix.group(1)) + "run-1/user/42");
          }
        }
      }
      Map<String, Object> passing = new LinkedHashMap<>();
      candidates.forEach(
          (name, values) -> passing.put(name, values.isEmpty() ? "x" : values.get(0)));
      Map<String, Map<String, Object>> tokens = new LinkedHashMap<>();
      tokens.put("passing", passing);
      candidates.forEach(
          (name, values) -> {
            Object value = passing.get(name);
            tokens.put(name + " absent", Tokens.with(passing, name, null));
            Map<String, Object> nulled = new LinkedHashMap<>(passing);
            nulled.put(name, null);
            tokens.put(name + " null", nulled);
            tokens.put(name + " a number", Tokens.with(passing, name, 7L));
            tokens.put(name + " a list", Tokens.with(passing, name, List.of(value)));
            tokens.put(name + " another value", Tokens.with(passing, name, value + "-other"));
            for (int i = 1; i < values.size(); i++) {
              tokens.put(name + " = value " + (i + 1), Tokens.with(passing, name, values.get(i)));
            }
          });
      String name = golden.getFileName().toString();
      for (String expression : new LinkedHashSet<>(expressions)) {
        tokens.forEach(
            (token, claims) ->
                cases.add(new Case(expression, name + ", " + token, Map.of("assertion", claims))));
      }
    }
    return cases;
  }

  private static String unescape(String literal) {
    return literal.replaceAll("\\\\(.)", "$1");
  }

  // ------------------------------------------------------------------------------- results

  /** A result both engines can be compared by: the value, "error" or "invalid". */
  static String result(Function<String, Object> engine, String expression) {
    Object value;
    try {
      value = engine.apply(expression);
    } catch (IllegalArgumentException invalid) {
      return "invalid";
    } catch (Cel.EvaluationException error) {
      return "error";
    }
    return "value " + render(value);
  }

  static String render(Object value) {
    if (value instanceof String s) {
      try {
        return JSON.writeValueAsString(s);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    if (value instanceof List<?> list) {
      return list.stream()
          .map(CelRegressionTest::render)
          .collect(Collectors.joining(", ", "[", "]"));
    }
    if (value instanceof Map<?, ?> map) {
      return map.entrySet().stream()
          .map(e -> render(e.getKey()) + ": " + render(e.getValue()))
          .collect(Collectors.joining(", ", "{", "}"));
    }
    if (value instanceof Double d) {
      return d + "d";
    }
    return String.valueOf(value);
  }

  @Test
  void resultsAreTheRecordedOnes() throws IOException {
    Map<String, String> recorded = new LinkedHashMap<>();
    if (Files.exists(RECORDED)) {
      for (String line : Files.readAllLines(RECORDED)) {
        JsonNode entry = JSON.readTree(line);
        recorded.put(
            entry.get("on").asText() + " | " + entry.get("expression").asText(),
            entry.get("result").asText());
      }
    }
    List<String> changed = new ArrayList<>();
    StringBuilder results = new StringBuilder();
    for (Case c : cases()) {
      String result = result(e -> Cel.parse(e).evaluate(c.variables()), c.expression());
      String expected = recorded.get(c.key());
      if (expected != null && !expected.equals(result)) {
        changed.add(c.key() + "\n    recorded: " + expected + "\n    now:      " + result);
      }
      results.append(line(c, result)).append('\n');
    }
    if (!Boolean.getBoolean(Goldens.UPDATE_PROPERTY)) {
      assertThat(changed).as("results that differ from the recording").isEmpty();
    }
    Goldens.assertMatches(RECORDED, results.toString());
  }

  @Test
  void whereTheHandWrittenEngineWasWrongCelSaysWhatTheSpecificationDoes() {
    Map<String, Object> variables = variables(tokens().values().iterator().next());
    DELIBERATE.forEach(
        (expression, difference) ->
            assertThat(result(e -> Cel.parse(e).evaluate(variables), expression))
                .as("%s (%s)", expression, difference.why())
                .isEqualTo(difference.result()));
  }

  static String line(Case c, String result) throws IOException {
    Map<String, String> line = new LinkedHashMap<>();
    line.put("on", c.on());
    line.put("expression", c.expression());
    line.put("result", result);
    return JSON.writeValueAsString(line);
  }
}
