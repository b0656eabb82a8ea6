package dev.cifederation.operator.cloud.aws;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

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
    StringBuilder regex = new StringBuilder();
    int at = 0;
    for (int star = pattern.indexOf('*'); star >= 0; star = pattern.indexOf('*', at)) {
      regex.append(Pattern.quote(pattern.substring(at, star))).append(".*");
      at = star + 1;
    }
    regex.append(Pattern.quote(pattern.substring(at)));
    return Pattern.compile(regex.toString(), Pattern.DOTALL).matcher(text).matches();
  }
}
