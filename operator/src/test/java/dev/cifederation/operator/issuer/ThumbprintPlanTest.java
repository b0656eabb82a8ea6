package dev.cifederation.operator.issuer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.ThumbprintMode;
import dev.cifederation.operator.api.v1alpha1.ThumbprintPolicy;
import dev.cifederation.operator.issuer.ThumbprintPlan.Policy;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The thumbprint decisions, as a table: policy, pinned, live, previously live, registered. */
class ThumbprintPlanTest {

  private static final String OLD = "a".repeat(40);
  private static final String NEW = "b".repeat(40);
  private static final String JWKS = "c".repeat(40);
  private static final String HAND = "d".repeat(40);
  private static final String E = "e".repeat(40);
  private static final String F = "f".repeat(40);

  static Stream<Arguments> next() {
    return Stream.of(
        // Track: steady state writes nothing
        row(Policy.Track, List.of(), List.of(OLD), List.of(OLD), List.of(OLD), null),
        // a rotation: the new one is added next to the old one, nothing removed yet
        row(Policy.Track, List.of(), List.of(NEW), List.of(OLD), List.of(OLD), List.of(OLD, NEW)),
        // next check: the old one was not served twice in a row and the new one is in: removed
        row(Policy.Track, List.of(), List.of(NEW), List.of(NEW), List.of(OLD, NEW), List.of(NEW)),
        // ... but not while it was still served at the previous check
        row(Policy.Track, List.of(), List.of(NEW), List.of(OLD), List.of(OLD, NEW), null),
        // discovery and JWKS hosts with different chains: both listed
        row(Policy.Track, List.of(), List.of(OLD, JWKS), List.of(), List.of(), List.of(OLD, JWKS)),
        // a provider IAM created without thumbprints gets the live ones
        row(Policy.Track, List.of(), List.of(OLD), List.of(), List.of(), List.of(OLD)),
        // a full list makes room with the long-gone ones first, never with a live one
        row(
            Policy.Track,
            List.of(),
            List.of(NEW),
            List.of(OLD),
            List.of(OLD, HAND, E, F, JWKS),
            List.of(OLD, E, F, JWKS, NEW)),
        // registered in upper case is the same thumbprint
        row(Policy.Track, List.of(), List.of(OLD), List.of(OLD), List.of(OLD.toUpperCase()), null),
        // no live thumbprint known: never shrink
        row(Policy.Track, List.of(), List.of(), List.of(), List.of(OLD), null),
        // Pinned: exactly the pinned list, whatever is live
        row(Policy.Pinned, List.of(OLD), List.of(NEW), List.of(), List.of(NEW), List.of(OLD)),
        row(Policy.Pinned, List.of(OLD, NEW), List.of(NEW), List.of(), List.of(NEW, OLD), null),
        // Off and NotRequired never write
        row(Policy.Off, List.of(), List.of(NEW), List.of(OLD), List.of(OLD), null),
        row(Policy.NotRequired, List.of(), List.of(NEW), List.of(OLD), List.of(OLD), null));
  }

  @ParameterizedTest
  @MethodSource
  void next(
      Policy policy,
      List<String> pinned,
      List<String> live,
      List<String> previouslyLive,
      List<String> registered,
      List<String> expected) {
    assertThat(ThumbprintPlan.next(policy, pinned, live, previouslyLive, registered))
        .isEqualTo(Optional.ofNullable(expected));
  }

  @ParameterizedTest
  @MethodSource
  void current(
      Policy policy, List<String> pinned, List<String> live, List<String> registered, boolean yes) {
    assertThat(ThumbprintPlan.current(policy, pinned, live, registered)).isEqualTo(yes);
  }

  static Stream<Arguments> current() {
    return Stream.of(
        Arguments.of(Policy.Track, List.of(), List.of(NEW), List.of(OLD, NEW), true),
        Arguments.of(Policy.Track, List.of(), List.of(NEW), List.of(OLD), false),
        Arguments.of(Policy.Off, List.of(), List.of(NEW), List.of(OLD), false),
        Arguments.of(Policy.Pinned, List.of(OLD), List.of(NEW), List.of(OLD), true),
        Arguments.of(Policy.Pinned, List.of(OLD), List.of(OLD), List.of(OLD, NEW), false),
        Arguments.of(Policy.NotRequired, List.of(), List.of(NEW), List.of(), true));
  }

  @ParameterizedTest
  @MethodSource
  void policy(ThumbprintMode mode, String url, Policy expected) {
    ThumbprintPolicy spec = null;
    if (mode != null) {
      spec = new ThumbprintPolicy();
      spec.setMode(mode);
    }
    assertThat(ThumbprintPlan.policy(spec, url)).isEqualTo(expected);
  }

  static Stream<Arguments> policy() {
    String github = "https://token.actions.githubusercontent.com";
    String gitlab = "https://gitlab.example.com/gitlab";
    return Stream.of(
        Arguments.of(null, gitlab, Policy.Track),
        Arguments.of(ThumbprintMode.Track, gitlab, Policy.Track),
        Arguments.of(ThumbprintMode.Off, gitlab, Policy.Off),
        Arguments.of(ThumbprintMode.Pinned, gitlab, Policy.Pinned),
        Arguments.of(null, github, Policy.NotRequired),
        Arguments.of(ThumbprintMode.Off, github, Policy.NotRequired),
        // pinning is a deliberate choice, also where AWS would not need it
        Arguments.of(ThumbprintMode.Pinned, github, Policy.Pinned));
  }

  @org.junit.jupiter.api.Test
  void newProvidersStartWithTheLiveOrThePinnedThumbprints() {
    assertThat(ThumbprintPlan.forNewProvider(Policy.Track, List.of(), List.of(OLD, JWKS)))
        .containsExactly(OLD, JWKS);
    assertThat(ThumbprintPlan.forNewProvider(Policy.Pinned, List.of(NEW), List.of(OLD)))
        .containsExactly(NEW);
    assertThat(ThumbprintPlan.forNewProvider(Policy.Off, List.of(), List.of(OLD))).isEmpty();
    assertThat(ThumbprintPlan.forNewProvider(Policy.NotRequired, List.of(), List.of(OLD)))
        .isEmpty();
    assertThat(ThumbprintPlan.unpinned(List.of(OLD), List.of(OLD, NEW))).containsExactly(NEW);
  }

  private static Arguments row(
      Policy policy,
      List<String> pinned,
      List<String> live,
      List<String> previouslyLive,
      List<String> registered,
      List<String> expected) {
    return Arguments.of(policy, pinned, live, previouslyLive, registered, expected);
  }
}
