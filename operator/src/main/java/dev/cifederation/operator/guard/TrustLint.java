package dev.cifederation.operator.guard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.trust.Dialect;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.PolicyJson;
import dev.cifederation.operator.trust.Wildcard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The trust lint: pure rules over one cloud's trust in the shape {@link LiveTrust} gives it, so
 * that the compiled trust (rendered by {@link SpecTrust}) and the live trust the adapters read are
 * judged by the same code. Every value of every condition is checked, not only the first.
 */
public final class TrustLint {

  /**
   * What the rules compare against that is not in the trust itself.
   *
   * @param maxSessionDuration the cap of the policies that select the identity, if any
   * @param declared what issuers declare about their subjects (the identity's issuer; in the lint
   *     command every CIIssuer given): a trust of one of them is held against its declaration, and
   *     its CI system is known even for a self-hosted issuer
   */
  public record Limits(Optional<Duration> maxSessionDuration, List<DeclaredSubjects> declared) {
    public Limits {
      declared = List.copyOf(declared);
    }

    public Limits(Optional<Duration> maxSessionDuration) {
      this(maxSessionDuration, List.of());
    }

    public static Limits none() {
      return new Limits(Optional.empty());
    }

    /**
     * These limits, and what one more issuer declares about its subjects; it comes before those
     * already given (an identity's own template over its issuer's).
     */
    public Limits declaring(DeclaredSubjects subjects) {
      List<DeclaredSubjects> all = new ArrayList<>(declared);
      all.add(0, subjects);
      return new Limits(maxSessionDuration, all);
    }

    /** The CI system of a trust's issuer: a SaaS one by its host, else a declared issuer's. */
    Optional<Dialect> dialectOf(String issuer) {
      return Dialect.bySaasIssuer(issuer)
          .or(() -> declaredFor(issuer).map(DeclaredSubjects::dialect));
    }

    /** The declaration of the trust's issuer, if one was given. */
    Optional<DeclaredSubjects> declaredFor(String issuer) {
      return declared.stream().filter(d -> d.issues(issuer)).findFirst();
    }
  }

  static final String AZURE_AUDIENCE = "api://AzureADTokenExchange";
  private static final ObjectMapper JSON = PolicyJson.MAPPER;
  private static final String WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity";
  // Claims that carry lists in OIDC tokens; every other claim is a single string.
  private static final Set<String> MULTI_VALUED_CLAIMS = Set.of("amr");
  private static final Set<String> SERVICES_THAT_ESCALATE = Set.of("iam", "sts", "organizations");
  private static final Set<String> ADMIN_MANAGED_POLICIES =
      Set.of("AdministratorAccess", "IAMFullAccess", "PowerUserAccess");
  private static final Pattern PROTECTED_REF =
      Pattern.compile("refs/heads/(main|master)|refs/tags/[^*?]+|[0-9a-f]{40}");

  /**
   * The branch a subject trusts: GitHub's and Buildkite's {@code :ref:refs/heads/<branch>},
   * GitLab's {@code :ref_type:branch:ref:<branch>} (a ref holds no ':').
   */
  private static final Pattern SUBJECT_BRANCH =
      Pattern.compile(":ref:refs/heads/([^:]*)|:ref_type:branch:ref:([^:]*)");

  /** The branches taken as long-lived and protected; any other is a feature branch. */
  private static final Pattern LONG_LIVED_BRANCH =
      Pattern.compile("main|master|trunk|release(/[^*?]+)?");

