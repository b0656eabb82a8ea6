package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.trust.Wildcard;
import java.util.List;
import java.util.Optional;

/**
 * Whether a policy grants adopting an existing role: one of the {@code spec.aws.adoptableRoles}
 * patterns of the selecting CIFederationPolicies matches its ARN, {@code *} standing for any run of
 * characters. Pure.
 */
final class Adoption {

  private Adoption() {}

  /** The first pattern that matches the role ARN, if any. */
  static Optional<String> grantFor(List<String> patterns, String roleArn) {
    return patterns.stream().filter(p -> matches(p, roleArn)).findFirst();
  }

  static boolean matches(String pattern, String text) {
    return Wildcard.starsOnly(pattern).matches(text);
  }
}
