package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.trust.AwsTrust;
import java.util.List;

/**
 * The thumbprints a newly created IAM OIDC provider for an issuer starts with (lowercase hex SHA-1,
 * at most 5).
 *
 * <p>Only creation asks: the thumbprints of an existing provider are kept by the issuer checks
 * through {@link AwsCloud#keepThumbprints}, which add a rotated thumbprint before removing the old
 * one. An empty list means "leave them to IAM": CreateOpenIDConnectProvider no longer requires a
 * thumbprint list (IAM then fetches the top intermediate itself), AWS validates issuers such as
 * token.actions.githubusercontent.com against its own CA library, and moto accepts an empty list.
 * The operator wires this to the last successful check of the issuer; this adapter does not fetch
 * TLS chains itself.
 */
@FunctionalInterface
public interface ThumbprintSource {

  List<String> thumbprints(AwsTrust trust);

  /** No thumbprints required: IAM and AWS's own CA library take care of them. */
  static ThumbprintSource notRequired() {
    return trust -> List.of();
  }
}