  private static final Pattern CEL_CLAIM =
      Pattern.compile("\\b(?:assertion|attribute)\\.(\\w+)|\\bgoogle\\.subject\\b");
  private static final Pattern CEL_PINNED =
      Pattern.compile(
          "(?:(?:assertion|attribute)\\.(?:repository|repository_id|project_path|project_id|sub)"
              + "|google\\.subject)\\s*==\\s*['\"]"
              + "|['\"]\\s*==\\s*(?:(?:assertion|attribute)\\.(?:repository|repository_id"
              + "|project_path|project_id|sub)|google\\.subject)\\b"
              + "|"
              + projectPinClaims()
              + "\\s*==\\s*['\"]");
  private static final Pattern STARTS_WITH =
      Pattern.compile("assertion\\.sub\\.startsWith\\(\\s*'((?:[^'\\\\]|\\\\.)*)'\\s*\\)");
  // assertion.sub == '<literal>' or '<literal>' == assertion.sub
  private static final Pattern CEL_SUB_EQUALS =
      Pattern.compile(
          "assertion\\.sub\\s*==\\s*'((?:[^'\\\\]|\\\\.)*)'"
              + "|'((?:[^'\\\\]|\\\\.)*)'\\s*==\\s*assertion\\.sub\\b");
  private static final Pattern CONDITION_KEY = Pattern.compile("(.+):([A-Za-z_]+)");
  private static final Pattern OIDC_PROVIDER_ARN =
      Pattern.compile("arn:[^:]*:iam::[0-9]*:oidc-provider/(.+)");
  private static final Pattern CEL_WORKFLOW_REF =
      Pattern.compile("job_workflow_ref\\s*==\\s*['\"]([^'\"]*)['\"]");
  private static final Pattern ORG_WIDE_SET = Pattern.compile("/attribute\\.repository_owner\\w*/");

  private TrustLint() {}

  /** Every dialect's claims that pin one project, as CEL references (field or index form). */
  private static String projectPinClaims() {
    List<String> references = new ArrayList<>();
    for (Dialect dialect : Dialect.all()) {
      for (Dialect.Pin pin : dialect.pins()) {
        if (pin.project()) {
          references.add("(?:assertion|attribute)\\." + Pattern.quote(pin.attribute()));
          references.add("assertion\\." + Pattern.quote(pin.claim()));
          references.add("assertion\\[\\s*'" + Pattern.quote(pin.claim()) + "'\\s*]");
        }
      }
    }
    return "(?:" + String.join("|", references) + ")";
  }

  /**
   * The findings on one cloud's trust.
   *
   * @param where the finding's cloud: {@code Spec} for the compiled trust, else AWS, GCP or Azure
   */
  public static List<Finding> lint(LiveTrust trust, String where, Limits limits) {
    List<Finding> findings = new ArrayList<>();
    if (trust instanceof LiveTrust.Aws aws) {
      lintAws(aws, where, limits, findings);
    } else if (trust instanceof LiveTrust.Gcp gcp) {
      lintGcp(gcp, where, limits, findings);
    } else if (trust instanceof LiveTrust.Azure azure) {
      lintAzure(azure, where, limits, findings);
    }
    return findings;
  }

  /** The cloud name a live trust is reported under. */
  public static String cloudOf(LiveTrust trust) {
    if (trust instanceof LiveTrust.Aws) {
      return "AWS";
    }
    return trust instanceof LiveTrust.Gcp ? "GCP" : "Azure";
  }

  // -------------------------------------------------------------------------------------- AWS

  /** One condition entry: operator (e.g. ForAnyValue:StringLike), key, every value. */
  private record Entry(String operator, String key, List<String> values) {
    String base() {
      String base =
          operator.contains(":") ? operator.substring(operator.indexOf(':') + 1) : operator;
      return base.endsWith("IfExists") ? base.substring(0, base.length() - 8) : base;
    }

    boolean setOperator() {
      return operator.startsWith("ForAllValues:") || operator.startsWith("ForAnyValue:");
    }

    String claim() {
      return key.substring(key.lastIndexOf(':') + 1).toLowerCase(Locale.ROOT);
    }

    boolean like() {
      return base().equals("StringLike");
    }

    boolean ignoreCase() {
      return base().equals("StringEqualsIgnoreCase");
    }

    /** Whether the entry admits only matching values (negations and others restrict nothing). */
    boolean restricts() {
      return like() || base().equals("StringEquals") || ignoreCase();
    }
  }

