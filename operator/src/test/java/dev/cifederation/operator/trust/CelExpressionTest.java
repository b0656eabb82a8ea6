package dev.cifederation.operator.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The CEL subset of GCP attribute mappings and conditions, evaluated over a GitHub token. */
class CelExpressionTest {

  private static final Map<String, Object> VARIABLES =
      Map.of(
          "assertion",
          Tokens.with(Tokens.production(), "groups", List.of("deployers", "admins")),
          "attribute",
          Map.of("repository", "my-org/my-app"));

  private static Object eval(String expression) {
    return CelExpression.parse(expression).evaluate(VARIABLES);
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
        .isInstanceOf(CelExpression.EvaluationException.class)
        .hasMessage("no such key: 'missing'");
  }

  @ParameterizedTest
  @CsvSource(
      delimiterString = " => ",
      quoteCharacter = '~',
      value = {
        "assertion.repository && true => '&&' needs a bool, got string 'my-org/my-app'",
        "nobody.sub == 'x' => undeclared reference to 'nobody'",
        "assertion.repository.startsWith(1) => no such overload: startsWith on int",
        "assertion.repository.matches('[') => invalid regular expression '['",
        "assertion.repository.frobnicate() => unknown function 'frobnicate'",
        "assertion.repository < 1 => no such overload: string < int",
      })
  void errorsSayWhat(String expression, String message) {
    assertThatThrownBy(() -> eval(expression))
        .isInstanceOf(CelExpression.EvaluationException.class)
        .hasMessageStartingWith(message);
  }

  @ParameterizedTest
  @CsvSource(
      delimiterString = " => ",
      quoteCharacter = '~',
      value = {
        "assertion.sub == 'x => position 17 of 'assertion.sub == 'x': unterminated string literal",
        "assertion.sub === 'x' => position 16",
        "(assertion.sub == 'x' => expected ')'",
        "assertion.sub == 'x' ) => unexpected ')'",
        "assertion. == 'x' => expected a field name",
        "assertion.sub == 'x' # => unexpected character '#'",
        "'\\q' => unknown escape",
      })
  void syntaxErrorsNameThePosition(String expression, String message) {
    assertThatThrownBy(() -> CelExpression.parse(expression))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CEL syntax error")
        .hasMessageContaining(message);
  }

  /** What the compiler quotes reads back as the same value: no injection through a literal. */
  @ParameterizedTest
  @MethodSource("dev.cifederation.operator.trust.CelTest#literals")
  void compilerLiteralsReadBackExactly(String value, String literal) {
    assertThat(CelExpression.parse(Cel.quote(value)).evaluate(Map.of())).isEqualTo(value);
    assertThat(CelExpression.parse(literal).evaluate(Map.of())).isEqualTo(value);
  }
}
