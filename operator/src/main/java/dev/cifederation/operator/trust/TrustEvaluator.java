package dev.cifederation.operator.trust;

import java.util.Objects;

/**
 * "Would this cloud let this token in?" — for a trust as a cloud has it (or as the spec compiles to
 * it, see {@link CompiledTrust#liveTrusts()}), and the claims of one OIDC token. Pure: the token's
 * signature, expiry and the issuer's keys are taken as valid; only the trust decides.
 */
public final class TrustEvaluator {

  private TrustEvaluator() {}

  public static Admission evaluate(LiveTrust trust, Claims claims) {
    Objects.requireNonNull(trust, "trust");
    Objects.requireNonNull(claims, "claims");
    if (trust instanceof LiveTrust.Aws aws) {
      return AwsTrustEvaluator.evaluate(aws, claims);
    }
    if (trust instanceof LiveTrust.Gcp gcp) {
      return GcpTrustEvaluator.evaluate(gcp, claims);
    }
    return AzureTrustEvaluator.evaluate((LiveTrust.Azure) trust, claims);
  }
}
