package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.ProviderReport;
import dev.cifederation.operator.cloud.ScopeScans;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The issuer checks' side of an account's OIDC provider ({@link
 * dev.cifederation.operator.cloud.OidcProviders}): its thumbprint list read fresh and replaced when
 * the issuer's plan asks, on a provider this cluster's operator owns. It takes the account's
 * provider lock like a pass, so it never races a pass's provider step or a cleanup that deletes the
 * provider.
 */
final class ProviderThumbprints {

  private final IamAccounts accounts;
  private final AccountLocks locks;
  private final ScopeScans<AccountSnapshot> snapshots;
  private final Owner providerOwner;

  ProviderThumbprints(
      IamAccounts accounts,
      AccountLocks locks,
      ScopeScans<AccountSnapshot> snapshots,
      String clusterName) {
    this.accounts = accounts;
    this.locks = locks;
    this.snapshots = snapshots;
    this.providerOwner = OwnershipTags.ofProvider(clusterName);
  }

  /** The provider's ARN as IAM forms it: the issuer URL without scheme and trailing slash. */
  static String providerArn(String accountId, String issuerUrl) {
    String hostAndPath = issuerUrl.replaceFirst("^https://", "").replaceFirst("/+$", "");
    return "arn:aws:iam::" + accountId + ":oidc-provider/" + hostAndPath;
  }

  ProviderReport keep(
      String accountId, String issuerUrl, Function<List<String>, Optional<List<String>>> plan) {
    String arn = providerArn(accountId, issuerUrl);
    return locks.withProvider(
        accountId,
        () -> {
          try {
            return keepProvider(accountId, arn, plan);
          } catch (AwsFailure failure) {
            snapshots.invalidate(accountId);
            return new ProviderReport(
                accountId,
                arn,
                ProviderReport.State.Failed,
                List.of(),
                List.of(),
                false,
                List.of(),
                failure.reason(),
                failure.getMessage());
          }
        });
  }

  private ProviderReport keepProvider(
      String accountId, String arn, Function<List<String>, Optional<List<String>>> plan) {
    // the issuer's upkeep, made for no identity: the shared session
    IamGateway iam = accounts.gateway(accountId);
    // read fresh, not from the shared snapshot: this decides a write
    Optional<LiveProvider> live = iam.readProvider(arn);
    if (live.isEmpty()) {
      return report(
          accountId,
          arn,
          ProviderReport.State.Missing,
          List.of(),
          List.of(),
          false,
          List.of(),
          "IAM OIDC provider " + arn + " does not exist yet (an identity's reconcile creates it)");
    }
    LiveProvider provider = live.get();
    Optional<List<String>> target = plan.apply(provider.thumbprints());
    if (!OwnershipTags.owns(providerOwner, provider.tags())) {
      return report(
          accountId,
          arn,
          ProviderReport.State.NotOwned,
          provider.thumbprints(),
          provider.clientIds(),
          false,
          provider.thumbprints(),
          "IAM OIDC provider "
              + arn
              + " is not managed by this operator ("
              + OwnershipTags.describe(provider.tags())
              + "); its thumbprints are left untouched"
              + target.map(t -> " (they should be " + t + ")").orElse(""));
    }
    if (target.isEmpty() || target.get().equals(provider.thumbprints())) {
      return report(
          accountId,
          arn,
          ProviderReport.State.Present,
          provider.thumbprints(),
          provider.clientIds(),
          false,
          provider.thumbprints(),
          "IAM OIDC provider " + arn + " lists " + provider.thumbprints());
    }
    iam.updateThumbprints(arn, target.get());
    snapshots.invalidate(accountId);
    return report(
        accountId,
        arn,
        ProviderReport.State.Present,
        target.get(),
        provider.clientIds(),
        true,
        provider.thumbprints(),
        "thumbprints of IAM OIDC provider "
            + arn
            + " changed from "
            + provider.thumbprints()
            + " to "
            + target.get());
  }

  private static ProviderReport report(
      String accountId,
      String arn,
      ProviderReport.State state,
      List<String> thumbprints,
      List<String> clientIds,
      boolean written,
      List<String> before,
      String message) {
    return new ProviderReport(
        accountId, arn, state, thumbprints, clientIds, written, before, null, message);
  }
}
