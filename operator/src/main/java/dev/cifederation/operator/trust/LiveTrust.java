package dev.cifederation.operator.trust;

import java.util.List;
import java.util.Map;

/**
 * Trust as one cloud has it right now (read during reconcile), in the cloud's own terms: the input
 * of the trust lint on live state and of "who can assume this". The compiled trust can be rendered
 * in the same shape, so spec and live state are judged by the same code.
 */
public sealed interface LiveTrust {

  /** An IAM role's trust policy, decoded JSON as IAM returns it. */
  record Aws(String roleArn, String trustPolicyJson) implements LiveTrust {}

  /**
   * A workload identity pool provider and the members bound on the service account that belong to
   * its pool.
   */
  record Gcp(
      String providerName,
      String issuerUri,
      List<String> allowedAudiences,
      Map<String, String> attributeMapping,
      String attributeCondition,
      List<String> members)
      implements LiveTrust {}

  /** Every federated credential on a managed identity. */
  record Azure(String identityId, List<FederatedCredential> credentials) implements LiveTrust {}

  /** One federated identity credential: exact issuer, exact subject, audiences. */
  record FederatedCredential(String name, String issuer, String subject, List<String> audiences) {}
}
