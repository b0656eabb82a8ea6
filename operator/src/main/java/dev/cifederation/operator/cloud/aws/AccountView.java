package dev.cifederation.operator.cloud.aws;

import java.util.List;
import java.util.Optional;

/**
 * What a pass observed in the identity's account, from the account's shared snapshot (a steady pass
 * costs no IAM call): the OIDC provider for the issuer, the role of the spec's name (complete when
 * the pass may act on it), and the roles that may be the identity's by their marks or its recorded
 * ARN (for roles it owns under an earlier name).
 */
record AccountView(Optional<LiveProvider> provider, Optional<LiveRole> role, List<LiveRole> roles) {

  AccountView {
    roles = List.copyOf(roles);
  }
}
