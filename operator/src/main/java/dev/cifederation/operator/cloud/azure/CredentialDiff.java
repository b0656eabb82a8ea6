package dev.cifederation.operator.cloud.azure;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The federated credentials of an identity the operator owns, compared with the one credential it
 * should hold. Pure.
 *
 * <p>Every other credential on the identity is foreign: it lets another issuer or subject obtain
 * the identity's roles, which the operator exists to prevent, and it would make {@code
 * status.whoCanAssume} untrue; so foreign credentials are drift, removed under Enforce.
 */
final class CredentialDiff {

  /** A federated credential as desired or as Azure has it. */
  record Credential(String name, String issuer, String subject, List<String> audiences) {
    Credential {
      audiences = List.copyOf(audiences);
    }

    String describe() {
      return name
          + " (issuer "
          + issuer
          + ", subject "
          + subject
          + ", audiences "
          + audiences
          + ")";
    }
  }

  private final Credential desired;
  private final Optional<Credential> ours;
  private final List<Credential> foreign;
  private final List<String> differences;

  private CredentialDiff(
      Credential desired,
      Optional<Credential> ours,
      List<Credential> foreign,
      List<String> differences) {
    this.desired = desired;
    this.ours = ours;
    this.foreign = List.copyOf(foreign);
    this.differences = List.copyOf(differences);
  }

  static CredentialDiff of(Credential desired, List<Credential> live) {
    Optional<Credential> ours =
        live.stream().filter(c -> c.name().equalsIgnoreCase(desired.name())).findFirst();
    List<Credential> foreign =
        live.stream().filter(c -> !c.name().equalsIgnoreCase(desired.name())).toList();
    List<String> differences = new ArrayList<>();
    ours.ifPresent(
        live1 -> {
          if (!desired.issuer().equals(live1.issuer())) {
            differences.add("issuer '" + live1.issuer() + "' -> '" + desired.issuer() + "'");
          }
          if (!desired.subject().equals(live1.subject())) {
            differences.add("subject '" + live1.subject() + "' -> '" + desired.subject() + "'");
          }
          if (!desired.audiences().equals(live1.audiences())) {
            differences.add("audiences " + live1.audiences() + " -> " + desired.audiences());
          }
        });
    return new CredentialDiff(desired, ours, foreign, differences);
  }

  Credential desired() {
    return desired;
  }

  boolean missing() {
    return ours.isEmpty();
  }

  /** What differs in the operator's credential, e.g. {@code subject 'a' -> 'b'}; empty if none. */
  List<String> differences() {
    return differences;
  }

  /** Credentials on the identity other than the operator's. */
  List<Credential> foreign() {
    return foreign;
  }

  boolean inSync() {
    return !missing() && differences.isEmpty() && foreign.isEmpty();
  }
}
