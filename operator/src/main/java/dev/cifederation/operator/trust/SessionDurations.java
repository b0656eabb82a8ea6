package dev.cifederation.operator.trust;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Go-style durations the CRDs accept (spec.aws.maxSessionDuration of an identity and of a
 * policy): optional hours, minutes, seconds, in that order, at least one.
 */
public final class SessionDurations {

  static final Duration DEFAULT = Duration.ofHours(1);
  // IAM's limits for a role's MaxSessionDuration.
  static final Duration MIN = Duration.ofHours(1);
  static final Duration MAX = Duration.ofHours(12);

  private static final String FIELD = "spec.aws.maxSessionDuration";
  // The CRD's grammar: optional hours, minutes, seconds, in that order, at least one.
  private static final Pattern GO_DURATION =
      Pattern.compile("(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?");

  private SessionDurations() {}

  /** The duration, {@link #DEFAULT} when null; between {@link #MIN} and {@link #MAX}. */
  static Duration parse(String text) throws TrustCompilationException {
    if (text == null) {
      return DEFAULT;
    }
    if (text.isEmpty() || !GO_DURATION.matcher(text).matches()) {
      throw new TrustCompilationException(
          FIELD + " '" + text + "' must be a duration such as 1h, 90m, 2h30m or 3600s");
    }
    Duration duration = read(text).orElseThrow(() -> outOfRange(text));
    if (duration.compareTo(MIN) < 0 || duration.compareTo(MAX) > 0) {
      throw outOfRange(text);
    }
    return duration;
  }

  /**
   * A duration as the CRDs write it (1h, 90m, 2h30m, 3600s); empty when the text is not one, or is
   * too large for any duration.
   */
  public static Optional<Duration> read(String text) {
    if (text == null || text.isEmpty()) {
      return Optional.empty();
    }
    Matcher matcher = GO_DURATION.matcher(text);
    if (!matcher.matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          Duration.ofHours(number(matcher.group(1)))
              .plusMinutes(number(matcher.group(2)))
              .plusSeconds(number(matcher.group(3))));
    } catch (ArithmeticException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static TrustCompilationException outOfRange(String text) {
    return new TrustCompilationException(
        FIELD + " '" + text + "' must be between 1h and 12h (IAM limits for a role)");
  }

  private static long number(String digits) {
    return digits == null ? 0 : Long.parseLong(digits);
  }
}
