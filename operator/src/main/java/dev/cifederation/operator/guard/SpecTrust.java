package dev.cifederation.operator.guard;

import dev.cifederation.operator.api.v1alpha1.AwsIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.trust.AwsTrust;
import dev.cifederation.operator.trust.AzureTrust;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.GcpTrust;
import dev.cifederation.operator.trust.LiveTrust;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The compiled trust rendered in the shape the clouds return it, so the trust lint judges the spec
 * and the live state with the same rules.
 */
public final class SpecTrust {

  /** The name the AWS adapter gives the one inline policy it puts. */
  static final String INLINE_POLICY_NAME = "cifederation";

  private SpecTrust() {}

  /** One entry per cloud block the trust was compiled for. */
  public static List<LiveTrust> render(CompiledTrust trust, CIFederatedIdentitySpec spec) {
    List<LiveTrust> rendered = new ArrayList<>();
    if (trust.aws() != null) {
      rendered.add(aws(trust.aws(), spec.getAws()));
    }
    if (trust.gcp() != null) {
      rendered.add(gcp(trust.gcp()));
    }
    if (trust.azure() != null) {
      rendered.add(azure(trust.azure()));
    }
    return rendered;
  }

  static LiveTrust.Aws aws(AwsTrust trust, AwsIdentitySpec spec) {
    Map<String, String> inline =
        spec == null || spec.getInlinePolicy() == null || spec.getInlinePolicy().isEmpty()
            ? Map.of()
            : Map.of(INLINE_POLICY_NAME, spec.getInlinePolicy().toString());
    Set<String> managed =
        spec == null || spec.getManagedPolicyArns() == null
            ? Set.of()
            : Set.copyOf(spec.getManagedPolicyArns());
    return new LiveTrust.Aws(
        "arn:aws:iam::" + trust.accountId() + ":role/" + trust.roleName(),
        trust.trustPolicyJson(),
        inline,
        managed,
        Optional.ofNullable(trust.maxSessionDuration()));
  }

  static LiveTrust.Gcp gcp(GcpTrust trust) {
    return new LiveTrust.Gcp(
        trust.providerName(),
        trust.issuerUri(),
        trust.allowedAudiences(),
        trust.attributeMapping(),
        trust.attributeCondition(),
        List.of(trust.principal()));
  }

  static LiveTrust.Azure azure(AzureTrust trust) {
    return trust.asLive();
  }
}
