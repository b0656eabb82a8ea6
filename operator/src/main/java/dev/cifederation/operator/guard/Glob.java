package dev.cifederation.operator.guard;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * IAM-style patterns: {@code *} matches any run of characters (including {@code :} and {@code /},
 * which is what makes {@code repo:org/*} admit every repository of the org), {@code ?} exactly one.
 */
final class Glob {

  private Glob() {}

  static boolean hasWildcard(String value) {
    return value.indexOf('*') >= 0 || value.indexOf('?') >= 0;
  }

  /** Whether the pattern matches the literal text. */
  static boolean matches(String pattern, String text, boolean ignoreCase) {
    String p = ignoreCase ? pattern.toLowerCase(Locale.ROOT) : pattern;
    String t = ignoreCase ? text.toLowerCase(Locale.ROOT) : text;
    return match(p, 0, t, 0, new HashMap<>());
  }

  /**
   * Whether some string matches both patterns: a grant of {@code iam:Pass*} overlaps a ban of
   * {@code iam:PassRole}, and {@code *} overlaps everything.
   */
  static boolean overlaps(String first, String second, boolean ignoreCase) {
    String p = ignoreCase ? first.toLowerCase(Locale.ROOT) : first;
    String q = ignoreCase ? second.toLowerCase(Locale.ROOT) : second;
    return overlap(p, 0, q, 0, new HashMap<>());
  }

  private static boolean match(String p, int i, String t, int j, Map<Long, Boolean> memo) {
    long key = ((long) i << 32) | j;
    Boolean known = memo.get(key);
    if (known != null) {
      return known;
    }
    boolean result;
    if (i == p.length()) {
      result = j == t.length();
    } else if (p.charAt(i) == '*') {
      result = match(p, i + 1, t, j, memo) || (j < t.length() && match(p, i, t, j + 1, memo));
    } else {
      result =
          j < t.length()
              && (p.charAt(i) == '?' || p.charAt(i) == t.charAt(j))
              && match(p, i + 1, t, j + 1, memo);
    }
    memo.put(key, result);
    return result;
  }

  private static boolean overlap(String p, int i, String q, int j, Map<Long, Boolean> memo) {
    long key = ((long) i << 32) | j;
    Boolean known = memo.get(key);
    if (known != null) {
      return known;
    }
    boolean result;
    boolean pStar = i < p.length() && p.charAt(i) == '*';
    boolean qStar = j < q.length() && q.charAt(j) == '*';
    if (pStar || qStar) {
      // a star may stand for nothing, or absorb the other side's next symbol
      result =
          (pStar && overlap(p, i + 1, q, j, memo))
              || (qStar && overlap(p, i, q, j + 1, memo))
              || (pStar && j < q.length() && overlap(p, i, q, j + 1, memo))
              || (qStar && i < p.length() && overlap(p, i + 1, q, j, memo));
    } else if (i == p.length() || j == q.length()) {
      result = i == p.length() && j == q.length();
    } else {
      char a = p.charAt(i);
      char b = q.charAt(j);
      result = (a == '?' || b == '?' || a == b) && overlap(p, i + 1, q, j + 1, memo);
    }
    memo.put(key, result);
    return result;
  }
}
