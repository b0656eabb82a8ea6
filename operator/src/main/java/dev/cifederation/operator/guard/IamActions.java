package dev.cifederation.operator.guard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cifederation.operator.trust.Wildcard;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What the Allow statements of an IAM permissions policy grant, read for the guardrails. */
final class IamActions {

  /** A grant and the forbidden entry it runs into. */
  record Violation(String granted, String forbidden) {}

  private IamActions() {}

  /**
   * The actions the Allow statements grant; an Allow with NotAction grants everything but a few
   * actions, so it counts as {@code *} (fail closed).
   */
  static List<String> granted(JsonNode policy) {
    List<String> actions = new ArrayList<>();
    for (JsonNode statement : TrustLint.list(policy.path("Statement"))) {
      if (!"Allow".equalsIgnoreCase(statement.path("Effect").asText())) {
        continue;
      }
      if (statement.has("NotAction")) {
        actions.add("*");
      }
      TrustLint.list(statement.path("Action")).forEach(a -> actions.add(a.asText()));
    }
    return actions;
  }

  /** Grants of every action, of NotAction, or of every action of a service that escalates. */
  static List<String> broadGrants(JsonNode policy, Set<String> escalatingServices) {
    List<String> broad = new ArrayList<>();
    for (JsonNode statement : TrustLint.list(policy.path("Statement"))) {
      if (!"Allow".equalsIgnoreCase(statement.path("Effect").asText())) {
        continue;
      }
      if (statement.has("NotAction")) {
        broad.add("every action but " + statement.get("NotAction") + " (Allow with NotAction)");
      }
      for (JsonNode node : TrustLint.list(statement.path("Action"))) {
        String action = node.asText();
        if (isEveryAction(action)) {
          broad.add("'" + action + "' (every action)");
        } else {
          escalatingServices.stream()
              .filter(service -> Wildcard.iam(action).ignoringCase().matches(service + ":*"))
              .findFirst()
              .ifPresent(service -> broad.add("'" + action + "' (all of " + service + ")"));
        }
      }
    }
    return broad;
  }

  /**
   * The first grant that runs into a forbidden entry. {@code *} forbids granting every action; any
   * other entry is an action pattern, and a grant that could allow an action it names is refused
   * ({@code iam:*} refuses {@code iam:PassRole}, {@code iam:Pass*} and {@code *}).
   */
  static Optional<Violation> forbidden(JsonNode policy, List<String> forbiddenActions) {
    for (String grant : granted(policy)) {
      for (String banned : forbiddenActions) {
        boolean hit =
            isEveryAction(banned)
                ? isEveryAction(grant)
                : Wildcard.iam(grant).ignoringCase().overlaps(Wildcard.iam(banned));
        if (hit) {
          return Optional.of(new Violation(grant, banned));
        }
      }
    }
    return Optional.empty();
  }

  static boolean isEveryAction(String action) {
    return action.chars().allMatch(c -> c == '*') || action.equals("*:*");
  }
}
