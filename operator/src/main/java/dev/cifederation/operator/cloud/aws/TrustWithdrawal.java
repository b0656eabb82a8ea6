package dev.cifederation.operator.cloud.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import java.util.TreeSet;

/**
 * The trust policy of a revoked (or suspended) role: one explicit Deny of {@code
 * sts:AssumeRoleWithWebIdentity} and no Allow, so IAM admits no web identity token whatever the
 * claims. The Deny names the OIDC providers the role trusted, so the role still counts as a user of
 * the shared provider (the provider is not deleted under a suspended role, and comes back with the
 * same ARN on resume); the role, its RoleId and its permissions are untouched. Pure.
 */
final class TrustWithdrawal {

  static final String SID = "CIFederationTrustWithdrawn";
  static final String ACTION = "sts:AssumeRoleWithWebIdentity";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private TrustWithdrawal() {}

  /**
   * The withdrawn trust policy for a role that trusted {@code providerArns}; with none known, the
   * Deny applies to every principal.
   */
  static ObjectNode document(Set<String> providerArns) {
    ObjectNode statement = NODES.objectNode();
    statement.put("Sid", SID);
    statement.put("Effect", "Deny");
    if (providerArns.isEmpty()) {
      statement.put("Principal", "*");
    } else {
      ArrayNode federated = NODES.arrayNode();
      new TreeSet<>(providerArns).forEach(federated::add);
      statement.putObject("Principal").set("Federated", federated);
    }
    statement.put("Action", ACTION);
    ObjectNode policy = NODES.objectNode();
    policy.put("Version", "2012-10-17");
    policy.putArray("Statement").add(statement);
    return policy;
  }

  /** Whether a live trust policy is the withdrawn one (no statement but the Deny). */
  static boolean isWithdrawn(JsonNode trustPolicy, Set<String> providerArns) {
    return PolicyDocuments.equivalent(document(providerArns), trustPolicy);
  }
}
