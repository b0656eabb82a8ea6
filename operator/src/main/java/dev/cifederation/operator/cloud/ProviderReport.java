package dev.cifederation.operator.cloud;

import dev.cifederation.operator.api.v1alpha1.CloudReason;
import java.util.List;

/**
 * What {@link OidcProviders#keepThumbprints} found and did in one account.
 *
 * @param thumbprints what the provider lists after the pass
 * @param written whether this pass replaced the thumbprint list
 * @param before what the provider listed before this pass
 * @param failure the reason when {@code state} is {@link State#Failed}, else null
 * @param message for people: what was found, written, or went wrong
 */
public record ProviderReport(
    String accountId,
    String providerArn,
    State state,
    List<String> thumbprints,
    List<String> clientIds,
    boolean written,
    List<String> before,
    CloudReason failure,
    String message) {

  public enum State {
    /** The provider exists and is the operator's. */
    Present,
    /** No provider for the issuer in the account (yet: identities create it). */
    Missing,
    /** A provider exists without the operator's ownership tags: read, never written. */
    NotOwned,
    /** AWS could not be read or written; nothing is known beyond the message. */
    Failed
  }

  public ProviderReport {
    thumbprints = List.copyOf(thumbprints);
    clientIds = List.copyOf(clientIds);
    before = List.copyOf(before);
  }
}
