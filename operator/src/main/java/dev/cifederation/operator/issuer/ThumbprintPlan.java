package dev.cifederation.operator.issuer;

import dev.cifederation.operator.api.v1alpha1.ThumbprintMode;
import dev.cifederation.operator.api.v1alpha1.ThumbprintPolicy;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which thumbprints an issuer's AWS OIDC provider should list, decided from the spec, the live
 * chains and what the provider lists now. Pure: no I/O, table-tested.
 *
 * <p>Track never leaves a gap: a new live thumbprint is added next to the registered ones first; a
 * registered one is removed only in a later pass, once every live thumbprint is registered and it
 * was served neither at this check nor at the previous one (a host rolling out a new chain node by
 * node may still serve the old one for a while). At most {@value #MAX} are kept, live ones never
 * dropped to make room.
 */
public final class ThumbprintPlan {

  /** IAM's limit per provider. */
  public static final int MAX = 5;

  /**
   * Issuer hosts AWS validates against its own library of trusted root CAs, ignoring thumbprints
   * (GitHub's since 2023-07-06).
   */
  static final Set<String> AWS_CA_LIBRARY_HOSTS = Set.of("token.actions.githubusercontent.com");

  /** What the operator does with an issuer's provider thumbprints. */
  public enum Policy {
    /** Keep providers at the live thumbprints. */
    Track,
    /** Keep providers at spec.thumbprints.pinned and report a live chain that differs. */
    Pinned,
    /** Leave them alone (spec.thumbprints.mode: Off). */
    Off,
    /** AWS ignores thumbprints for this issuer and nothing is pinned: nothing to keep. */
    NotRequired
  }

  private ThumbprintPlan() {}

  public static Policy policy(ThumbprintPolicy spec, String issuerUrl) {
    ThumbprintMode mode =
        spec == null || spec.getMode() == null ? ThumbprintMode.Track : spec.getMode();
    if (mode == ThumbprintMode.Pinned) {
      return Policy.Pinned;
    }
    if (validatedByAwsCaLibrary(issuerUrl)) {
      return Policy.NotRequired;
    }
    return mode == ThumbprintMode.Off ? Policy.Off : Policy.Track;
  }

  static boolean validatedByAwsCaLibrary(String issuerUrl) {
    String host = URI.create(issuerUrl).getHost();
    return host != null && AWS_CA_LIBRARY_HOSTS.contains(host.toLowerCase(Locale.ROOT));
  }

  /**
   * The thumbprints a provider created now gets: the live ones (Track), the pinned ones (Pinned),
   * none otherwise (IAM then obtains them itself, or ignores them).
   */
  public static List<String> forNewProvider(
      Policy policy, Collection<String> pinned, Collection<String> live) {
    return switch (policy) {
      case Track -> List.copyOf(normalise(live));
      case Pinned -> List.copyOf(normalise(pinned));
      case Off, NotRequired -> List.of();
    };
  }

  /**
   * The list to write to a provider, or empty when it should stay as it is.
   *
   * @param live the thumbprints served at this check
   * @param previouslyLive the thumbprints served at the previous check (status.thumbprints)
   * @param registered what the provider lists now
   */
  public static Optional<List<String>> next(
      Policy policy,
      Collection<String> pinned,
      Collection<String> live,
      Collection<String> previouslyLive,
      Collection<String> registered) {
    Set<String> have = normalise(registered);
    return switch (policy) {
      case Pinned -> {
        Set<String> want = normalise(pinned);
        yield want.equals(have) ? Optional.empty() : Optional.of(List.copyOf(want));
      }
      case Track -> track(normalise(live), normalise(previouslyLive), have);
      case Off, NotRequired -> Optional.empty();
    };
  }

  private static Optional<List<String>> track(
      Set<String> live, Set<String> previouslyLive, Set<String> have) {
    if (live.isEmpty()) {
      // nothing known to be served: never shrink the list on no information (fail closed)
      return Optional.empty();
    }
    List<String> missing = live.stream().filter(t -> !have.contains(t)).toList();
    if (!missing.isEmpty()) {
      // add first; make room only with thumbprints not served now, long-gone ones first
      List<String> target = new ArrayList<>(have);
      target.addAll(missing);
      dropWhileTooMany(target, t -> !live.contains(t) && !previouslyLive.contains(t));
      dropWhileTooMany(target, t -> !live.contains(t));
      return Optional.of(List.copyOf(target));
    }
    List<String> kept =
        have.stream().filter(t -> live.contains(t) || previouslyLive.contains(t)).toList();
    return kept.size() == have.size() ? Optional.empty() : Optional.of(kept);
  }

  private static void dropWhileTooMany(List<String> target, Predicate<String> droppable) {
    for (int i = 0; i < target.size() && target.size() > MAX; ) {
      if (droppable.test(target.get(i))) {
        target.remove(i);
      } else {
        i++;
      }
    }
  }

  /** Whether a provider listing {@code registered} is current for the policy. */
  public static boolean current(
      Policy policy,
      Collection<String> pinned,
      Collection<String> live,
      Collection<String> registered) {
    Set<String> have = normalise(registered);
    return switch (policy) {
      case Pinned -> normalise(pinned).equals(have);
      case Track, Off -> have.containsAll(normalise(live));
      case NotRequired -> true;
    };
  }

  /** The live thumbprints that the pinned list lacks (empty: the live chain matches the pin). */
  public static List<String> unpinned(Collection<String> pinned, Collection<String> live) {
    Set<String> pins = normalise(pinned);
    return normalise(live).stream().filter(t -> !pins.contains(t)).toList();
  }

  private static Set<String> normalise(Collection<String> thumbprints) {
    Set<String> set = new LinkedHashSet<>();
    if (thumbprints != null) {
      thumbprints.forEach(t -> set.add(t.toLowerCase(Locale.ROOT)));
    }
    return set;
  }
}
