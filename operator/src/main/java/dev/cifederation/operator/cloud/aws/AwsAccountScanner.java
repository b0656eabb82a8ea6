package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudFailure;
import dev.cifederation.operator.cloud.ScannedObject;
import dev.cifederation.operator.cloud.TargetScan;
import dev.cifederation.operator.config.AwsConfig;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.trust.ExistingObject;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * The {@code audit} scan of an AWS account, whoever made its objects: every role whose trust policy
 * names an OIDC provider as its Federated principal, and every OIDC provider with its client IDs
 * and thumbprints. Read-only: the account's bulk read the adapter makes ({@link
 * IamGateway#readAccount} over every path), one GetOpenIDConnectProvider per provider and the
 * account check (GetCallerIdentity); the trust is decoded and judged as the adapter's own.
 */
public final class AwsAccountScanner implements AutoCloseable {

  /** Every path: the scan is not limited to the operator's own IAM path. */
  private static final String EVERY_PATH = "/";

  private static final String OIDC_PROVIDER = ":oidc-provider/";

  private final IamAccounts accounts;

  AwsAccountScanner(AwsSettings settings, AwsCredentialsProvider credentials, CloudCalls calls) {
    this.accounts = new IamAccounts(settings, credentials, calls, Clock.systemUTC());
  }

  /**
   * The scanner as the operator's adapter would connect: the configured endpoints, an assumed role
   * per account when a template is set, else the default credential chain.
   */
  public static AwsAccountScanner fromConfig(AwsConfig config, MeterRegistry registry) {
    return new AwsAccountScanner(
        AwsSettings.from(config),
        DefaultCredentialsProvider.builder().build(),
        new CloudCalls(registry, Cloud.AWS.name()));
  }

  public TargetScan scan(String accountId) {
    String target = "aws:" + accountId;
    List<ScannedObject> found = new ArrayList<>();
    try {
      IamGateway iam = accounts.gateway(accountId);
      AccountSnapshot snapshot = iam.readAccount(EVERY_PATH);
      List<LiveRole> roles =
          snapshot.roles().stream()
              .filter(
                  r -> r.federatedPrincipals().stream().anyMatch(p -> p.contains(OIDC_PROVIDER)))
              .sorted(Comparator.comparing(LiveRole::arn))
              .toList();
      for (LiveRole role : roles) {
        found.add(
            new ScannedObject(
                Cloud.AWS,
                "role",
                role.arn(),
                Optional.of(role.asLiveTrust()),
                Optional.of(new ExistingObject.AwsRole(accountId, role.name())),
                List.of("trusts " + String.join(", ", role.federatedPrincipals()))));
      }
      for (String arn : new TreeSet<>(snapshot.providerArns())) {
        Optional<LiveProvider> provider = iam.readProvider(arn);
        if (provider.isEmpty()) {
          continue;
        }
        List<String> trustedBy =
            roles.stream().filter(r -> r.trustsFederated(arn)).map(LiveRole::name).toList();
        found.add(
            new ScannedObject(
                Cloud.AWS,
                "oidc-provider",
                arn,
                Optional.empty(),
                Optional.empty(),
                List.of(
                    "client IDs: " + String.join(", ", provider.get().clientIds()),
                    "thumbprints: "
                        + (provider.get().thumbprints().isEmpty()
                            ? "(none)"
                            : String.join(", ", provider.get().thumbprints())),
                    "trusted by: "
                        + (trustedBy.isEmpty() ? "no role" : String.join(", ", trustedBy)))));
      }
      return new TargetScan(target, found, Optional.empty());
    } catch (CloudFailure e) {
      return new TargetScan(target, found, Optional.of(e.getMessage()));
    }
  }

  @Override
  public void close() {
    accounts.close();
  }
}
