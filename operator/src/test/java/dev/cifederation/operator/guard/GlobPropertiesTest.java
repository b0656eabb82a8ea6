package dev.cifederation.operator.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Glob against independent oracles: {@code matches} against the JDK's regex engine on the same
 * translation, {@code overlaps} against a search for a common string — over small alphabets, where
 * wildcards and letters collide as often as possible.
 */
class GlobPropertiesTest {

  @Property(tries = 2000)
  void matchesAgreesWithARegex(@ForAll("patterns") String pattern, @ForAll("texts") String text) {
    assertThat(Glob.matches(pattern, text, false))
        .isEqualTo(regex(pattern).matcher(text).matches());
  }

  @Property(tries = 500)
  void overlapsIsExactlyTheExistenceOfACommonString(
      @ForAll("shortPatterns") String first, @ForAll("shortPatterns") String second) {
    boolean common = false;
    // a witness, if any, is at most as long as both patterns together (every star as one letter)
    for (String candidate : strings("abc", first.length() + second.length())) {
      if (Glob.matches(first, candidate, false) && Glob.matches(second, candidate, false)) {
        common = true;
        break;
      }
    }
    assertThat(Glob.overlaps(first, second, false)).isEqualTo(common);
    assertThat(Glob.overlaps(second, first, false)).isEqualTo(common);
  }

  @Provide
  Arbitrary<String> patterns() {
    return Arbitraries.strings().withChars('a', 'b', '*', '?').ofMaxLength(12);
  }

  @Provide
  Arbitrary<String> shortPatterns() {
    return Arbitraries.strings().withChars('a', 'b', '*', '?').ofMaxLength(4);
  }

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.strings().withChars('a', 'b', '*').ofMaxLength(12);
  }

  private static Pattern regex(String glob) {
    StringBuilder regex = new StringBuilder();
    for (char c : glob.toCharArray()) {
      regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
    }
    return Pattern.compile(regex.toString(), Pattern.DOTALL);
  }

  private static List<String> strings(String alphabet, int maxLength) {
    List<String> all = new ArrayList<>();
    all.add("");
    List<String> previous = List.of("");
    for (int length = 1; length <= maxLength; length++) {
      List<String> next = new ArrayList<>();
      for (String prefix : previous) {
        for (char c : alphabet.toCharArray()) {
          next.add(prefix + c);
        }
      }
      all.addAll(next);
      previous = next;
    }
    return all;
  }
}
