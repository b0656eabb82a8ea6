package dev.cifederation.operator.trust;

/** Building blocks for the CEL attribute conditions GCP evaluates on every token. */
final class Cel {

  private Cel() {}

  /**
   * A single-quoted CEL string literal whose value is exactly {@code value}. Quotes and backslashes
   * are escaped so a value can never end the literal early and change the expression.
   */
  static String quote(String value) {
    StringBuilder literal = new StringBuilder(value.length() + 2).append('\'');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> literal.append("\\\\");
        case '\'' -> literal.append("\\'");
        case '\n' -> literal.append("\\n");
        case '\r' -> literal.append("\\r");
        case '\t' -> literal.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            literal.append(String.format("\\x%02x", (int) c));
          } else {
            literal.append(c);
          }
        }
      }
    }
    return literal.append('\'').toString();
  }

  /** {@code left == 'right'}, with right quoted. */
  static String equalsLiteral(String left, String right) {
    return left + " == " + quote(right);
  }
}
