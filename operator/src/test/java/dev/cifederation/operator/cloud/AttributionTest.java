package dev.cifederation.operator.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AttributionTest {

  /** AWS role session names: 2-64 of {@code [\w+=,.@-]}. */
  private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");

  /** What a label may hold at all: no space, no CR/LF, nothing a header would split on. */
  private static final Pattern LABEL = Pattern.compile("cifed\\.[a-z0-9._-]+");

  private static final Pattern HASHED = Pattern.compile("cifed\\.[a-z0-9.-]{1,41}_[0-9a-f]{16}");
  private static final String LONGEST_NAMESPACE = "n" + "s".repeat(61) + "n";
  private static final String LONGEST_NAME =
      String.join(".", "a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61));

  @Test
  void aKubernetesNameThatFitsIsReadable() {
    assertThat(new Attribution("team-a", "deploy").label()).isEqualTo("cifed.team-a.deploy");
    assertThat(new Attribution("team-a", "app.v2").label()).isEqualTo("cifed.team-a.app.v2");
    assertThat(new Attribution("team-a", "deploy").userAgentToken())
        .isEqualTo("cifed-identity/cifed.team-a.deploy");
    assertThat(new Attribution("team-a", "deploy").owner()).isEqualTo("team-a/deploy");
  }

  @Test
  void theNamespaceEndsAtTheFirstDotSoNeighboursDoNotMeet() {
    assertThat(new Attribution("a-b", "c").label()).isEqualTo("cifed.a-b.c");
    assertThat(new Attribution("a", "b-c").label()).isEqualTo("cifed.a.b-c");
    // a namespace with a dot is not a Kubernetes namespace: hashed, so never "cifed.a.b.c"
    assertThat(new Attribution("a.b", "c").label()).matches(HASHED);
    assertThat(new Attribution("a", "b.c").label()).isEqualTo("cifed.a.b.c");
  }

  @Test
  void readableUpToTheSessionNameLimitThenCutWithTheDigest() {
    String fits = "x".repeat(64 - "cifed.team-a.".length());
    assertThat(new Attribution("team-a", fits).label())
        .hasSize(64)
        .isEqualTo("cifed.team-a." + fits);

    Attribution tooLong = new Attribution("team-a", fits + "y");
    assertThat(tooLong.label())
        .hasSize(64)
        .matches(HASHED)
        .startsWith("cifed.team-a.xxx")
        .endsWith("_" + tooLong.digest());
    // the digest is what the README tells people to compute: sha256 of "namespace/name"
    assertThat(new Attribution("team-a", "deploy").digest()).isEqualTo("24da87af430760c5");
  }

  @Test
  void theLongestKubernetesNamesStayWithinTheLimitAndApart() {
    String a = new Attribution(LONGEST_NAMESPACE, LONGEST_NAME).label();
    String b = new Attribution(LONGEST_NAMESPACE, LONGEST_NAME.replaceFirst("d$", "e")).label();
    assertThat(a).hasSize(64).matches(HASHED).matches(SESSION_NAME);
    assertThat(b).hasSize(64).matches(HASHED);
    assertThat(a.substring(0, 47)).as("the same readable part").isEqualTo(b.substring(0, 47));
    assertThat(a).as("told apart by the digest").isNotEqualTo(b);
  }

  static Stream<Arguments> hostile() {
    return Stream.of(
        Arguments.of("team-a", "deploy\r\nX-Injected: 1"),
        Arguments.of("team-a\n", "deploy"),
        Arguments.of("Team-A", "Deploy"),
        Arguments.of("team a", "de ploy"),
        Arguments.of("team-a", "dép/loy"),
        Arguments.of("team-a", "de_ploy"),
        Arguments.of("team-a", "😀"),
        Arguments.of("", ""),
        Arguments.of(null, null),
        Arguments.of("team-a", "x".repeat(100_000)));
  }

  @ParameterizedTest
  @MethodSource("hostile")
  void namesKubernetesWouldRefuseAreSanitisedBoundedAndHashed(String namespace, String name) {
    Attribution attribution = new Attribution(namespace, name);

    assertThat(attribution.label())
        .matches(HASHED)
        .matches(SESSION_NAME)
        .doesNotContain("\r", "\n", " ");
    assertThat(attribution.userAgentToken()).matches("cifed-identity/[a-z0-9._-]+");
  }

  @Property(tries = 3000)
  void anyInputGivesALegalBoundedLabel(
      @ForAll("anyText") String namespace, @ForAll("anyText") String name) {
    String label = new Attribution(namespace, name).label();
    assertThat(label).matches(LABEL).matches(SESSION_NAME);
  }

  @Property(tries = 3000)
  void distinctKubernetesIdentitiesHaveDistinctLabels(
      @ForAll("kubernetesPairs") Map.Entry<String, String> first,
      @ForAll("kubernetesPairs") Map.Entry<String, String> second) {
    String a = new Attribution(first.getKey(), first.getValue()).label();
    String b = new Attribution(second.getKey(), second.getValue()).label();
    assertThat(a.equals(b)).isEqualTo(first.equals(second));
  }

  @Test
  void manyLongNamesSharingTheirReadablePartNeverShareALabel() {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 20_000; i++) {
      String label = new Attribution(LONGEST_NAMESPACE, "build-" + i).label();
      assertThat(seen.put(label, i)).as(label).isNull();
    }
  }

  @Provide
  Arbitrary<String> anyText() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(300),
        Arbitraries.strings().withChars("abc.-_/\r\n Z").ofMaxLength(80));
  }

  /** Namespaces and names as Kubernetes allows them, short enough to collide often. */
  @Provide
  Arbitrary<Map.Entry<String, String>> kubernetesPairs() {
    Arbitrary<String> label = Arbitraries.strings().withChars("ab-").ofMinLength(1).ofMaxLength(4);
    Arbitrary<String> namespace = label.filter(s -> s.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"));
    Arbitrary<String> longOrShort = Arbitraries.oneOf(label, label.map(s -> s + "x".repeat(60)));
    Arbitrary<String> name =
        longOrShort
            .list()
            .ofMinSize(1)
            .ofMaxSize(3)
            .map(parts -> String.join(".", parts))
            .filter(
                s -> s.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"));
    return Combinators.combine(namespace, name).as(Map::entry);
  }
}
