package dev.cifederation.operator.trust;

import java.util.ArrayList;
import java.util.List;

/**
 * The desired Azure side of an identity: a user-assigned managed identity and its federated
 * identity credentials. Azure matches issuer and subject exactly and takes exactly one audience.
 * Normally there is one credential; during a subject migration a second one admits the name-based
 * subject (the route Microsoft documents for Entra: one credential per subject).
 *
 * @param credentialName the name of the credential for {@code subject}
 * @param migrationCredentialName the name of the second credential an identity may hold, whether or
 *     not a migration is under way (the adapter owns both names)
 * @param migrationSubject the name-based subject admitted during a migration's window, else null
 */
public record AzureTrust(
    String subscriptionId,
    String resourceGroup,
    String identityName,
    String credentialName,
    String migrationCredentialName,
    String issuer,
    String subject,
    String migrationSubject,
    List<String> audiences) {

  public AzureTrust {
    audiences = List.copyOf(audiences);
    if (migrationSubject != null && migrationSubject.equals(subject)) {
      // Azure refuses two credentials with the same issuer and subject on one identity
      throw new IllegalArgumentException("the migration subject must differ from the subject");
    }
  }

  /** Every credential the identity should hold, the current subject's first: one or two. */
  public List<LiveTrust.FederatedCredential> credentials() {
    List<LiveTrust.FederatedCredential> credentials = new ArrayList<>(2);
    credentials.add(new LiveTrust.FederatedCredential(credentialName, issuer, subject, audiences));
    if (migrationSubject != null) {
      credentials.add(
          new LiveTrust.FederatedCredential(
              migrationCredentialName, issuer, migrationSubject, audiences));
    }
    return credentials;
  }

  /** The resource ID of the managed identity. */
  public String identityId() {
    return "/subscriptions/"
        + subscriptionId
        + "/resourceGroups/"
        + resourceGroup
        + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
        + identityName;
  }

  /** This trust in the shape the Azure adapter reads it: the identity and its credentials. */
  public LiveTrust.Azure asLive() {
    return new LiveTrust.Azure(identityId(), credentials());
  }
}
