package dev.cifederation.operator.trust;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CelTest {

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
