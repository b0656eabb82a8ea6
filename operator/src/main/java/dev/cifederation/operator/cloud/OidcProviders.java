package dev.cifederation.operator.cloud;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The AWS side of issuer health (CIIssuer thumbprints): an issuer's IAM OIDC provider in one
 * account, read, and its thumbprint list replaced when the caller's plan asks for it — only on a
 * provider the operator owns.
 */
public interface OidcProviders {

  /**
   * Reads the issuer's provider in the account and applies {@code plan} to its registered
   * thumbprints: an empty result leaves it as it is, a list replaces the registered one in one
   * UpdateOpenIDConnectProviderThumbprint call. Never throws for AWS failures; the report says.
   */
  ProviderReport keepThumbprints(
      String accountId, String issuerUrl, Function<List<String>, Optional<List<String>>> plan);
}