  private static void lintAws(LiveTrust.Aws aws, String where, Limits limits, List<Finding> out) {
    JsonNode policy = parse(aws.trustPolicyJson());
    String role = aws.roleArn();
    // IAM only holds valid documents; the lint command rejects unparsable input before this
    if (policy != null) {
      List<JsonNode> statements = list(policy.path("Statement"));
      for (int i = 0; i < statements.size(); i++) {
        JsonNode statement = statements.get(i);
        if (isWebIdentityAllow(statement)) {
          String name =
              role
                  + " statement "
                  + (statement.hasNonNull("Sid") ? statement.get("Sid").asText() : "#" + (i + 1));
          lintStatement(statement, name, where, limits, out);
        }
      }
    }
    lintPermissions(aws, where, out);
    aws.maxSessionDuration()
        .ifPresent(
            duration ->
                limits
                    .maxSessionDuration()
                    .filter(cap -> duration.compareTo(cap) > 0)
                    .ifPresent(
                        cap ->
                            out.add(
                                Rule.SessionDurationAbovePolicy.finding(
                                    where,
                                    role
                                        + " allows sessions of "
                                        + human(duration)
                                        + ", above the policy's cap of "
                                        + human(cap)))));
  }

  private static boolean isWebIdentityAllow(JsonNode statement) {
    if (!"Allow".equalsIgnoreCase(statement.path("Effect").asText())) {
      return false;
    }
    boolean action =
        list(statement.path("Action")).stream()
            .anyMatch(a -> Wildcard.iam(a.asText()).ignoringCase().matches(WEB_IDENTITY));
    JsonNode principal = statement.path("Principal");
    boolean federated = principal.has("Federated") || "*".equals(principal.asText());
    return action && federated;
  }

  private static void lintStatement(
      JsonNode statement, String name, String where, Limits limits, List<Finding> out) {
    // the provider the statement trusts, e.g. token.actions.githubusercontent.com; null for "*"
    String provider =
        list(statement.path("Principal").path("Federated")).stream()
            .map(JsonNode::asText)
            .map(OIDC_PROVIDER_ARN::matcher)
            .filter(Matcher::matches)
            .map(m -> m.group(1))
            .findFirst()
            .orElse(null);
    Optional<Dialect> dialect = limits.dialectOf(provider);
    Optional<DeclaredSubjects> declared = limits.declaredFor(provider);
    List<Entry> entries = new ArrayList<>();
    statement
        .path("Condition")
        .fields()
        .forEachRemaining(
            op ->
                op.getValue()
                    .fields()
                    .forEachRemaining(
                        key ->
                            entries.add(
                                new Entry(
                                    op.getKey(),
                                    key.getKey(),
                                    list(key.getValue()).stream()
                                        .map(JsonNode::asText)
                                        .toList()))));
    boolean subPinned = false;
    boolean audPinned = false;
    for (Entry entry : entries) {
      String claim = entry.claim();
      if (entry.setOperator() && !MULTI_VALUED_CLAIMS.contains(claim)) {
        out.add(
            Rule.SetOperatorOnSingleValuedKey.finding(
                where,
                name + " uses " + entry.operator() + " on the single-valued " + entry.key()));
      }
      if (!entry.restricts()) {
        continue;
      }
      Matcher key = CONDITION_KEY.matcher(entry.key());
      if (provider != null
          && key.matches()
          && key.group(1).contains(".")
          && !key.group(1).equalsIgnoreCase(provider)) {
        // IAM only sets <provider>:claim keys for the provider that verified the token: any other
        // prefix is absent, so the condition never holds (and restricts nothing it meant to).
        out.add(
            Rule.ForeignIssuerKey.finding(
                where,
                name
                    + " conditions on "
                    + entry.key()
                    + ", but trusts tokens of "
                    + provider
                    + ", whose keys are "
                    + provider
                    + ":"
                    + claim
                    + "; no token can match"));
      }
      for (String value : entry.values()) {
        boolean wildcard = entry.like() && Wildcard.hasWildcard(value);
        if (entry.like() && !wildcard) {
          out.add(
              Rule.UnneededStringLike.finding(
                  where, name + " matches " + entry.key() + " '" + value + "' with StringLike"));
        }
        switch (claim) {
          case "sub" -> {
            lintSubject(entry, value, wildcard, name, where, out);
            lintDialectSubject(entry, value, dialect, name, where, out);
            if (declared.isPresent() && !(!entry.like() && value.contains("*"))) {
              lintDeclaredSubject(
                  value, entry.like(), entry.ignoreCase(), declared.get(), name, where, out);
            }
          }
          case "aud" -> {
            if (wildcard) {
              out.add(
                  Rule.WildcardAudience.finding(
                      where, name + " admits any audience matching '" + value + "'"));
            }
          }
          case "job_workflow_ref" -> lintWorkflowRef(value, name, where, out);
          default -> {}
        }
      }
      // A set operator on a missing key is vacuously true: it does not pin anything.
      subPinned |= claim.equals("sub") && !entry.setOperator();
      audPinned |= claim.equals("aud") && !entry.setOperator();
    }
    if (!subPinned) {
      out.add(
          Rule.MissingSubject.finding(
              where, name + " has no StringEquals condition on the sub claim"));
    }
    if (!audPinned) {
      out.add(Rule.MissingAudience.finding(where, name + " has no condition on the aud claim"));
    }
  }

