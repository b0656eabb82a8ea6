package dev.cifederation.operator.cloud.gcp;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Compares CEL expressions (attribute conditions and mappings) as token sequences, so that a
 * harmless re-spacing ({@code a=='x'} vs {@code a == 'x'}) or quoting ({@code 'x'} vs {@code "x"})
 * is not mistaken for drift, while any change of an identifier, operator or literal value is.
 *
 * <p>This is a lexer, not a CEL evaluator: {@code a && b} and {@code b && a} count as different.
 * Erring that way costs one unnecessary patch; the opposite would leave a changed condition alone.
 */
final class CelText {

  private CelText() {}

  /** Whether two expressions have the same tokens; null and blank are the empty expression. */
  static boolean sameExpression(String a, String b) {
    return tokens(a).equals(tokens(b));
  }

  static List<String> tokens(String expression) {
    List<String> tokens = new ArrayList<>();
    if (expression == null) {
      return tokens;
    }
    int i = 0;
    int n = expression.length();
    while (i < n) {
      char c = expression.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (isQuote(c) || (isRawPrefix(c) && i + 1 < n && isQuote(expression.charAt(i + 1)))) {
        boolean raw = !isQuote(c);
        int start = raw ? i + 1 : i;
        StringBuilder value = new StringBuilder();
        i = readString(expression, start, raw, value);
        tokens.add("s:" + value);
      } else if (Character.isLetterOrDigit(c) || c == '_') {
        int start = i;
        while (i < n
            && (Character.isLetterOrDigit(expression.charAt(i)) || expression.charAt(i) == '_')) {
          i++;
        }
        tokens.add("w:" + expression.substring(start, i));
      } else {
        String two = i + 1 < n ? expression.substring(i, i + 2) : "";
        if (two.equals("==")
            || two.equals("!=")
            || two.equals("&&")
            || two.equals("||")
            || two.equals("<=")
            || two.equals(">=")) {
          tokens.add("o:" + two);
          i += 2;
        } else {
          tokens.add("o:" + c);
          i++;
        }
      }
    }
    return tokens;
  }

  private static boolean isQuote(char c) {
    return c == '\'' || c == '"';
  }

  private static boolean isRawPrefix(char c) {
    return c == 'r' || c == 'R';
  }

  /** Reads a (possibly triple-quoted) string literal from {@code start}; returns the next index. */
  private static int readString(String text, int start, boolean raw, StringBuilder value) {
    char quote = text.charAt(start);
    String triple = String.valueOf(quote).repeat(3);
    boolean isTriple = text.startsWith(triple, start);
    String end = isTriple ? triple : String.valueOf(quote);
    int i = start + end.length();
    while (i < text.length()) {
      if (text.startsWith(end, i)) {
        return i + end.length();
      }
      char c = text.charAt(i);
      if (c == '\\' && !raw && i + 1 < text.length()) {
        char next = text.charAt(i + 1);
        value.append(
            switch (next) {
              case 'n' -> '\n';
              case 'r' -> '\r';
              case 't' -> '\t';
              default -> next;
            });
        i += 2;
      } else {
        value.append(c);
        i++;
      }
    }
    // unterminated: keep what was read, marked, so it never equals a terminated literal
    value.append("\u0000unterminated");
    return i;
  }

  static boolean sameText(String a, String b) {
    return Objects.equals(blankToNull(a), blankToNull(b));
  }

  private static String blankToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }
}
