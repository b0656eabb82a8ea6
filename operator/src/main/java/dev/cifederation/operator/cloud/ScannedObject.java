package dev.cifederation.operator.cloud;

import dev.cifederation.operator.trust.ExistingObject;
import dev.cifederation.operator.trust.LiveTrust;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One cloud object a scanner of {@code audit} found, whoever made it: its trust as the adapter
 * reads it for the operator's own identities (so the same lint judges it), where it lives, and what
 * else is worth reporting about it.
 *
 * @param kind e.g. {@code role}, {@code oidc-provider}, {@code provider}, {@code identity}
 * @param id the object's ARN or resource name: the SARIF logical location
 * @param trust empty for an object that holds no trust itself (an AWS OIDC provider)
 * @param existing empty when there is nothing an identity could address
 * @param notes facts for people, e.g. thumbprints or role assignments
 */
public record ScannedObject(
    Cloud cloud,
    String kind,
    String id,
    Optional<LiveTrust> trust,
    Optional<ExistingObject> existing,
    List<String> notes) {

  public ScannedObject {
    Objects.requireNonNull(cloud, "cloud");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(trust, "trust");
    Objects.requireNonNull(existing, "existing");
    notes = List.copyOf(notes);
  }
}
