package dev.cifederation.operator.cloud.azure;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Where a user-assigned managed identity lives: subscription, resource group and name. */
record IdentityRef(String subscriptionId, String resourceGroup, String name) {

  private static final Pattern IDENTITY_ID =
      Pattern.compile(
          "/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/"
              + "Microsoft\\.ManagedIdentity/userAssignedIdentities/([^/]+)",
          Pattern.CASE_INSENSITIVE);

  /** The identity of an ARM resource ID, when it is one. */
  static Optional<IdentityRef> parse(String identityId) {
    if (identityId == null) {
      return Optional.empty();
    }
    Matcher m = IDENTITY_ID.matcher(identityId);
    return m.matches()
        ? Optional.of(new IdentityRef(m.group(1), m.group(2), m.group(3)))
        : Optional.empty();
  }

  /**
   * The ARM resource ID, known before the identity exists: the key of its lock (ARM compares IDs
   * case-insensitively, and so do {@link IdentityLocks}).
   */
  String id() {
    return "/subscriptions/"
        + subscriptionId
        + "/resourceGroups/"
        + resourceGroup
        + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
        + name;
  }

  String describe() {
    return "managed identity " + name + " in " + subscriptionId + "/" + resourceGroup;
  }
}
