package dev.cifederation.operator.trust;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cel.common.Operator;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.ast.CelExpr.ExprKind.Kind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who can assume an identity, read back from a trust as a cloud has it: the inverse of the
 * compiler. The AWS trust policy's Allow statements, the GCP provider's condition together with the
 * members bound on the service account, and Azure's federated credentials are reduced to
 * constraints on the token's claims and said in words, e.g. {@code GitHub Actions jobs of
 * my-org/my-app in environment production}. A wildcard says what it admits ({@code any repository
 * of my-org}); a missing check says so ({@code for any audience}).
 */
public final class WhoCanAssume {

  private static final ObjectMapper JSON = PolicyJson.MAPPER;
  private static final Pattern OPERATOR =
      Pattern.compile("(?:(?:ForAnyValue|ForAllValues):)?([A-Za-z]+?)(?:IfExists)?");
  private static final Pattern PROVIDER_ARN =
      Pattern.compile("arn:[^:]*:iam::[0-9]*:oidc-provider/(.+)");
  private static final String IAM_HOST = "iam.googleapis.com/";

  /** Claims that name the repository (or project) the sub already names. */
  private static final Set<String> REPOSITORY_CLAIMS =
      Set.of("repository", "project_path", "repository_owner", "namespace_path");

  private WhoCanAssume() {}

  /**
   * One cloud's view for {@link #summarise}: its live trust (null when not read) and the spec's.
   */
  public record View(String cloud, LiveTrust live, LiveTrust specified) {
    public View {
      Objects.requireNonNull(cloud, "cloud");
      Objects.requireNonNull(specified, "specified");
    }
  }

  /**
   * The sentence for {@code status.whoCanAssume}: per cloud, who its live trust admits; a cloud not
   * read yet says it is the spec's; a live trust that differs from the spec says how and what the
   * spec says. Clouds that read the same are named together.
   */
  public static String summarise(List<View> views) {
    Map<String, List<String>> cloudsByText = new LinkedHashMap<>();
    for (View view : views) {
      Scope specified = scope(view.specified());
      String text;
      if (view.live() == null) {
        text = specified.text() + " (as specified; not read from the cloud yet)";
      } else {
        Scope live = scope(view.live());
        text = live.text();
        if (!text.equals(specified.text())) {
          boolean wider =
              (live.wide() && !specified.wide())
                  || live.alternatives().size() > specified.alternatives().size();
          text +=
              " — "
                  + (wider ? "wider than" : "not what")
                  + " the spec"
                  + (wider ? "" : " says")
                  + " ("
                  + specified.text()
                  + ")";
        }
      }
      cloudsByText.computeIfAbsent(text, t -> new ArrayList<>()).add(view.cloud());
    }
    List<String> parts = new ArrayList<>();
    cloudsByText.forEach((text, clouds) -> parts.add(String.join(", ", clouds) + ": " + text));
    return String.join("; ", parts);
  }

  /** Who the given trust admits, in words. */
  public static String describe(LiveTrust trust) {
    return scope(trust).text();
  }

  // ---------------------------------------------------------------------------------- scope

  /** Who a trust admits: one phrase per alternative; wide when a wildcard or missing check. */
  private record Scope(List<String> alternatives, boolean wide, String nobody) {
    String text() {
      return alternatives.isEmpty() ? "nobody (" + nobody + ")" : String.join(" or ", alternatives);
    }
  }

  /** One constraint on a claim: any of the values (patterns with * and ?), or none of them. */
  private record Constraint(List<String> values, boolean pattern, boolean negated) {}

  /** The constraints of one way in, claim → constraints, plus checks not expressible as such. */
  private static final class Alternative {
    final Map<String, List<Constraint>> claims = new LinkedHashMap<>();
    final List<String> other = new ArrayList<>();
    boolean wide;

    void add(String claim, Constraint constraint) {
      claims.computeIfAbsent(claim, c -> new ArrayList<>()).add(constraint);
    }