  private static void lintSubject(
      Entry entry, String value, boolean wildcard, String name, String where, List<Finding> out) {
    if (wildcard && !pinsRepository(value)) {
      out.add(
          Rule.WildcardSubject.finding(
              where,
              name
                  + " admits any subject matching '"
                  + value
                  + "', i.e. workflows of more than one repository"));
    }
    if (admitsPullRequests(value, wildcard, entry.ignoreCase())) {
      out.add(
          Rule.PullRequestSubject.finding(
              where, name + " admits pull-request tokens through sub '" + value + "'"));
    }
    int workflow = value.indexOf(":job_workflow_ref:");
    if (workflow >= 0) {
      lintWorkflowRef(value.substring(workflow + ":job_workflow_ref:".length()), name, where, out);
    }
    lintBranch(value, wildcard, name, where, out);
  }

  /**
   * A subject that trusts a branch other than a long-lived one (main, master, trunk, release/…), or
   * a branch pattern that admits one: whoever can push that branch mints the credentials (the
   * guide's "non-main branch assumes production role"). A pattern within {@code release/} passes.
   */
  private static void lintBranch(
      String subject, boolean wildcard, String name, String where, List<Finding> out) {
    Matcher branch = SUBJECT_BRANCH.matcher(subject);
    if (!branch.find()) {
      return;
    }
    String ref = branch.group(1) != null ? branch.group(1) : branch.group(2);
    boolean longLived =
        wildcard && Wildcard.hasWildcard(ref)
            ? literalPrefix(ref).startsWith("release/")
            : LONG_LIVED_BRANCH.matcher(ref).matches();
    if (!longLived) {
      out.add(
          Rule.FeatureBranchSubject.finding(
              where,
              name
                  + " trusts sub '"
                  + subject
                  + "': the branch "
                  + ref
                  + (wildcard && Wildcard.hasWildcard(ref) ? " admits" : " is")
                  + " not a long-lived branch (main, master, trunk, release/*)"));
    }
  }

  /**
   * Whether a StringLike subject names exactly one repository: it must start with the literal
   * {@code repo:} or {@code project_path:} and have no wildcard before the repository ends, so
   * {@code repo:*}, {@code repo:*}{@code /*}, {@code repo:org/*} and {@code *} are all refused.
   */
  static boolean pinsRepository(String subject) {
    if (pinnedRepository(subject).isPresent()) {
      return true;
    }
    String literal = literalPrefix(subject);
    return Dialect.all().stream()
        .map(Dialect::projectPinned)
        .filter(java.util.Objects::nonNull)
        .anyMatch(p -> Pattern.compile(p).matcher(literal).lookingAt());
  }

  /** The text before the first IAM wildcard. */
  private static String literalPrefix(String pattern) {
    int end = pattern.length();
    for (int i = 0; i < pattern.length(); i++) {
      if (pattern.charAt(i) == '*' || pattern.charAt(i) == '?') {
        end = i;
        break;
      }
    }
    return pattern.substring(0, end);
  }

