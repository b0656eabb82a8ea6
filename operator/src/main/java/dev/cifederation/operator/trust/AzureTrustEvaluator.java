package dev.cifederation.operator.trust;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides, as Microsoft Entra would, whether a token matches one of a managed identity's federated
 * credentials: issuer, subject and audience must each be exactly equal — Azure has no wildcards.
 */
final class AzureTrustEvaluator {

  private AzureTrustEvaluator() {}

  static Admission evaluate(LiveTrust.Azure trust, Claims claims) {
    if (trust.credentials().isEmpty()) {
      return Admission.refused("the managed identity has no federated credential");
    }
    Optional<String> issuer = claims.string("iss");
    Optional<String> subject = claims.string("sub");
    List<String> audiences = claims.strings("aud");
    List<String> mismatches = new ArrayList<>();
    for (LiveTrust.FederatedCredential credential : trust.credentials()) {
      String label = "credential " + credential.name();
      if (issuer.isEmpty() || !issuer.get().equals(credential.issuer())) {
        mismatches.add(
            label
                + ": issuer '"
                + credential.issuer()
                + "' is not the token's "
                + issuer.map(Cel::show).orElse("(none)"));
      } else if (subject.isEmpty() || !subject.get().equals(credential.subject())) {
        mismatches.add(
            label
                + ": subject '"
                + credential.subject()
                + "' is not the token's sub "
                + subject.map(Cel::show).orElse("(none)")
                + " (Azure matches the subject exactly)");
      } else if (audiences.stream().noneMatch(credential.audiences()::contains)) {
        mismatches.add(
            label
                + ": audience "
                + String.join(", ", credential.audiences())
                + " is not the token's aud "
                + (audiences.isEmpty() ? "(none)" : String.join(", ", audiences)));
      } else {
        return Admission.admitted(
            label + " matches issuer, subject '" + credential.subject() + "' and audience");
      }
    }
    return Admission.refused(String.join("; ", mismatches));
  }
}
