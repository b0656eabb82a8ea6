package dev.cifederation.operator.guard;

import java.util.Locale;

/**
 * IAM-style patterns: {@code *} matches any run of characters (including {@code :} and {@code /},
 * which is what makes {@code repo:org/*} admit every repository of the org), {@code ?} exactly one.
 */
final class Glob {

  private Glob() {}

  static boolean hasWildcard(String value) {
    return value.indexOf('*') >= 0 || value.indexOf('?') >= 0;
  }

  /**
   * Whether the pattern matches the literal text. Iterative, constant memory: on a mismatch only
   * the last star is retried one character further (a star never needs to revisit an earlier star's
   * choice), so the work is at most |pattern|·|text| steps, and linear for patterns with one star —
   * whatever their length, the stack never grows.
   */
  static boolean matches(String pattern, String text, boolean ignoreCase) {
    String p = ignoreCase ? pattern.toLowerCase(Locale.ROOT) : pattern;
    String t = ignoreCase ? text.toLowerCase(Locale.ROOT) : text;
    int i = 0;
    int j = 0;
    int star = -1;
    int resume = 0;
    while (j < t.length()) {
      if (i < p.length() && p.charAt(i) == '*') {
        star = i++;
        resume = j;
      } else if (i < p.length() && (p.charAt(i) == '?' || p.charAt(i) == t.charAt(j))) {
        i++;
        j++;
      } else if (star >= 0) {
        i = star + 1;
        j = ++resume;
      } else {
        return false;
      }
    }
    while (i < p.length() && p.charAt(i) == '*') {
      i++;
    }
    return i == p.length();
  }

  /**
   * Whether some string matches both patterns: a grant of {@code iam:Pass*} overlaps a ban of
   * {@code iam:PassRole}, and {@code *} overlaps everything. The intersection of the two patterns'
   * automata is walked row by row (position in {@code first}) keeping one row of reachable
   * positions in {@code second}: |first|·|second| steps, |second| memory, no recursion.
   */
  static boolean overlaps(String first, String second, boolean ignoreCase) {
    String p = collapseStars(ignoreCase ? first.toLowerCase(Locale.ROOT) : first);
    String q = collapseStars(ignoreCase ? second.toLowerCase(Locale.ROOT) : second);
    boolean[] row = new boolean[q.length() + 1];
    boolean[] next = new boolean[q.length() + 1];
    row[0] = true;
    for (int i = 0; i <= p.length(); i++) {
      boolean pStar = i < p.length() && p.charAt(i) == '*';
      java.util.Arrays.fill(next, false);
      for (int j = 0; j <= q.length(); j++) {
        if (!row[j]) {
          continue;
        }
        boolean qStar = j < q.length() && q.charAt(j) == '*';
        if (pStar || qStar) {
          // a star may stand for nothing, or absorb the other side's next symbol
          if (pStar) {
            next[j] = true;
          }
          if (qStar || (pStar && j < q.length())) {
            row[j + 1] = true;
          }
          if (qStar && i < p.length()) {
            next[j] = true;
          }
        } else if (i < p.length() && j < q.length()) {
          char a = p.charAt(i);
          char b = q.charAt(j);
          if (a == '?' || b == '?' || a == b) {
            next[j + 1] = true;
          }
        }
      }
      if (i == p.length()) {
        return row[q.length()];
      }
      boolean[] swap = row;
      row = next;
      next = swap;
    }
    return false;
  }

  /** {@code a**b} and {@code a*b} match the same strings; one star keeps the walk short. */
  private static String collapseStars(String pattern) {
    StringBuilder out = new StringBuilder(pattern.length());
    for (int k = 0; k < pattern.length(); k++) {
      char c = pattern.charAt(k);
      if (c != '*' || out.length() == 0 || out.charAt(out.length() - 1) != '*') {
        out.append(c);
      }
    }
    return out.toString();
  }
}
