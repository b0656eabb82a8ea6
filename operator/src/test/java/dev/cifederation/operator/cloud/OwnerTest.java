package dev.cifederation.operator.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.cloud.Owner.Marks;
import dev.cifederation.operator.cloud.Owner.Verdict;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OwnerTest {

  private static final Owner ME = new Owner("team-a/deploy", "prod", "uid-1");

  static Stream<Arguments> verdicts() {
    return Stream.of(
        // found marks, recorded in our status, verdict
        Arguments.of(new Marks("team-a/deploy", "prod", "uid-1"), false, Verdict.OURS),
        Arguments.of(new Marks("team-a/deploy", "prod", "uid-1"), true, Verdict.OURS),
        Arguments.of(new Marks("team-a/deploy", "staging", "uid-1"), true, Verdict.OTHER_CLUSTER),
        Arguments.of(new Marks("team-b/deploy", "prod", "uid-9"), true, Verdict.OTHER_OWNER),
        Arguments.of(new Marks("team-b/deploy", null, null), true, Verdict.OTHER_OWNER),
        Arguments.of(new Marks("team-a/deploy", "prod", "uid-0"), true, Verdict.EARLIER_NAMESAKE),
        Arguments.of(new Marks("team-a/deploy", "prod", null), true, Verdict.LEGACY),
        Arguments.of(new Marks("team-a/deploy", "prod", null), false, Verdict.EARLIER_NAMESAKE),
        Arguments.of(new Marks(null, null, "uid-1"), false, Verdict.MARKS_DRIFTED),
        Arguments.of(new Marks("team-a/deploy", null, "uid-1"), false, Verdict.MARKS_DRIFTED),
        Arguments.of(Marks.NONE, true, Verdict.MARKS_DRIFTED),
        Arguments.of(Marks.NONE, false, Verdict.UNMARKED),
        Arguments.of(new Marks("", "", ""), false, Verdict.UNMARKED),
        Arguments.of(new Marks("team-a/deploy", null, null), false, Verdict.EARLIER_NAMESAKE));
  }

  @ParameterizedTest(name = "{0}, recorded={1} -> {2}")
  @MethodSource("verdicts")
  void oneRuleDecidesWhoseAnObjectIs(Marks found, boolean recorded, Verdict expected) {
    assertThat(ME.judge(found, recorded)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("verdicts")
  void anotherIdentitysOrClustersObjectIsNeverOursNorAdoptable(
      Marks found, boolean recorded, Verdict verdict) {
    if (verdict == Verdict.OTHER_OWNER || verdict == Verdict.OTHER_CLUSTER) {
      assertThat(verdict.isOurs()).isFalse();
      assertThat(verdict.isAdoptable()).isFalse();
    }
    assertThat(verdict.isOurs() && verdict.isAdoptable()).isFalse();
  }

  @org.junit.jupiter.api.Test
  void aSharedOwnerWithoutUidOwnsWhatCarriesItsOwnerAndCluster() {
    Owner shared = new Owner("shared", "prod", "");
    assertThat(shared.judge(new Marks("shared", "prod", null), false)).isEqualTo(Verdict.OURS);
    assertThat(shared.judge(new Marks("shared", "other", null), false))
        .isEqualTo(Verdict.OTHER_CLUSTER);
  }
}