    Alternative copy() {
      Alternative copy = new Alternative();
      claims.forEach((k, v) -> copy.claims.put(k, new ArrayList<>(v)));
      copy.other.addAll(other);
      copy.wide = wide;
      return copy;
    }
  }

  private static Scope scope(LiveTrust trust) {
    if (trust instanceof LiveTrust.Aws aws) {
      return aws(aws);
    }
    if (trust instanceof LiveTrust.Gcp gcp) {
      return gcp(gcp);
    }
    return azure((LiveTrust.Azure) trust);
  }

  // -------------------------------------------------------------------------------------- AWS

  private static Scope aws(LiveTrust.Aws trust) {
    JsonNode policy;
    try {
      policy = JSON.readTree(trust.trustPolicyJson());
    } catch (JsonProcessingException e) {
      return new Scope(List.of(), false, "the trust policy is not valid JSON");
    }
    List<String> phrases = new ArrayList<>();
    boolean wide = false;
    List<String> denied = new ArrayList<>();
    for (JsonNode statement :
        AwsTrustEvaluator.list(policy == null ? null : policy.get("Statement"))) {
      if (!webIdentity(statement)) {
        continue;
      }
      List<String> hosts = providerHosts(statement);
      if ("Deny".equals(statement.path("Effect").asText())) {
        denied.add(denyPhrase(statement, hosts));
        continue;
      }
      for (String host : hosts) {
        Alternative alternative = new Alternative();
        boolean audienceChecked = false;
        for (Map.Entry<String, JsonNode> operator :
            AwsTrustEvaluator.iterable(statement.get("Condition"))) {
          for (Map.Entry<String, JsonNode> key : AwsTrustEvaluator.iterable(operator.getValue())) {
            List<String> values =
                AwsTrustEvaluator.list(key.getValue()).stream().map(JsonNode::asText).toList();
            String claim = claimOf(key.getKey(), host);
            Matcher m = OPERATOR.matcher(operator.getKey());
            String base = m.matches() ? m.group(1) : operator.getKey();
            if (claim == null || !base.startsWith("String")) {
              alternative.other.add(operator.getKey() + " " + key.getKey() + " " + values);
              continue;
            }
            boolean like = base.contains("Like");
            boolean negated = base.contains("Not");
            boolean pattern = like && values.stream().anyMatch(Wildcard::hasWildcard);
            if (claim.equals("aud") && !negated) {
              audienceChecked = !pattern || values.stream().noneMatch(v -> v.equals("*"));
              if (pattern) {
                alternative.other.add("audience matching " + quoted(values));
                alternative.wide = true;
              }
              continue;
            }
            alternative.add(claim, new Constraint(values, pattern, negated));
          }
        }
        if (!audienceChecked) {
          alternative.other.add("for any audience");
          alternative.wide = true;
        }
        Rendered rendered = render(alternative, platformOfHost(host));
        phrases.addAll(rendered.phrases());
        wide |= rendered.wide();
      }
    }
    if (!denied.isEmpty() && !phrases.isEmpty()) {
      String except = ", except " + String.join(" and ", denied);
      phrases.replaceAll(p -> p + except);
    }
    return new Scope(phrases, wide, "no Allow statement admits a web identity token");
  }

  private static boolean webIdentity(JsonNode statement) {
    if (statement.has("NotAction")) {
      return true;
    }
    return AwsTrustEvaluator.list(statement.get("Action")).stream()
        .anyMatch(a -> AwsTrustEvaluator.actionMatches(a.asText()));
  }

  /** The issuer hosts of the OIDC providers a statement trusts; "*" for Principal "*". */
  private static List<String> providerHosts(JsonNode statement) {
    JsonNode principal = statement.get("Principal");
    if (principal != null && principal.isTextual() && principal.asText().equals("*")) {
      return List.of("*");
    }
    List<String> hosts = new ArrayList<>();
    for (JsonNode arn :
        AwsTrustEvaluator.list(principal == null ? null : principal.get("Federated"))) {
      Matcher m = PROVIDER_ARN.matcher(arn.asText());
      if (m.matches()) {
        hosts.add(m.group(1));
      }
    }
    return hosts;
  }

