package dev.cifederation.operator.trust;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Wildcard against independent oracles: {@code matches} against the JDK's regex engine on the same
 * translation (IAM's syntax and stars alone), {@code overlaps} against a search for a common string
 * — over small alphabets, where wildcards and letters collide as often as possible.
 */
class WildcardPropertiesTest {

  @Property(tries = 2000)
  void matchesAgreesWithARegex(@ForAll("patterns") String pattern, @ForAll("texts") String text) {
    assertThat(Wildcard.iam(pattern).matches(text))
        .isEqualTo(regex(pattern, true).matcher(text).matches());
    assertThat(Wildcard.starsOnly(pattern).matches(text))
        .isEqualTo(regex(pattern, false).matcher(text).matches());
    assertThat(Wildcard.iam(pattern).ignoringCase().matches(text.toUpperCase(Locale.ROOT)))
        .isEqualTo(regex(pattern, true).matcher(text).matches());
  }

  @Property(tries = 500)
  void overlapsIsExactlyTheExistenceOfACommonString(
      @ForAll("shortPatterns") String first, @ForAll("shortPatterns") String second) {
    boolean common = false;
    // a witness, if any, is at most as long as both patterns together (every star as one letter)
    for (String candidate : strings("abc", first.length() + second.length())) {
      if (Wildcard.iam(first).matches(candidate) && Wildcard.iam(second).matches(candidate)) {
        common = true;
        break;
      }
    }
    assertThat(Wildcard.iam(first).overlaps(Wildcard.iam(second))).isEqualTo(common);
    assertThat(Wildcard.iam(second).overlaps(Wildcard.iam(first))).isEqualTo(common);
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

  private static Pattern regex(String glob, boolean questionMark) {
    StringBuilder regex = new StringBuilder();
    for (char c : glob.toCharArray()) {
      regex.append(
          c == '*' ? ".*" : c == '?' && questionMark ? "." : Pattern.quote(String.valueOf(c)));
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
