package dev.cifederation.operator.trust;

import java.util.Arrays;

/**
 * The operator's one wildcard pattern. In IAM's syntax ({@link #iam}: AWS {@code StringLike},
 * actions, the subject patterns the lint reads) {@code *} matches any run of characters — none, and
 * across {@code :}, {@code /} and line breaks, which is what makes {@code repo:org/*} admit every
 * repository of the org — and {@code ?} exactly one character. Adoption grants and policy-granted
 * names ({@link #starsOnly}) have {@code *} alone; a {@code ?} there is itself. Either can ignore
 * case (IAM actions, Azure resource IDs), and a pattern can be followed by text taken literally (a
 * resolved policy variable).
 *
 * <p>Matching is iterative with constant memory: on a mismatch only the last star is retried one
 * character further (a star never needs to revisit an earlier star's choice), so the work is at
 * most |pattern|·|text| steps, and linear for patterns with one star; runs of stars are collapsed
 * when the pattern is read.
 */
public final class Wildcard {

  private static final int ANY_RUN = -1;
  private static final int ANY_ONE = -2;

  private final int[] symbols;
  private final boolean ignoreCase;

  private Wildcard(int[] symbols, boolean ignoreCase) {
    this.symbols = symbols;
    this.ignoreCase = ignoreCase;
  }

  /** IAM's syntax: {@code *} any run of characters, {@code ?} exactly one. */
  public static Wildcard iam(String pattern) {
    return read(pattern, true);
  }

  /** {@code *} any run of characters; every other character, {@code ?} too, is itself. */
  public static Wildcard starsOnly(String pattern) {
    return read(pattern, false);
  }

  /** Text that matches only itself. */
  public static Wildcard literal(String text) {
    return new Wildcard(text.chars().toArray(), false);
  }

  /** Whether a value has an IAM wildcard. */
  public static boolean hasWildcard(String value) {
    return value.indexOf('*') >= 0 || value.indexOf('?') >= 0;
  }

  /** The same pattern, comparing characters case-insensitively. */
  public Wildcard ignoringCase() {
    return new Wildcard(symbols, true);
  }

  /** This pattern, then {@code next} (which takes this one's case sensitivity). */
  public Wildcard followedBy(Wildcard next) {
    int[] joined = Arrays.copyOf(symbols, symbols.length + next.symbols.length);
    System.arraycopy(next.symbols, 0, joined, symbols.length, next.symbols.length);
    return new Wildcard(collapse(joined), ignoreCase);
  }

  /** Whether the pattern matches all of {@code text}. */
  public boolean matches(String text) {
    int i = 0;
    int j = 0;
    int star = -1;
    int resume = 0;
    while (j < text.length()) {
      if (i < symbols.length && symbols[i] == ANY_RUN) {
        star = i++;
        resume = j;
      } else if (i < symbols.length
          && (symbols[i] == ANY_ONE || same(symbols[i], text.charAt(j)))) {
        i++;
        j++;
      } else if (star >= 0) {
        i = star + 1;
        j = ++resume;
      } else {
        return false;
      }
    }
    while (i < symbols.length && symbols[i] == ANY_RUN) {
      i++;
    }
    return i == symbols.length;
  }

  /**
   * Whether some string matches both patterns: a grant of {@code iam:Pass*} overlaps a ban of
   * {@code iam:PassRole}, and {@code *} overlaps everything. The intersection of the two patterns'
   * automata is walked row by row (position in this pattern) keeping one row of reachable positions
   * in the other: |this|·|other| steps, |other| memory, no recursion. Case is ignored when either
   * pattern ignores it.
   */
  public boolean overlaps(Wildcard other) {
    boolean fold = ignoreCase || other.ignoreCase;
    int[] p = symbols;
    int[] q = other.symbols;
    boolean[] row = new boolean[q.length + 1];
    boolean[] next = new boolean[q.length + 1];
    row[0] = true;
    for (int i = 0; i <= p.length; i++) {
      boolean pStar = i < p.length && p[i] == ANY_RUN;
      Arrays.fill(next, false);
      for (int j = 0; j <= q.length; j++) {
        if (!row[j]) {
          continue;
        }
        boolean qStar = j < q.length && q[j] == ANY_RUN;
        if (pStar || qStar) {
          // a star may stand for nothing, or absorb the other side's next symbol
          if (pStar) {
            next[j] = true;
          }
          if (qStar || (pStar && j < q.length)) {
            row[j + 1] = true;
          }
          if (qStar && i < p.length) {
            next[j] = true;
          }
        } else if (i < p.length && j < q.length) {
          int a = p[i];
          int b = q[j];
          if (a == ANY_ONE || b == ANY_ONE || a == b || (fold && fold(a) == fold(b))) {
            next[j + 1] = true;
          }
        }
      }
      if (i == p.length) {
        return row[q.length];
      }
      boolean[] swap = row;
      row = next;
      next = swap;
    }
    return false;
  }

  private boolean same(int symbol, char c) {
    return symbol == c || (ignoreCase && fold(symbol) == fold(c));
  }

  private static int fold(int c) {
    return Character.toLowerCase(Character.toUpperCase(c));
  }

  private static Wildcard read(String pattern, boolean questionMark) {
    int[] symbols = new int[pattern.length()];
    for (int k = 0; k < pattern.length(); k++) {
      char c = pattern.charAt(k);
      symbols[k] = c == '*' ? ANY_RUN : c == '?' && questionMark ? ANY_ONE : c;
    }
    return new Wildcard(collapse(symbols), false);
  }

  /** {@code a**b} and {@code a*b} match the same strings; one star keeps the walks short. */
  private static int[] collapse(int[] symbols) {
    int[] out = new int[symbols.length];
    int n = 0;
    for (int symbol : symbols) {
      if (symbol != ANY_RUN || n == 0 || out[n - 1] != ANY_RUN) {
        out[n++] = symbol;
      }
    }
    return Arrays.copyOf(out, n);
  }
}
