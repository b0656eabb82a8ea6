package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.api.v1alpha1.AwsIdentityStatus;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the account and role name back from the ARNs recorded in status.aws. */
final class Arns {

  // arn:<partition>:iam::<account>:role/<path/>name  and  ...:oidc-provider/<host/path>
  private static final Pattern IAM_ARN =
      Pattern.compile("arn:aws[a-z-]*:iam::([0-9]{12}):(role|oidc-provider)/(.+)");

  private Arns() {}

  /**
   * The ARN IAM gives a role it creates: in the partition the compiled trust names its OIDC
   * provider in ({@code aws}), under the operator's IAM path.
   */
  static String role(String accountId, String path, String name) {
    return "arn:aws:iam::" + accountId + ":role" + path + name;
  }

  /** The account of the recorded role, else of the recorded provider. */
  static Optional<String> account(AwsIdentityStatus status) {
    if (status == null) {
      return Optional.empty();
    }
    return match(status.getRoleArn()).or(() -> match(status.getProviderArn())).map(m -> m.group(1));
  }

  /** The name of the recorded role (the last segment: role names cannot contain '/'). */
  static Optional<String> roleName(AwsIdentityStatus status) {
    return Optional.ofNullable(status)
        .flatMap(s -> match(s.getRoleArn()))
        .filter(m -> m.group(2).equals("role"))
        .map(m -> m.group(3).substring(m.group(3).lastIndexOf('/') + 1));
  }

  private static Optional<Matcher> match(String arn) {
    if (arn == null) {
      return Optional.empty();
    }
    Matcher matcher = IAM_ARN.matcher(arn);
    return matcher.matches() ? Optional.of(matcher) : Optional.empty();
  }
}
