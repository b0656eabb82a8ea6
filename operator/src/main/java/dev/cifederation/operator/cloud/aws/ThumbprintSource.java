package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.trust.AwsTrust;
import java.util.List;

/**
 * The thumbprints an issuer's IAM OIDC provider should list (lowercase hex SHA-1, at most 5).
 *
 * <p>An empty list means "leave them to IAM": CreateOpenIDConnectProvider no longer requires a
 * thumbprint list (IAM then fetches the top intermediate itself), AWS validates issuers such as
 * token.actions.githubusercontent.com against its own CA library and ignores thumbprints, and moto
 * accepts an empty list. The adapter never removes thumbprints because of an empty list (fail
 * closed); a non-empty list is enforced on providers the operator owns. The issuer-health work
 * (CIIssuer thumbprints: Track / Pinned / Off) plugs in here; this adapter does not fetch TLS
 * chains itself.
 */
@FunctionalInterface
public interface ThumbprintSource {

  List<String> thumbprints(AwsTrust trust);

  /** No thumbprints required: IAM and AWS's own CA library take care of them. */
  static ThumbprintSource notRequired() {
    return trust -> List.of();
  }
}
