package dev.cifederation.operator.cloud.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.AwsIdentitySpec;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.trust.AwsTrust;
import dev.cifederation.operator.trust.LiveTrust;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The role an identity should have: the compiled trust policy, exactly the declared managed
 * policies, at most the one declared inline policy ({@value #INLINE_POLICY_NAME}), the session
 * limit, the boundary and the ownership tags.
 */
public record DesiredRole(
    String name,
    String path,
    String description,
    ObjectNode trustPolicy,
    Set<String> managedPolicyArns,
    Optional<JsonNode> inlinePolicy,
    int maxSessionDuration,
    Optional<String> permissionsBoundaryArn,
    Map<String, String> tags) {

  /** The name of the one inline policy the operator puts; any other inline policy is removed. */
  public static final String INLINE_POLICY_NAME = "cifederation";

  public DesiredRole {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(trustPolicy, "trustPolicy");
    managedPolicyArns = Set.copyOf(managedPolicyArns);
    tags = Map.copyOf(tags);
  }

  public static DesiredRole of(AwsTrust trust, AwsIdentitySpec spec, String iamPath, Owner owner) {
    List<String> arns =
        spec.getManagedPolicyArns() == null ? List.of() : spec.getManagedPolicyArns();
    JsonNode inline = spec.getInlinePolicy();
    String boundary = spec.getPermissionsBoundaryArn();
    return new DesiredRole(
        trust.roleName(),
        iamPath,
        "CI federation role of " + owner.owner() + " (managed by cifederation-operator)",
        trust.trustPolicy(),
        new TreeSet<>(arns),
        inline == null || inline.isNull() || inline.isEmpty()
            ? Optional.empty()
            : Optional.of(inline.deepCopy()),
        Math.toIntExact(trust.maxSessionDuration().toSeconds()),
        boundary == null || boundary.isBlank() ? Optional.empty() : Optional.of(boundary),
        OwnershipTags.tags(owner));
  }

  /** What IAM holds once every planned change is written: the trust for the guardrails. */
  LiveTrust.Aws asLiveTrust(String roleArn) {
    return new LiveTrust.Aws(
        roleArn,
        trustPolicy.toString(),
        inlinePolicy.map(p -> Map.of(INLINE_POLICY_NAME, p.toString())).orElse(Map.of()),
        managedPolicyArns,
        Optional.of(Duration.ofSeconds(maxSessionDuration)));
  }
}
