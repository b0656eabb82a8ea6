package dev.cifederation.operator.trust;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Trust as one cloud has it right now (read during reconcile), in the cloud's own terms: the input
 * of the trust lint on live state and of "who can assume this". The compiled trust can be rendered
 * in the same shape, so spec and live state are judged by the same code.
 */
public sealed interface LiveTrust {

  /**
   * An IAM role's trust policy, decoded JSON as IAM returns it, and what the role grants once
   * assumed (for the permission rules of the trust lint).
   *
   * @param inlinePolicies inline policy name to decoded JSON document
   * @param maxSessionDuration empty when not read
   */
  record Aws(
      String roleArn,
      String trustPolicyJson,
      Map<String, String> inlinePolicies,
      Set<String> managedPolicyArns,
      Optional<Duration> maxSessionDuration)
      implements LiveTrust {

    public Aws {
      inlinePolicies = Map.copyOf(inlinePolicies);
      managedPolicyArns = Set.copyOf(managedPolicyArns);
    }

    /** The trust policy alone (permissions unknown). */
    public Aws(String roleArn, String trustPolicyJson) {
      this(roleArn, trustPolicyJson, Map.of(), Set.of(), Optional.empty());
    }
  }

  /**
   * A workload identity pool provider and the members bound on the service account that belong to
   * its pool.
   *
   * @param disabled a disabled provider accepts no token (how trust is withdrawn in place)
   */
  record Gcp(
      String providerName,
      String issuerUri,
      List<String> allowedAudiences,
      Map<String, String> attributeMapping,
      String attributeCondition,
      List<String> members,
      boolean disabled)
      implements LiveTrust {

    /** An enabled provider. */
    public Gcp(
        String providerName,
        String issuerUri,
        List<String> allowedAudiences,
        Map<String, String> attributeMapping,
        String attributeCondition,
        List<String> members) {
      this(
          providerName,
          issuerUri,
          allowedAudiences,
          attributeMapping,
          attributeCondition,
          members,
          false);
    }
  }

  /** Every federated credential on a managed identity. */
  record Azure(String identityId, List<FederatedCredential> credentials) implements LiveTrust {}

  /** One federated identity credential: exact issuer, exact subject, audiences. */
  record FederatedCredential(String name, String issuer, String subject, List<String> audiences) {}
}
