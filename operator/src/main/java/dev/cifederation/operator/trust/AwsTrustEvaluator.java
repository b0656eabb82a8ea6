package dev.cifederation.operator.trust;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides, as IAM would for {@code sts:AssumeRoleWithWebIdentity}, whether a role's trust policy
 * admits a token: an explicit Deny wins, else some Allow statement must name the token's OIDC
 * provider, the action, and have every condition hold.
 *
 * <p>Conditions follow IAM: operators are ANDed, keys within an operator are ANDed, values of one
 * key are ORed ({@code StringNotEquals}/{@code StringNotLike}: the value must match none); a key
 * missing from the token fails a positive operator and passes a negated one; {@code IfExists},
 * {@code ForAnyValue:} (false on a missing key) and {@code ForAllValues:} (true on a missing key —
 * why the lint flags it on single-valued keys). Condition keys are {@code <issuer
 * host/path>:<claim>} and compared case-insensitively. An operator the simulator does not know
 * refuses (an unknown Allow condition is not met, an unknown Deny condition is assumed met): it
 * never guesses "admitted".
 */
final class AwsTrustEvaluator {

  static final String ACTION = "sts:AssumeRoleWithWebIdentity";

  private static final ObjectMapper JSON = PolicyJson.MAPPER;
  private static final Pattern ROLE_ARN =
      Pattern.compile("arn:(aws[a-z-]*):iam::([0-9]{12}):role/.*");
  private static final Pattern OPERATOR =
      Pattern.compile("(?:(ForAnyValue|ForAllValues):)?([A-Za-z]+?)(IfExists)?");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([^}]*)}");

  private AwsTrustEvaluator() {}

  static Admission evaluate(LiveTrust.Aws trust, Claims claims) {
    JsonNode policy;
    try {
      policy = JSON.readTree(trust.trustPolicyJson());
    } catch (JsonProcessingException e) {
      return Admission.refused("the trust policy is not valid JSON: " + e.getOriginalMessage());
    }
    if (policy == null || !policy.isObject()) {
      return Admission.refused("the trust policy is not a JSON object");
    }
    Optional<String> issuer = claims.string("iss");
    if (issuer.isEmpty()) {
      return Admission.refused("the token has no iss claim, so no OIDC provider can match it");
    }
    Request request = new Request(hostAndPath(issuer.get()), claims, trust.roleArn());
    boolean variables = "2012-10-17".equals(policy.path("Version").asText());

    List<String> allowFailures = new ArrayList<>();
    String allowedBy = null;
    List<JsonNode> statements = list(policy.get("Statement"));
    for (int i = 0; i < statements.size(); i++) {
      JsonNode statement = statements.get(i);
      String label = label(statement, i);
      boolean deny = "Deny".equals(statement.path("Effect").asText());
      if (!appliesToPrincipal(statement, request) || !appliesToAction(statement)) {
        continue;
      }
      Outcome conditions = conditions(statement.get("Condition"), request, variables, deny);
      if (deny && conditions.holds()) {
        return Admission.refused("explicitly denied by " + label + ": " + conditions.detail());
      }
      if (!deny) {
        if (conditions.holds() && allowedBy == null) {
          allowedBy = label + (conditions.detail().isEmpty() ? "" : ": " + conditions.detail());
        } else if (!conditions.holds()) {
          allowFailures.add(label + ": " + conditions.detail());
        }
      }
    }
    if (allowedBy != null) {
      return Admission.admitted("allowed by " + allowedBy);
    }
    if (allowFailures.isEmpty()) {
      return Admission.refused(
          "no Allow statement trusts "
              + request.providerDescription()
              + " for "
              + ACTION
              + " (implicit deny)");
    }
    return Admission.refused(String.join("; ", allowFailures));
  }

  /** The issuer URL as AWS names its provider: without https:// and trailing slashes. */
  static String hostAndPath(String issuer) {
    String value = issuer.startsWith("https://") ? issuer.substring("https://".length()) : issuer;
    while (value.endsWith("/")) {
      value = value.substring(0, value.length() - 1);
    }
    return value;
  }

  // -------------------------------------------------------------------------------- request

  /** The request context of the AssumeRoleWithWebIdentity call the token would make. */
  private record Request(String provider, Claims claims, String roleArn) {

    boolean isProvider(String arn) {
      Matcher role = roleArn == null ? null : ROLE_ARN.matcher(roleArn);
      if (role != null && role.matches()) {
        return arn.equals(
            "arn:" + role.group(1) + ":iam::" + role.group(2) + ":oidc-provider/" + provider);
      }
      // A raw policy without its role: the provider of any account with this issuer matches.
      return arn.startsWith("arn:") && arn.endsWith(":oidc-provider/" + provider);
    }

    String providerDescription() {
      Matcher role = roleArn == null ? null : ROLE_ARN.matcher(roleArn);
      return role != null && role.matches()
          ? "arn:" + role.group(1) + ":iam::" + role.group(2) + ":oidc-provider/" + provider
          : "the OIDC provider " + provider;
    }

    /** The values of a condition key; null when the token's request context lacks the key. */
    List<String> values(String key) {
      int colon = key.lastIndexOf(':');
      if (colon <= 0 || !key.substring(0, colon).equalsIgnoreCase(provider)) {
        return null;
      }
      String claim = key.substring(colon + 1);
      for (Map.Entry<String, Object> entry : claims.asMap().entrySet()) {
        if (entry.getKey().equalsIgnoreCase(claim) && entry.getValue() != null) {
          return claims.strings(entry.getKey());
        }
      }
      return null;
    }
  }

  // ---------------------------------------------------------------------- principal, action

  private static boolean appliesToPrincipal(JsonNode statement, Request request) {
    if (statement.has("NotPrincipal")) {
      JsonNode not = statement.get("NotPrincipal");
      return list(not.get("Federated")).stream().noneMatch(arn -> request.isProvider(arn.asText()));
    }
    JsonNode principal = statement.get("Principal");
    if (principal == null) {
      return false;
    }
    if (principal.isTextual()) {
      return principal.asText().equals("*");
    }
    return list(principal.get("Federated")).stream()
        .anyMatch(arn -> request.isProvider(arn.asText()));
  }

  private static boolean appliesToAction(JsonNode statement) {
    if (statement.has("NotAction")) {
      return list(statement.get("NotAction")).stream().noneMatch(a -> actionMatches(a.asText()));
    }
    return list(statement.get("Action")).stream().anyMatch(a -> actionMatches(a.asText()));
  }

  static boolean actionMatches(String pattern) {
    return Wildcard.iam(pattern).ignoringCase().matches(ACTION);
  }

  // ------------------------------------------------------------------------------ conditions

  /** Whether a block of conditions holds, with the check that decided it (or all that held). */
  private record Outcome(boolean holds, String detail) {}

  private static Outcome conditions(
      JsonNode block, Request request, boolean variables, boolean deny) {
    if (block == null || !block.isObject() || block.isEmpty()) {
      return new Outcome(true, "no conditions");
    }
    List<String> held = new ArrayList<>();
    for (Map.Entry<String, JsonNode> operator : iterable(block)) {
      for (Map.Entry<String, JsonNode> key : iterable(operator.getValue())) {
        List<String> expected = list(key.getValue()).stream().map(JsonNode::asText).toList();
        Check check = check(operator.getKey(), key.getKey(), expected, request, variables);
        if (check.unknown()) {
          // Fail closed: an Allow we cannot evaluate does not admit; a Deny we cannot evaluate
          // is taken to apply.
          return new Outcome(deny, check.detail());
        }
        if (!check.holds()) {
          return new Outcome(false, check.detail());
        }
        held.add(check.detail());
      }
    }
    return new Outcome(true, String.join(", ", held));
  }

  private record Check(boolean holds, boolean unknown, String detail) {}

  private static Check check(
      String operatorName, String key, List<String> expected, Request request, boolean variables) {
    Matcher parts = OPERATOR.matcher(operatorName);
    String base = parts.matches() ? parts.group(2) : operatorName;
    String set = parts.matches() ? parts.group(1) : null;
    boolean ifExists = parts.matches() && parts.group(3) != null;
    String claim = key.substring(key.lastIndexOf(':') + 1);
    List<String> actual = request.values(key);
    String shownKey = operatorName + " " + key;

    if (base.equals("Null")) {
      boolean wantAbsent = expected.stream().anyMatch(v -> v.equalsIgnoreCase("true"));
      boolean absent = actual == null || actual.isEmpty();
      return new Check(
          absent == wantAbsent,
          false,
          shownKey
              + (absent == wantAbsent ? " holds" : " fails")
              + ": the token "
              + (absent ? "has no " + claim + " claim" : "has " + claim));
    }
    Comparator comparator = comparator(base);
    if (comparator == null) {
      return new Check(
          false,
          true,
          shownKey + ": the simulator does not evaluate the " + base + " operator (refusing)");
    }
    boolean negated = base.contains("Not");
    if (actual == null || actual.isEmpty()) {
      boolean holds;
      if (ifExists) {
        holds = true;
      } else if ("ForAllValues".equals(set)) {
        holds = true;
      } else if ("ForAnyValue".equals(set)) {
        holds = false;
      } else {
        holds = negated;
      }
      return new Check(
          holds,
          false,
          shownKey
              + (holds ? " holds" : " fails")
              + ": the token has no "
              + claim
              + " claim"
              + (holds && "ForAllValues".equals(set)
                  ? " (ForAllValues holds on a missing key)"
                  : ""));
    }
    List<Boolean> perValue = new ArrayList<>();
    for (String value : actual) {
      boolean matchesSome =
          expected.stream().anyMatch(e -> comparator.matches(value, e, request, variables));
      perValue.add(negated != matchesSome);
    }
    boolean holds =
        "ForAllValues".equals(set) || (set == null && negated)
            ? perValue.stream().allMatch(b -> b)
            : perValue.stream().anyMatch(b -> b);
    String token =
        actual.size() == 1
            ? show(actual.get(0))
            : actual.stream().map(AwsTrustEvaluator::show).toList().toString();
    String wanted =
        expected.size() == 1
            ? show(expected.get(0))
            : "any of " + expected.stream().map(AwsTrustEvaluator::show).toList();
    String verb = base.contains("Like") ? "match" : "equal";
    String detail;
    if (negated) {
      detail =
          holds
              ? shownKey
                  + ": the token's "
                  + claim
                  + " "
                  + token
                  + " does not "
                  + verb
                  + " "
                  + wanted
              : shownKey
                  + ": the token's "
                  + claim
                  + " "
                  + token
                  + " does "
                  + verb
                  + " excluded "
                  + wanted;
    } else {
      detail =
          holds
              ? shownKey + ": the token's " + claim + " " + token + " does " + verb + " " + wanted
              : shownKey
                  + ": the token's "
                  + claim
                  + " "
                  + token
                  + " does not "
                  + verb
                  + " "
                  + wanted;
    }
    return new Check(holds, false, detail);
  }

  private interface Comparator {
    boolean matches(String actual, String expected, Request request, boolean variables);
  }

  private static Comparator comparator(String base) {
    return switch (base) {
      case "StringEquals", "StringNotEquals" ->
          (actual, expected, request, variables) ->
              resolve(expected, request, variables)
                  .map(parts -> text(parts).equals(actual))
                  .orElse(false);
      case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase" ->
          (actual, expected, request, variables) ->
              resolve(expected, request, variables)
                  .map(parts -> text(parts).equalsIgnoreCase(actual))
                  .orElse(false);
      case "StringLike", "StringNotLike" ->
          (actual, expected, request, variables) ->
              resolve(expected, request, variables)
                  .map(parts -> pattern(parts).matches(actual))
                  .orElse(false);
      case "Bool" -> (actual, expected, request, variables) -> actual.equalsIgnoreCase(expected);
      default -> null;
    };
  }

  /** A piece of a condition value: as written, or a policy variable's value (literal). */
  private record Part(String text, boolean literal) {}

  /**
   * The condition value cut at its policy variables, each resolved: {@code ${*}}, {@code ${?}},
   * {@code ${$}} stand for the literal character, {@code ${key}} for the token's value of that
   * condition key. Empty when a variable cannot be resolved — IAM then treats the value as not
   * matching.
   */
  private static Optional<List<Part>> resolve(String value, Request request, boolean variables) {
    List<Part> parts = new ArrayList<>();
    int at = 0;
    Matcher variable = VARIABLE.matcher(value);
    while (variables && variable.find()) {
      parts.add(new Part(value.substring(at, variable.start()), false));
      String name = variable.group(1).trim();
      if (name.equals("*") || name.equals("?") || name.equals("$")) {
        parts.add(new Part(name, true));
      } else {
        List<String> resolved = request.values(name);
        if (resolved == null || resolved.size() != 1) {
          return Optional.empty();
        }
        parts.add(new Part(resolved.get(0), true));
      }
      at = variable.end();
    }
    parts.add(new Part(value.substring(at), false));
    return Optional.of(parts);
  }

  private static String text(List<Part> parts) {
    StringBuilder text = new StringBuilder();
    parts.forEach(part -> text.append(part.text()));
    return text.toString();
  }

  /** IAM's StringLike: {@code *} and {@code ?} as written are wildcards, resolved values not. */
  private static Wildcard pattern(List<Part> parts) {
    Wildcard pattern = Wildcard.literal("");
    for (Part part : parts) {
      pattern =
          pattern.followedBy(
              part.literal() ? Wildcard.literal(part.text()) : Wildcard.iam(part.text()));
    }
    return pattern;
  }

  // --------------------------------------------------------------------------------- helpers

  /** IAM accepts a single value where a list is meant; this reads both. */
  static List<JsonNode> list(JsonNode node) {
    List<JsonNode> values = new ArrayList<>();
    if (node == null || node.isNull()) {
      return values;
    }
    if (node.isArray()) {
      node.forEach(values::add);
    } else {
      values.add(node);
    }
    return values;
  }

  static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode node) {
    List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
    if (node != null && node.isObject()) {
      node.fields().forEachRemaining(entries::add);
    }
    return entries;
  }

  private static String label(JsonNode statement, int index) {
    String sid = statement.path("Sid").asText("");
    return "statement " + (index + 1) + (sid.isEmpty() ? "" : " (" + sid + ")");
  }

  private static String show(String value) {
    return "'" + value + "'";
  }
}
