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

  /** This trust in the shape the Azure adapter reads it: the identity and its one credential. */
  public LiveTrust.Azure asLive() {
    return new LiveTrust.Azure(
        "/subscriptions/"
            + subscriptionId
            + "/resourceGroups/"
            + resourceGroup
            + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
            + identityName,
        List.of(new LiveTrust.FederatedCredential(credentialName, issuer, subject, audiences)));
  }
}
