package dev.cifederation.operator.cloud.aws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cifederation.operator.trust.LiveTrust;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An IAM role as read from the account, with its documents decoded.
 *
 * @param maxSessionDuration seconds; empty when the bulk read did not include it (roles outside the
 *     operator's IAM path): read the role on its own before comparing
 * @param inlinePolicies policy name to document
 */
public record LiveRole(
    String name,
    String path,
    String arn,
    JsonNode trustPolicy,
    Set<String> managedPolicyArns,
    Map<String, JsonNode> inlinePolicies,
    OptionalInt maxSessionDuration,
    Optional<String> permissionsBoundaryArn,
    Map<String, String> tags) {

  public LiveRole {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(trustPolicy, "trustPolicy");
    managedPolicyArns = Set.copyOf(managedPolicyArns);
    inlinePolicies = Map.copyOf(inlinePolicies);
    tags = Map.copyOf(tags);
  }

  /**
   * The role as CreateRole makes it for {@code desired}: its trust policy, session limit, boundary
   * and tags, no policies yet.
   */
  static LiveRole created(DesiredRole desired, String arn) {
    return new LiveRole(
        desired.name(),
        desired.path(),
        arn,
        desired.trustPolicy(),
        Set.of(),
        Map.of(),
        OptionalInt.of(desired.maxSessionDuration()),
        desired.permissionsBoundaryArn(),
        desired.tags());
  }

  /** The trust as read, for the guardrails and "who can assume this". */
  LiveTrust.Aws asLiveTrust() {
    Map<String, String> inline = new TreeMap<>();
    inlinePolicies.forEach((policy, document) -> inline.put(policy, document.toString()));
    return new LiveTrust.Aws(
        arn,
        trustPolicy.toString(),
        inline,
        managedPolicyArns,
        maxSessionDuration.isPresent()
            ? Optional.of(Duration.ofSeconds(maxSessionDuration.getAsInt()))
            : Optional.empty());
  }

  /** Whether any statement of the trust policy names this federated principal. */
  public boolean trustsFederated(String providerArn) {
    return federatedPrincipals().contains(providerArn);
  }

  /** The federated principals (OIDC provider ARNs) the trust policy names. */
  public Set<String> federatedPrincipals() {
    Set<String> principals = new TreeSet<>();
    JsonNode statements = trustPolicy.path("Statement");
    for (JsonNode statement : statements.isArray() ? statements : List.of(statements)) {
      JsonNode federated = statement.path("Principal").path("Federated");
      if (federated.isTextual()) {
        principals.add(federated.asText());
      }
      if (federated.isArray()) {
        federated.forEach(value -> principals.add(value.asText()));
      }
    }
    return principals;
  }

  /** This role with another trust policy, as written by a withdrawal. */
  public LiveRole withTrustPolicy(JsonNode document) {
    return new LiveRole(
        name,
        path,
        arn,
        document,
        managedPolicyArns,
        inlinePolicies,
        maxSessionDuration,
        permissionsBoundaryArn,
        tags);
  }

  /** This role with {@code added} tags put over its own. */
  public LiveRole withTags(Map<String, String> added) {
    Map<String, String> merged = new java.util.LinkedHashMap<>(tags);
    merged.putAll(added);
    return new LiveRole(
        name,
        path,
        arn,
        trustPolicy,
        managedPolicyArns,
        inlinePolicies,
        maxSessionDuration,
        permissionsBoundaryArn,
        merged);
  }

  /**
   * This role once every change {@link RolePlanner#plan} planned towards {@code desired} has been
   * written: the desired documents, policies, session limit and boundary, the desired tags added to
   * the others.
   */
  public LiveRole afterApplying(DesiredRole desired) {
    Map<String, String> mergedTags = new java.util.LinkedHashMap<>(tags);
    mergedTags.putAll(desired.tags());
    return new LiveRole(
        name,
        path,
        arn,
        desired.trustPolicy(),
        desired.managedPolicyArns(),
        desired
            .inlinePolicy()
            .map(document -> Map.of(DesiredRole.INLINE_POLICY_NAME, document))
            .orElse(Map.of()),
        OptionalInt.of(desired.maxSessionDuration()),
        desired.permissionsBoundaryArn(),
        mergedTags);
  }
}
