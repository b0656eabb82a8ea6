package dev.cifederation.operator.guard;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.GitHubClaim;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.SubjectFormat;
import dev.cifederation.operator.api.v1alpha1.SubjectMigrationPhase;
import dev.cifederation.operator.api.v1alpha1.SubjectTemplate;
import dev.cifederation.operator.trust.Dialect;
import dev.cifederation.operator.trust.IssuerInfo;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an identity's issuer declares about the subjects its tokens carry: the CI system, and for
 * GitHub the subject template ({@code include_claim_keys}) and the repository formats in force. The
 * trust lint holds every live trust of that issuer against it: a subject no token under the
 * declaration can carry is a trust that never admits anyone (or that admits someone the declaration
 * does not describe).
 *
 * @param issuerUrl the issuer exactly as in the tokens' {@code iss}
 * @param claimKeys GitHub's include_claim_keys in force (the default template when not declared);
 *     empty for other CI systems
 * @param formats the repository formats a token may carry: both when none is declared, both during
 *     a migration's window
 */
public record DeclaredSubjects(
    String issuerUrl, Dialect dialect, List<String> claimKeys, Set<SubjectFormat> formats) {

  private static final List<String> DEFAULT_KEYS = List.of("repo", "context");
  // what one segment of GitHub's repo claim looks like: a name, no ':' '@' or '/'
  private static final String NAME = "[^:@/]+";
  private static final String ID = "[0-9]+";

  public DeclaredSubjects {
    claimKeys = List.copyOf(claimKeys);
    formats = Set.copyOf(formats);
  }

  /**
   * The declaration an identity compiles under: its own subject template, else its issuer's;
   * without a declared format, pinned IDs mean ImmutableIds (as the compiler reads them), nothing
   * pinned means either; during a migration's window both.
   */
  public static DeclaredSubjects of(
      IssuerInfo issuer, CIFederatedIdentitySpec spec, SubjectMigrationPhase phase) {
    SubjectTemplate template =
        spec.getSubjectTemplate() != null ? spec.getSubjectTemplate() : issuer.subjectTemplate();
    Set<SubjectFormat> formats = EnumSet.noneOf(SubjectFormat.class);
    if (template != null && template.getFormat() != null) {
      formats.add(template.getFormat());
    } else if (spec.getRepositoryId() != null && spec.getOwnerId() != null) {
      formats.add(SubjectFormat.ImmutableIds);
    } else {
      formats.addAll(EnumSet.allOf(SubjectFormat.class));
    }
    if (phase == SubjectMigrationPhase.BothSubjects) {
      formats.add(SubjectFormat.Names);
    }
    return new DeclaredSubjects(
        issuer.url(), issuer.dialectInfo(), keys(issuer, template), formats);
  }

  /** The issuer's declaration alone (a trust document linted without an identity). */
  public static DeclaredSubjects of(IssuerInfo issuer) {
    SubjectTemplate template = issuer.subjectTemplate();
    Set<SubjectFormat> formats =
        template != null && template.getFormat() != null
            ? EnumSet.of(template.getFormat())
            : EnumSet.allOf(SubjectFormat.class);
    return new DeclaredSubjects(
        issuer.url(), issuer.dialectInfo(), keys(issuer, template), formats);
  }

  private static List<String> keys(IssuerInfo issuer, SubjectTemplate template) {
    if (issuer.dialect() != IssuerDialect.GitHub) {
      return List.of();
    }
    List<GitHubClaim> keys = template == null ? null : template.getIncludeClaimKeys();
    return keys == null || keys.isEmpty()
        ? DEFAULT_KEYS
        : keys.stream().map(GitHubClaim::name).toList();
  }

  /** Whether a trust names this issuer: a provider host and path, or an issuer URL. */
  boolean issues(String issuerOrHostAndPath) {
    return issuerOrHostAndPath != null
        && strip(issuerOrHostAndPath).equalsIgnoreCase(strip(issuerUrl));
  }

  private static String strip(String issuer) {
    String stripped = issuer.replaceFirst("^https://", "");
    while (stripped.endsWith("/")) {
      stripped = stripped.substring(0, stripped.length() - 1);
    }
    return stripped;
  }

  /**
   * Every {@code sub} a token under this declaration can carry, as a regular expression: the
   * template's claims in order, {@code key:value}, values free except the repository's shape and
   * {@code context}'s three forms. Empty for CI systems without subject templates.
   */
  Optional<Pattern> subjects(boolean ignoreCase) {
    if (dialect.id() != IssuerDialect.GitHub || claimKeys.isEmpty()) {
      return Optional.empty();
    }
    List<String> parts = new ArrayList<>();
    for (String key : claimKeys) {
      parts.add(
          switch (key) {
            case "repo" -> "repo:" + repository();
            case "context" -> "(?:environment:.*|ref:.*|pull_request)";
            default -> Pattern.quote(key) + ":.*";
          });
    }
    return Optional.of(
        Pattern.compile(
            String.join(":", parts),
            ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.DOTALL : Pattern.DOTALL));
  }

  private String repository() {
    List<String> forms = new ArrayList<>();
    if (formats.contains(SubjectFormat.Names)) {
      forms.add(NAME + "/" + NAME);
    }
    if (formats.contains(SubjectFormat.ImmutableIds)) {
      forms.add(NAME + "@" + ID + "/" + NAME + "@" + ID);
    }
    return "(?:" + String.join("|", forms) + ")";
  }

  /**
   * Whether some token's sub could start with this literal text (the part of a pattern before its
   * first wildcard): false only when the text already contradicts the template.
   */
  boolean couldStartWith(Pattern subjects, String literalPrefix) {
    Matcher matcher = subjects.matcher(literalPrefix);
    return matcher.matches() || matcher.hitEnd();
  }

  /** For messages: the template and formats, e.g. {@code [repo, context], ImmutableIds}. */
  String describe() {
    return "the GitHub subject template "
        + claimKeys
        + (formats.size() == 1 ? " in the " + formats.iterator().next() + " format" : "")
        + " declared for "
        + issuerUrl;
  }
}
