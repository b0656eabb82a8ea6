package dev.cifederation.operator.trust;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Objects;

/**
 * The desired AWS side of an identity: the account's IAM OIDC provider for the issuer and the role
 * trusted through it.
 *
 * @param providerUrl the issuer's https URL, as given to CreateOpenIDConnectProvider
 * @param audience the client ID the provider must list and the trust policy checks in {@code aud}
 * @param trustPolicy the role's AssumeRolePolicyDocument; a copy, callers may not change ours
 */
public record AwsTrust(
    String accountId,
    String roleName,
    String providerArn,
    String providerUrl,
    String audience,
    ObjectNode trustPolicy,
    Duration maxSessionDuration) {

  public AwsTrust {
    Objects.requireNonNull(trustPolicy, "trustPolicy");
    trustPolicy = trustPolicy.deepCopy();
  }

  /** A copy, so the compiled document stays what was compiled (ObjectNode is mutable). */
  @Override
  public ObjectNode trustPolicy() {
    return trustPolicy.deepCopy();
  }

  /**
   * The trust policy pretty-printed with 2-space indents and {@code "key": value}, keys in the
   * order AWS documents them (Version, Statement; Effect, Principal, Action, Condition).
   */
  public String trustPolicyJson() {
    return TrustJson.pretty(trustPolicy);
  }

  /**
   * This trust in the shape the AWS adapter reads it, so spec and live role are judged alike. The
   * role ARN omits the IAM path (configuration, not spec); only its account matters here.
   */
  public LiveTrust.Aws asLive() {
    return new LiveTrust.Aws("arn:aws:iam::" + accountId + ":role/" + roleName, trustPolicyJson());
  }
}