  /**
   * What depends on the CI system: a subject no token can carry (a literal '*' under StringEquals;
   * a start the dialect never issues) and the dialect's untrusted triggers.
   */
  private static void lintDialectSubject(
      Entry entry,
      String value,
      Optional<Dialect> dialect,
      String name,
      String where,
      List<Finding> out) {
    if (!entry.like() && value.contains("*")) {
      out.add(
          Rule.UnmatchableSubject.finding(
              where,
              name
                  + " compares sub with "
                  + entry.operator()
                  + " to '"
                  + value
                  + "': '*' is literal there and no token's sub contains it (StringLike was meant)"));
      return;
    }
    if (dialect.isEmpty()) {
      return;
    }
    String literal = entry.like() ? literalPrefix(value) : value;
    if (!dialect.get().couldStartWith(literal)) {
      out.add(
          Rule.UnmatchableSubject.finding(
              where,
              name
                  + " trusts sub '"
                  + value
                  + "', but "
                  + dialect.get().ciName()
                  + " issues only subjects like "
                  + dialect.get().subjectShape()));
    }
    untrustedTriggers(value, dialect.get(), name, where, out);
  }

  private static void untrustedTriggers(
      String subject, Dialect dialect, String name, String where, List<Finding> out) {
    for (Dialect.UntrustedTrigger trigger : dialect.untrusted()) {
      if (trigger.subject().matcher(subject).find()) {
        Rule rule = trigger.forks() ? Rule.UntrustedTrigger : Rule.UnprotectedTrigger;
        out.add(rule.finding(where, name + " trusts sub '" + subject + "': " + trigger.why()));
      }
    }
  }

  private static Optional<String> pinnedRepository(String subject) {
    for (String prefix : List.of("repo:", "project_path:")) {
      if (subject.startsWith(prefix)) {
        String rest = subject.substring(prefix.length());
        int end = rest.indexOf(':');
        String repository = end < 0 ? rest : rest.substring(0, end);
        return end < 0 || repository.isEmpty() || Wildcard.hasWildcard(repository)
            ? Optional.empty()
            : Optional.of(repository);
      }
    }
    return Optional.empty();
  }

  /**
   * A pull-request token's sub is exactly {@code repo:<owner>/<name>:pull_request}: with the
   * repository pinned, the pattern must match that one string; without, any overlap counts.
   */
  private static boolean admitsPullRequests(String value, boolean wildcard, boolean ignoreCase) {
    if (wildcard) {
      return pinnedRepository(value)
          .map(repository -> Wildcard.iam(value).matches("repo:" + repository + ":pull_request"))
          .orElseGet(() -> Wildcard.iam(value).overlaps(Wildcard.iam("repo:*:pull_request")));
    }
    String subject = ignoreCase ? value.toLowerCase(Locale.ROOT) : value;
    return subject.startsWith("repo:") && subject.endsWith(":pull_request");
  }

  private static void lintWorkflowRef(
      String workflowRef, String name, String where, List<Finding> out) {
    int at = workflowRef.lastIndexOf('@');
    String ref = at < 0 ? "" : workflowRef.substring(at + 1);
    if (!PROTECTED_REF.matcher(ref).matches()) {
      out.add(
          Rule.UnpinnedReusableWorkflow.finding(
              where,
              name
                  + " trusts the reusable workflow "
                  + workflowRef
                  + (ref.isEmpty()
                      ? " at any ref"
                      : " at "
                          + ref
                          + ", which is not a protected branch, a tag or a commit SHA")));
    }
  }

  private static void lintPermissions(LiveTrust.Aws aws, String where, List<Finding> out) {
    aws.inlinePolicies()
        .forEach(
            (policyName, document) -> {
              JsonNode policy = parse(document);
              if (policy == null) {
                return;
              }
              for (String grant : IamActions.broadGrants(policy, SERVICES_THAT_ESCALATE)) {
                out.add(
                    Rule.OverBroadPermissions.finding(
                        where,
                        aws.roleArn() + " inline policy " + policyName + " allows " + grant));
              }
            });
    for (String arn : aws.managedPolicyArns().stream().sorted().toList()) {
      String policyName = arn.substring(arn.lastIndexOf('/') + 1);
      if (arn.contains(":iam::aws:policy/") && ADMIN_MANAGED_POLICIES.contains(policyName)) {
        out.add(
            Rule.OverBroadPermissions.finding(
                where, aws.roleArn() + " has the AWS managed policy " + policyName + " attached"));
      }
    }
  }

