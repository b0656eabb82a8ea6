package dev.cifederation.operator.trust;

import java.util.List;

/**
 * The desired Azure side of an identity: a user-assigned managed identity and one federated
 * identity credential on it. Azure matches issuer and subject exactly and takes exactly one
 * audience.
 */
public record AzureTrust(
    String subscriptionId,
    String resourceGroup,
    String identityName,
    String credentialName,
    String issuer,
    String subject,
    List<String> audiences) {

  public AzureTrust {
    audiences = List.copyOf(audiences);
  }
}
