package dev.cifederation.operator.cloud.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CelTextTest {

  @ParameterizedTest(name = "[{0}] == [{1}]")
  @CsvSource(
      delimiter = '|',
      value = {
        "assertion.repository == 'my-org/my-app' | assertion.repository=='my-org/my-app'",
        "a == 'x' && b == 'y' | a=='x'&&b=='y'",
        "a == 'x' | a == \"x\"",
        "a == 'it\\'s' | a == \"it's\"",
        "a == r'x\\y' | a == 'x\\\\y'",
        "  assertion.sub  | assertion.sub",
        "a == '''x''' | a == 'x'",
      })
  void sameExpressionIgnoresSpacingAndQuoting(String a, String b) {
    assertThat(CelText.sameExpression(a, b)).isTrue();
  }

  @ParameterizedTest(name = "[{0}] != [{1}]")
  @CsvSource(
      delimiter = '|',
      value = {
        "assertion.repository == 'my-org/my-app' | assertion.repository == 'my-org/other'",
        "assertion.repository == 'my-org/my-app' | assertion.repository_owner == 'my-org'",
        "a == 'x' && b == 'y' | a == 'x' || b == 'y'",
        "a == 'x y' | a == 'x  y'",
        "a == 'x' | a != 'x'",
        "a == 'x' && b == 'y' | a == 'x'",
        "a == 'x' | a == 'x",
        "a.b | ab",
      })
  void anyChangeOfMeaningIsADifference(String a, String b) {
    assertThat(CelText.sameExpression(a, b)).isFalse();
  }

  @ParameterizedTest
  @CsvSource(
      value = {"''", "'   '"},
      nullValues = "null")
  void blankIsTheEmptyExpression(String blank) {
    assertThat(CelText.sameExpression(blank, null)).isTrue();
    assertThat(CelText.sameExpression(blank, "true")).isFalse();
  }
}