  // -------------------------------------------------------------------------------------- GCP

  private static void lintGcp(LiveTrust.Gcp gcp, String where, Limits limits, List<Finding> out) {
    String provider = "Provider " + gcp.providerName();
    String condition = gcp.attributeCondition() == null ? "" : gcp.attributeCondition().strip();
    if (condition.isEmpty()) {
      out.add(
          Rule.MissingAttributeCondition.finding(
              where,
              provider + " has no attribute condition: it accepts every token of the issuer"));
    } else if (!CEL_CLAIM.matcher(condition).find()) {
      out.add(
          Rule.MissingAttributeCondition.finding(
              where, provider + " has the condition '" + condition + "', which checks no claim"));
    } else if (!CEL_PINNED.matcher(condition).find()) {
      out.add(
          Rule.WildcardSubject.finding(
              where,
              provider
                  + " has the condition '"
                  + condition
                  + "', which pins neither the repository nor the subject with =="));
    }
    if (condition.contains(":pull_request'") || condition.contains("'pull_request'")) {
      out.add(
          Rule.PullRequestSubject.finding(
              where, provider + " condition admits pull-request tokens: " + condition));
    }
    Matcher workflow = CEL_WORKFLOW_REF.matcher(condition);
    while (workflow.find()) {
      lintWorkflowRef(workflow.group(1), provider, where, out);
    }
    for (String member : gcp.members()) {
      String binding = "The workloadIdentityUser member " + member;
      if (member.startsWith("principalSet://") && member.endsWith("/*")) {
        out.add(Rule.PoolWideBinding.finding(where, binding + " admits the whole pool"));
      } else if (member.startsWith("principalSet://") && ORG_WIDE_SET.matcher(member).find()) {
        out.add(
            Rule.WildcardSubject.finding(where, binding + " admits every repository of an owner"));
      }
      int subject = member.indexOf("/subject/");
      if (member.startsWith("principal://") && subject >= 0) {
        lintExactSubject(member.substring(subject + "/subject/".length()), binding, where, out);
      }
    }
    Optional<Dialect> dialect = limits.dialectOf(gcp.issuerUri());
    if (dialect.isPresent()) {
      Matcher startsWith = STARTS_WITH.matcher(condition);
      while (startsWith.find()) {
        untrustedTriggers(startsWith.group(1) + "*", dialect.get(), provider, where, out);
      }
    }
    Optional<DeclaredSubjects> declared = limits.declaredFor(gcp.issuerUri());
    if (declared.isPresent()) {
      Matcher exact = CEL_SUB_EQUALS.matcher(condition);
      while (exact.find()) {
        String literal = exact.group(1) != null ? exact.group(1) : exact.group(2);
        lintDeclaredSubject(celText(literal), false, false, declared.get(), provider, where, out);
      }
      Matcher startsWith = STARTS_WITH.matcher(condition);
      while (startsWith.find()) {
        lintDeclaredSubject(
            celText(startsWith.group(1)) + "*", true, false, declared.get(), provider, where, out);
      }
      // principals name the mapped google.subject: the sub itself, or (during a migration) the
      // new subject the old one is mapped to
      String mapping = gcp.attributeMapping().getOrDefault("google.subject", "");
      if (mapping.strip().endsWith("assertion.sub")) {
        for (String member : gcp.members()) {
          int subject = member.indexOf("/subject/");
          if (member.startsWith("principal://") && subject >= 0) {
            lintDeclaredSubject(
                member.substring(subject + "/subject/".length()),
                false,
                false,
                declared.get(),
                "The workloadIdentityUser member " + member,
                where,
                out);
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------ Azure

  private static void lintAzure(
      LiveTrust.Azure azure, String where, Limits limits, List<Finding> out) {
    for (LiveTrust.FederatedCredential credential : azure.credentials()) {
      String name = "Federated credential " + credential.name() + " of " + azure.identityId();
      if (!credential.audiences().equals(List.of(AZURE_AUDIENCE))) {
        out.add(
            Rule.NonStandardAzureAudience.finding(
                where, name + " has the audiences " + credential.audiences()));
      }
      lintExactSubject(credential.subject(), name, where, out);
      Optional<Dialect> dialect = limits.dialectOf(credential.issuer());
      limits
          .declaredFor(credential.issuer())
          .ifPresent(
              declared ->
                  lintDeclaredSubject(
                      credential.subject(), false, false, declared, name, where, out));
      if (dialect.isPresent()) {
        if (!dialect.get().couldStartWith(credential.subject())) {
          out.add(
              Rule.UnmatchableSubject.finding(
                  where,
                  name
                      + " trusts sub '"
                      + credential.subject()
                      + "', but "
                      + dialect.get().ciName()
                      + " issues only subjects like "
                      + dialect.get().subjectShape()));
        }
        untrustedTriggers(credential.subject(), dialect.get(), name, where, out);
      }
    }
  }

  /**
   * A subject (exact, or a pattern's literal start) that no token of the declared issuer can carry
   * under its declared subject template and format: a name-based {@code repo:owner/name} where the
   * immutable format is declared, a claim the template does not include, claims in another order.
   */
  private static void lintDeclaredSubject(
      String subject,
      boolean pattern,
      boolean ignoreCase,
      DeclaredSubjects declared,
      String name,
      String where,
      List<Finding> out) {
    Optional<Pattern> subjects = declared.subjects(ignoreCase);
    if (subjects.isEmpty()) {
      return;
    }
    boolean possible =
        pattern
            ? declared.couldStartWith(subjects.get(), literalPrefix(subject))
            : subjects.get().matcher(subject).matches();
    if (!possible) {
      out.add(
          Rule.SubjectTemplateMismatch.finding(
              where,
              name
                  + " trusts sub '"
                  + subject
                  + "', which no token carries under "
                  + declared.describe()));
    }
  }

  /** GCP principals and Azure subjects are exact: only their content can be unsafe. */
  private static void lintExactSubject(
      String subject, String name, String where, List<Finding> out) {
    if (subject.startsWith("repo:") && subject.endsWith(":pull_request")) {
      out.add(Rule.PullRequestSubject.finding(where, name + " trusts the subject " + subject));
    }
    lintBranch(subject, false, name, where, out);
    int workflow = subject.indexOf(":job_workflow_ref:");
    if (workflow >= 0) {
      lintWorkflowRef(
          subject.substring(workflow + ":job_workflow_ref:".length()), name, where, out);
    }
  }

  // ---------------------------------------------------------------------------------- helpers

  /** The text of a single-quoted CEL literal's body, its escapes resolved. */
  static String celText(String body) {
    StringBuilder text = new StringBuilder(body.length());
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c != '\\' || i + 1 == body.length()) {
        text.append(c);
        continue;
      }
      char escaped = body.charAt(++i);
      switch (escaped) {
        case 'n' -> text.append('\n');
        case 'r' -> text.append('\r');
        case 't' -> text.append('\t');
        case 'x' -> {
          String hex = i + 2 < body.length() ? body.substring(i + 1, i + 3) : "";
          if (hex.matches("[0-9a-fA-F]{2}")) {
            text.append((char) Integer.parseInt(hex, 16));
            i += 2;
          } else {
            text.append(escaped);
          }
        }
        default -> text.append(escaped);
      }
    }
    return text.toString();
  }

  static JsonNode parse(String json) {
    if (json == null) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(json);
      return node != null && node.isObject() ? node : null;
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /** IAM writes one-element lists as plain values: both read as a list. */
  static List<JsonNode> list(JsonNode node) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return List.of();
    }
    if (node.isArray()) {
      List<JsonNode> items = new ArrayList<>();
      node.forEach(items::add);
      return items;
    }
    return List.of(node);
  }

  private static String human(Duration duration) {
    long minutes = duration.toMinutes();
    return minutes % 60 == 0 ? minutes / 60 + "h" : minutes + "m";
  }
}