  /** The claim a condition key tests for this provider, or null for any other key. */
  private static String claimOf(String key, String host) {
    int colon = key.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    String prefix = key.substring(0, colon);
    if (!host.equals("*") && !prefix.equalsIgnoreCase(host)) {
      return null;
    }
    return key.substring(colon + 1).toLowerCase(Locale.ROOT);
  }

  private static String denyPhrase(JsonNode statement, List<String> hosts) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, JsonNode> operator :
        AwsTrustEvaluator.iterable(statement.get("Condition"))) {
      for (Map.Entry<String, JsonNode> key : AwsTrustEvaluator.iterable(operator.getValue())) {
        String host = hosts.isEmpty() ? "*" : hosts.get(0);
        String claim = claimOf(key.getKey(), host);
        List<String> values =
            AwsTrustEvaluator.list(key.getValue()).stream().map(JsonNode::asText).toList();
        parts.add(
            (claim == null ? key.getKey() : claim)
                + (operator.getKey().contains("Like") ? " matching " : " ")
                + quoted(values));
      }
    }
    return parts.isEmpty() ? "all (an unconditional Deny)" : String.join(" with ", parts);
  }

  // -------------------------------------------------------------------------------------- GCP

  private static Scope gcp(LiveTrust.Gcp trust) {
    if (trust.disabled()) {
      return new Scope(List.of(), false, "the provider is disabled");
    }
    String pool = GcpTrustEvaluator.pool(trust.providerName());
    String platform = platformOfIssuer(trust.issuerUri());
    Map<String, String> claimOfTarget = new LinkedHashMap<>();
    trust
        .attributeMapping()
        .forEach(
            (target, expression) -> {
              try {
                String dotted = Cel.dottedName(Cel.parse(expression).syntax());
                if (dotted != null && dotted.startsWith("assertion.")) {
                  claimOfTarget.put(target, dotted.substring("assertion.".length()));
                }
              } catch (IllegalArgumentException e) {
                // an unparseable mapping maps nothing we can name
              }
            });

    Alternative condition = new Alternative();
    String text = trust.attributeCondition();
    if (text == null || text.isBlank()) {
      condition.other.add("with no attribute condition");
      condition.wide = true;
    } else {
      try {
        Cel.Expression parsed = Cel.parse(text);
        for (CelExpr conjunct : conjuncts(parsed.syntax())) {
          if (!constrain(condition, conjunct, claimOfTarget)) {
            condition.other.add("if " + parsed.print(conjunct));
          }
        }
      } catch (IllegalArgumentException e) {
        return new Scope(List.of(), false, "the attribute condition is not valid CEL");
      }
    }

    List<String> phrases = new ArrayList<>();
    boolean wide = false;
    String principal = "principal://" + IAM_HOST + pool + "/subject/";
    String set = "principalSet://" + IAM_HOST + pool + "/";
    for (String member : trust.members()) {
      Alternative alternative = condition.copy();
      if (member.startsWith(principal)) {
        String subject = member.substring(principal.length());
        String claim = claimOfTarget.get("google.subject");
        if (claim == null) {
          alternative.other.add("with google.subject '" + subject + "'");
        } else {
          alternative.add(claim, new Constraint(List.of(subject), false, false));
        }
      } else if (member.startsWith(set)) {
        String rest = member.substring(set.length());
        if (rest.equals("*")) {
          alternative.wide = true;
        } else if (rest.startsWith("attribute.") && rest.indexOf('/') > 0) {
          String attribute = rest.substring(0, rest.indexOf('/'));
          String value = rest.substring(rest.indexOf('/') + 1);
          String claim = claimOfTarget.get(attribute);
          if (claim == null) {
            alternative.other.add("with " + attribute + " '" + value + "'");
          } else {
            alternative.add(claim, new Constraint(List.of(value), false, false));
          }
        } else {
          alternative.other.add("in " + rest);
        }
      } else {
        continue; // another pool's member is not reached through this provider
      }
      if (contradicts(alternative)) {
        continue; // the member names a subject the condition never lets through
      }
      Rendered rendered = render(alternative, platform);
      phrases.addAll(rendered.phrases());
      wide |= rendered.wide();
    }
    return new Scope(
        phrases,
        wide,
        trust.members().isEmpty()
            ? "no member of the pool is bound on the service account"
            : "no bound member can pass the attribute condition");
  }

  private static List<CelExpr> conjuncts(CelExpr node) {
    List<CelExpr> all = new ArrayList<>();
    if (isCall(node, Operator.LOGICAL_AND)) {
      node.call().args().forEach(part -> all.addAll(conjuncts(part)));
    } else {
      all.add(node);
    }
    return all;
  }

  /** Adds what a conjunct says about one claim; false when it is not that simple. */
  private static boolean constrain(
      Alternative alternative, CelExpr conjunct, Map<String, String> claimOfTarget) {
    boolean negated = false;
    CelExpr node = conjunct;
    if (isCall(node, Operator.LOGICAL_NOT)) {
      negated = true;
      node = node.call().args().get(0);
    }
    boolean equals = isCall(node, Operator.EQUALS);
    if (equals || isCall(node, Operator.NOT_EQUALS)) {
      CelExpr left = node.call().args().get(0);
      CelExpr right = node.call().args().get(1);
      String claim = claimOf(left, claimOfTarget);
      CelExpr literal = right;
      if (claim == null) {
        claim = claimOf(right, claimOfTarget);
        literal = left;
      }
      String value = stringLiteral(literal);
      if (claim != null && value != null) {
        alternative.add(claim, new Constraint(List.of(value), false, negated == equals));
        return true;
      }
    }
    if (isCall(node, Operator.IN) && node.call().args().get(1).getKind() == Kind.LIST) {
      String claim = claimOf(node.call().args().get(0), claimOfTarget);
      List<String> values = new ArrayList<>();
      for (CelExpr element : node.call().args().get(1).list().elements()) {
        String value = stringLiteral(element);
        if (value == null) {
          return false;
        }
        values.add(value);
      }
      if (claim != null) {
        alternative.add(claim, new Constraint(values, false, negated));
        return true;
      }
    }
    if (node.getKind() == Kind.CALL
        && node.call().target().isPresent()
        && node.call().function().equals("startsWith")
        && node.call().args().size() == 1) {
      String prefix = stringLiteral(node.call().args().get(0));
      String claim = claimOf(node.call().target().get(), claimOfTarget);
      if (prefix != null && !Wildcard.hasWildcard(prefix) && claim != null) {
        alternative.add(claim, new Constraint(List.of(prefix + "*"), true, negated));
        return true;
      }
    }
    return false;
  }

  private static boolean isCall(CelExpr node, Operator operator) {
    return node.getKind() == Kind.CALL && node.call().function().equals(operator.getFunction());
  }

  /** The value of a string literal; null for anything else. */
  private static String stringLiteral(CelExpr node) {
    return node.getKind() == Kind.CONSTANT
            && node.constant().getKind() == CelConstant.Kind.STRING_VALUE
        ? node.constant().stringValue()
        : null;
  }

  /** {@code assertion.x} → x; {@code attribute.y} / {@code google.subject} via their mapping. */
  private static String claimOf(CelExpr node, Map<String, String> claimOfTarget) {
    String dotted = Cel.dottedName(node);
    if (dotted == null) {
      return null;
    }
    if (dotted.startsWith("assertion.") && dotted.indexOf('.', "assertion.".length()) < 0) {
      return dotted.substring("assertion.".length());
    }
    return claimOfTarget.get(dotted);
  }

  /** Two exact constraints on one claim with no value in common: nobody passes. */
  private static boolean contradicts(Alternative alternative) {
    for (List<Constraint> constraints : alternative.claims.values()) {
      List<Constraint> exact =
          constraints.stream().filter(c -> !c.negated() && !c.pattern()).toList();
      for (int i = 1; i < exact.size(); i++) {
        if (exact.get(i).values().stream().noneMatch(exact.get(0).values()::contains)) {
          return true;
        }
      }
    }
    return false;
  }

  // ------------------------------------------------------------------------------------ Azure

  private static Scope azure(LiveTrust.Azure trust) {
    List<String> phrases = new ArrayList<>();
    boolean wide = false;
    for (LiveTrust.FederatedCredential credential : trust.credentials()) {
      Alternative alternative = new Alternative();
      alternative.add("sub", new Constraint(List.of(credential.subject()), false, false));
      if (!credential.audiences().equals(List.of(IssuerInfo.DEFAULT_AZURE_AUDIENCE))) {
        alternative.other.add("for audience " + String.join(", ", credential.audiences()));
      }
      Rendered rendered = render(alternative, platformOfIssuer(credential.issuer()));
      phrases.addAll(rendered.phrases());
      wide |= rendered.wide();
    }
    return new Scope(phrases, wide, "the managed identity has no federated credential");
  }

  // --------------------------------------------------------------------------------- render

  private record Rendered(List<String> phrases, boolean wide) {}

  /** One phrase per allowed subject (or one when the subject is not pinned), with qualifiers. */
  private static Rendered render(Alternative alternative, String platform) {
    boolean wide = alternative.wide;
    // The sub may be pinned more than once (GCP: condition and member); what all exact pins
    // share is the subject, a pattern every such value matches says nothing more.
    List<Constraint> positive =
        alternative.claims.getOrDefault("sub", List.of()).stream()
            .filter(c -> !c.negated())
            .toList();
    List<String> exactValues = null;
    for (Constraint c : positive) {
      if (!c.pattern()) {
        exactValues =
            exactValues == null
                ? new ArrayList<>(c.values())
                : new ArrayList<>(exactValues.stream().filter(c.values()::contains).toList());
      }
    }
    List<Constraint> said = new ArrayList<>();
    List<Subject> subjects = new ArrayList<>();
    if (exactValues != null) {
      List<String> values = exactValues;
      positive.stream()
          .filter(c -> !c.pattern() || values.stream().allMatch(v -> matchesAny(v, c.values())))
          .forEach(said::add);
      values.forEach(v -> subjects.add(Subject.parse(v, false, platform)));
    } else if (!positive.isEmpty()) {
      Constraint sub = positive.get(0);
      said.add(sub);
      for (String value : sub.values()) {
        subjects.add(Subject.parse(value, Wildcard.hasWildcard(value), platform));
      }
    } else {
      subjects.add(Subject.unpinned(platform, alternative.claims));
    }
    List<String> phrases = new ArrayList<>();
    for (Subject subject : subjects) {
      wide |= subject.wide();
      List<String> qualifiers = new ArrayList<>();
      alternative.claims.forEach(
          (claim, constraints) -> {
            for (Constraint c : constraints) {
              if ((claim.equals("sub") && said.contains(c)) || subject.implies(claim, c)) {
                continue;
              }
              qualifiers.add(qualifier(claim, c));
            }
          });
      qualifiers.addAll(alternative.other);
      phrases.add(
          subject.phrase() + (qualifiers.isEmpty() ? "" : ", " + String.join(", ", qualifiers)));
    }
    return new Rendered(phrases, wide);
  }

  private static String qualifier(String claim, Constraint c) {
    String values = quoted(c.values());
    if (c.negated()) {
      return "except " + claim + (c.pattern() ? " matching " : " ") + values;
    }
    return "with " + claim + (c.pattern() ? " matching " : " ") + values;
  }

  /** A sub value read as people say it; knows GitHub's and GitLab's forms. */
  private record Subject(String phrase, boolean wide, String repository, String ids) {

    static Subject parse(String sub, boolean pattern, String platform) {
      if (pattern && (sub.equals("*") || sub.equals("repo:*") || sub.equals("project_path:*"))) {
        return new Subject(platform + " jobs of any repository", true, null, null);
      }
      if (sub.startsWith("repo:")) {
        return gitHub(sub.substring("repo:".length()), pattern);
      }
      if (sub.startsWith("project_path:")) {
        return gitLab(sub.substring("project_path:".length()), pattern);
      }
      return new Subject(
          platform + " tokens with sub " + (pattern ? "matching " : "") + "'" + sub + "'",
          pattern,
          null,
          null);
    }

    static Subject unpinned(String platform, Map<String, List<Constraint>> claims) {
      for (String claim : List.of("repository", "project_path")) {
        for (Constraint c : claims.getOrDefault(claim, List.of())) {
          if (!c.negated() && c.values().size() == 1) {
            String repository = c.values().get(0);
            boolean wide = c.pattern();
            return new Subject(
                platform
                    + " jobs of "
                    + (wide ? repositoryPattern(repository) : repository)
                    + ", any ref",
                true,
                wide ? null : repository,
                null);
          }
        }
      }
      for (String claim : List.of("repository_owner", "namespace_path")) {
        for (Constraint c : claims.getOrDefault(claim, List.of())) {
          if (!c.negated() && c.values().size() == 1 && !c.pattern()) {
            return new Subject(
                platform + " jobs of any repository of " + c.values().get(0),
                true,
                c.values().get(0) + "/*",
                null);
          }
        }
      }
      return new Subject(platform + " jobs of any repository", true, null, null);
    }

    private static Subject gitHub(String rest, boolean pattern) {
      int colon = rest.indexOf(':');
      String repo = colon < 0 ? rest : rest.substring(0, colon);
      String context = colon < 0 ? null : rest.substring(colon + 1);
      String ids = null;
      Matcher pinned = Pattern.compile("([^@/]+)@([0-9]+)/([^@/]+)@([0-9]+)").matcher(repo);
      if (pinned.matches()) {
        repo = pinned.group(1) + "/" + pinned.group(3);
        ids = "repository ID " + pinned.group(4) + ", owner ID " + pinned.group(2);
      }
      boolean repoWide = pattern && Wildcard.hasWildcard(repo);
      String who = repoWide ? repositoryPattern(repo) : repo;
      if (ids != null) {
        who += " (" + ids + ")";
      }
      String runs;
      boolean contextWide;
      if (context == null) {
        contextWide = repoWide && repo.endsWith("*");
        runs =
            contextWide ? "on any branch, tag, environment or pull request" : "with no job context";
      } else {
        contextWide = pattern && Wildcard.hasWildcard(context);
        runs = gitHubContext(context, pattern);
      }
      return new Subject(
          "GitHub Actions jobs of " + who + " " + runs,
          repoWide || contextWide || context == null || context.equals("pull_request"),
          repoWide ? null : repo,
          ids);
    }

    private static String gitHubContext(String context, boolean pattern) {
      if (pattern && context.equals("*")) {
        return "on any branch, tag, environment or pull request";
      }
      String[][] forms = {
        {"environment:", "in environment ", "in environments matching "},
        {"ref:refs/heads/", "on branch ", "on branches matching "},
        {"ref:refs/tags/", "on tag ", "on tags matching "},
        {"job_workflow_ref:", "running workflow ", "running workflows matching "},
      };
      for (String[] form : forms) {
        if (context.startsWith(form[0])) {
          String value = context.substring(form[0].length());
          return (pattern && Wildcard.hasWildcard(value) ? form[2] : form[1]) + value;
        }
      }
      if (context.equals("pull_request")) {
        return "in pull requests (including from forks)";
      }
      return "with sub context "
          + (pattern && Wildcard.hasWildcard(context) ? "matching " : "")
          + "'"
          + context
          + "'";
    }

    private static Subject gitLab(String rest, boolean pattern) {
      int colon = rest.indexOf(':');
      String project = colon < 0 ? rest : rest.substring(0, colon);
      String context = colon < 0 ? null : rest.substring(colon + 1);
      boolean projectWide = pattern && Wildcard.hasWildcard(project);
      String who =
          projectWide
              ? (project.endsWith("/*")
                      && !Wildcard.hasWildcard(project.substring(0, project.length() - 2))
                  ? "any project under " + project.substring(0, project.length() - 2)
                  : "projects matching '" + project + "'")
              : project;
      String runs;
      boolean contextWide =
          context == null ? projectWide : pattern && Wildcard.hasWildcard(context);
      if (context == null) {
        runs = projectWide ? "on any branch or tag" : "with no ref";
      } else if (pattern && context.equals("*")) {
        runs = "on any branch or tag";
      } else if (context.startsWith("ref_type:branch:ref:")) {
        String b = context.substring("ref_type:branch:ref:".length());
        runs = (pattern && Wildcard.hasWildcard(b) ? "on branches matching " : "on branch ") + b;
      } else if (context.startsWith("ref_type:tag:ref:")) {
        String t = context.substring("ref_type:tag:ref:".length());
        runs = (pattern && Wildcard.hasWildcard(t) ? "on tags matching " : "on tag ") + t;
      } else {
        runs = "with sub context " + (contextWide ? "matching " : "") + "'" + context + "'";
      }
      return new Subject(
          "GitLab CI jobs of " + who + " " + runs,
          projectWide || contextWide,
          projectWide ? null : project,
          null);
    }

    /** Whether this subject already says what a constraint on another claim says. */
    boolean implies(String claim, Constraint c) {
      if (c.negated() || c.pattern() || c.values().size() != 1 || repository == null) {
        return false;
      }
      String value = c.values().get(0);
      if (REPOSITORY_CLAIMS.contains(claim)) {
        return claim.equals("repository_owner") || claim.equals("namespace_path")
            ? repository.startsWith(value + "/")
            : repository.equals(value);
      }
      return ids != null
          && ((claim.equals("repository_id") && ids.startsWith("repository ID " + value + ","))
              || (claim.equals("repository_owner_id") && ids.endsWith("owner ID " + value)));
    }
  }

  private static String repositoryPattern(String repo) {
    if (repo.equals("*") || repo.equals("*/*")) {
      return "any repository";
    }
    if (repo.endsWith("/*") && !Wildcard.hasWildcard(repo.substring(0, repo.length() - 2))) {
      return "any repository of " + repo.substring(0, repo.length() - 2);
    }
    if (repo.endsWith("*") && !repo.contains("/")) {
      return "any repository of owners matching '" + repo + "'";
    }
    return "repositories matching '" + repo + "'";
  }

  private static String platformOfHost(String host) {
    return platformOfIssuer("https://" + host);
  }

  private static String platformOfIssuer(String issuer) {
    String lower = issuer == null ? "" : issuer.toLowerCase(Locale.ROOT);
    if (lower.equals("https://*")) {
      return "any OIDC issuer's";
    }
    if (lower.contains("token.actions.githubusercontent.com")
        || lower.contains("/_services/token")) {
      return "GitHub Actions";
    }
    if (lower.contains("gitlab")) {
      return "GitLab CI";
    }
    String hostAndPath = AwsTrustEvaluator.hostAndPath(issuer == null ? "" : issuer);
    return Dialect.bySaasIssuer(hostAndPath)
        .map(d -> d.ciName() + " (" + hostAndPath + ")")
        .orElse("OIDC (" + hostAndPath + ")");
  }

  private static boolean matchesAny(String value, List<String> patterns) {
    return patterns.stream().anyMatch(p -> Wildcard.iam(p).matches(value));
  }

  private static String quoted(List<String> values) {
    List<String> shown = values.stream().map(v -> "'" + v + "'").toList();
    return shown.size() == 1 ? shown.get(0) : "any of " + String.join(", ", shown);
  }
}
