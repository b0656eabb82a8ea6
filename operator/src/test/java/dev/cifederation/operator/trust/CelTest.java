package dev.cifederation.operator.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CEL of GCP attribute mappings and conditions, evaluated over a GitHub token, and the literals
 * the compiler writes conditions with.
 */
class CelTest {

  private static final Map<String, Object> VARIABLES =
      Map.of(
          "assertion",
          Tokens.with(Tokens.production(), "groups", List.of("deployers", "admins")),
          "attribute",
          Map.of("repository", "my-org/my-app"));

  private static Object eval(String expression) {
    return Cel.parse(expression).evaluate(VARIABLES);
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(
      delimiterString = " => ",
      quoteCharacter = '~',
      value = {
        "assertion.repository == 'my-org/my-app' => true",
        "assertion.repository == \"my-org/my-app\" => true",
        "assertion.repository != 'my-org/my-app' => false",
        "assertion.repository == 'my-org/my-app' && assertion.ref == 'refs/heads/main' => true",
        "assertion.repository == 'my-org/my-app' && assertion.ref == 'refs/heads/dev' => false",
        "assertion.ref == 'refs/heads/dev' || assertion.environment == 'production' => true",
        "!(assertion.event_name == 'pull_request') => true",
        "assertion.environment in ['staging', 'production'] => true",
        "assertion.environment in ['staging'] => false",
        "'deployers' in assertion.groups => true",
        "assertion.ref.startsWith('refs/heads/') => true",
        "assertion.ref.endsWith('/main') => true",
        "assertion.job_workflow_ref.contains('@refs/heads/main') => true",
        "assertion.repository.matches('^my-org/') => true",
        "assertion.repository.matches('^other/') => false",
        "assertion.repository_owner + '/' + 'my-app' == assertion.repository => true",
        "has(assertion.environment) && !has(assertion.head_ref) => true",
        "assertion.groups.exists(g, g == 'admins') => true",
        "assertion.groups.all(g, g.endsWith('s')) => true",
        "size(assertion.groups) == 2 => true",
        "assertion.sub.extract('repo:{repo}:') == 'my-org/my-app' => true",
        "attribute.repository == 'my-org/my-app' => true",
        "(assertion.ref == 'refs/heads/main' ? 'main' : 'other') == 'main' => true",
        "int(assertion.repository_id) > 1000 => true",
        "r'a\\b' == 'a\\\\b' => true",
        "'''it's''' == \"it's\" => true",
      })
  void evaluates(String expression, boolean expected) {
    assertThat(eval(expression)).isEqualTo(expected);
  }

  @Test
  void mapsValues() {
    assertThat(eval("assertion.repository + '/' + assertion.environment"))
        .isEqualTo("my-org/my-app/production");
    assertThat(eval("assertion.sub")).isEqualTo("repo:my-org/my-app:environment:production");
    assertThat(eval("assertion.groups")).isEqualTo(List.of("deployers", "admins"));
  }

  @Test
  void falseAndAnErrorIsFalseButTrueAndAnErrorIsAnError() {
    // CEL's commutative logic: the side that decides wins over the side that fails.
    assertThat(eval("assertion.missing == 'x' && false")).isEqualTo(false);
    assertThat(eval("false && assertion.missing == 'x'")).isEqualTo(false);
    assertThat(eval("assertion.missing == 'x' || true")).isEqualTo(true);
    assertThatThrownBy(() -> eval("true && assertion.missing == 'x'"))
        .isInstanceOf(Cel.EvaluationException.class)
        .hasMessageContaining("key 'missing' is not present in map");
  }

  @ParameterizedTest
  @CsvSource(
      delimiterString = " => ",
      quoteCharacter = '~',
      value = {
        "assertion.repository && true => expected boolean value, found: my-org/my-app",
        "assertion.repository.matches('[') => error parsing regexp: missing closing ]",
        "assertion.repository < 1 => No matching overload for function '_<_'",
        "assertion.sub.extract('repo') => extract() template 'repo' needs one {placeholder}",
      })
  void errorsSayWhat(String expression, String message) {
    assertThatThrownBy(() -> eval(expression))
        .isInstanceOf(Cel.EvaluationException.class)
        .hasMessageContaining(message);
  }

  /** Refused when parsed and type-checked, as GCP refuses them when the provider is created. */
  @ParameterizedTest
  @CsvSource(
      delimiterString = " => ",
      quoteCharacter = '~',
      value = {
        "assertion.sub == 'x => at 1:18: token recognition error",
        "assertion.sub === 'x' => at 1:17",
        "(assertion.sub == 'x' => missing ')'",
        "assertion.sub == 'x' ) => extraneous input ')'",
        "assertion. == 'x' => at 1:12",
        "assertion.sub == 'x' # => token recognition error at: '#'",
        "'\\q' => at 1:1",
        "nobody.sub == 'x' => undeclared reference to 'nobody'",
        "assertion.repository.frobnicate() => undeclared reference to 'frobnicate'",
        "assertion.repository.startsWith(1) => no matching overload for 'startsWith'",
        "1 == 1.0 => no matching overload for '_==_'",
      })
  void refusalsSayWhereAndWhy(String expression, String message) {
    assertThatThrownBy(() -> Cel.parse(expression))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("CEL syntax error in ")
        .hasMessageContaining(message)
        .hasMessageNotContaining("\n");
  }

  @Test
  void limitsLengthNestingAndRegexSize() {
    assertThatThrownBy(() -> Cel.parse("'" + "x".repeat(Cel.MAX_LENGTH) + "'"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the expression is 16386 characters long, more than 16384");
    String deep = "(".repeat(Cel.MAX_DEPTH + 1) + "1" + ")".repeat(Cel.MAX_DEPTH + 1);
    assertThatThrownBy(() -> Cel.parse(deep))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("nests deeper than 100 levels");
    assertThat(Cel.parse("(".repeat(20) + "1" + ")".repeat(20)).evaluate(Map.of())).isEqualTo(1L);
    assertThatThrownBy(() -> eval("assertion.sub.matches('((a{20}){20}){30}')"))
        .isInstanceOf(Cel.EvaluationException.class)
        .hasMessageContaining("exceeds allowed program size");
  }

  @Test
  void matchesIsUnanchoredRe2() {
    assertThat(eval("assertion.repository.matches('org/my')")).isEqualTo(true);
    assertThat(eval("assertion.repository.matches('^org/my')")).isEqualTo(false);
    // RE2 has no backreferences: a pattern with one is refused, never run by backtracking
    assertThatThrownBy(() -> eval("assertion.repository.matches('(a)\\\\1')"))
        .isInstanceOf(Cel.EvaluationException.class);
  }

  @Test
  void claimsAreTakenAsPlainJavaValues() {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("run_number", 42); // an Integer, as a hand-built token may hold
    claims.put("head_ref", null);
    claims.put("nested", Map.of("ids", List.of(1, 2)));
    Map<String, Object> variables = Map.of("assertion", claims);

    assertThat(Cel.parse("assertion.run_number == 42").evaluate(variables)).isEqualTo(true);
    assertThat(Cel.parse("assertion.head_ref == null").evaluate(variables)).isEqualTo(true);
    assertThat(Cel.parse("assertion.head_ref").evaluate(variables)).isNull();
    assertThat(Cel.parse("assertion.nested.ids").evaluate(variables)).isEqualTo(List.of(1L, 2L));
  }

  @Test
  void anExpressionIsParsedOnceAndPrintsItsParts() {
    Cel.Expression parsed = Cel.parse("assertion.groups.exists(g, g == 'admins') && true");
    assertThat(Cel.parse("assertion.groups.exists(g, g == 'admins') && true")).isSameAs(parsed);
    assertThat(parsed.print(parsed.syntax().call().args().get(0)))
        .isEqualTo("assertion.groups.exists(g, g == \"admins\")");
    assertThat(Cel.dottedName(Cel.parse("assertion.sub").syntax())).isEqualTo("assertion.sub");
    assertThat(Cel.dottedName(Cel.parse("assertion['sub']").syntax())).isNull();
  }

  /** What the compiler quotes reads back as the same value: no injection through a literal. */
  @ParameterizedTest
  @MethodSource("literals")
  void compilerLiteralsReadBackExactly(String value, String literal) {
    assertThat(Cel.parse(Cel.quote(value)).evaluate(Map.of())).isEqualTo(value);
    assertThat(Cel.parse(literal).evaluate(Map.of())).isEqualTo(value);
  }

  static Stream<Arguments> literals() {
    return Stream.of(
        Arguments.of("my-org/my-app", "'my-org/my-app'"),
        Arguments.of("", "''"),
        Arguments.of("it's", "'it\\'s'"),
        Arguments.of("a\\b", "'a\\\\b'"),
        // A backslash before a quote must not turn the escaped quote back into a closing one.
        Arguments.of("\\'", "'\\\\\\''"),
        // An injection attempt stays inside the literal.
        Arguments.of("x' || true || 'y", "'x\\' || true || \\'y'"),
        Arguments.of("a\nb\tc\rd", "'a\\nb\\tc\\rd'"),
        Arguments.of("bell\u0007", "'bell\\x07'"),
        Arguments.of("\"double\"", "'\"double\"'"),
        Arguments.of("ünïcödé", "'ünïcödé'"));
  }

  @ParameterizedTest
  @MethodSource("literals")
  void quotesAsASingleQuotedLiteral(String value, String literal) {
    assertThat(Cel.quote(value)).isEqualTo(literal);
  }

  @ParameterizedTest
  @MethodSource("literals")
  void quotedLiteralHasNoUnescapedQuoteInside(String value, String literal) {
    String inner = Cel.quote(value).substring(1, literal.length() - 1);
    boolean escaped = false;
    for (char c : inner.toCharArray()) {
      assertThat(!escaped && c == '\'').as("unescaped quote in %s", inner).isFalse();
      escaped = !escaped && c == '\\';
    }
    assertThat(escaped).as("dangling backslash in %s", inner).isFalse();
  }
}
