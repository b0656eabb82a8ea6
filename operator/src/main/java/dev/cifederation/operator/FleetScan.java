package dev.cifederation.operator;

import dev.cifederation.operator.cloud.TargetScan;
import dev.cifederation.operator.cloud.aws.AwsAccountScanner;
import dev.cifederation.operator.cloud.azure.AzureSubscriptionScanner;
import dev.cifederation.operator.cloud.gcp.GcpProjectScanner;
import dev.cifederation.operator.config.OperatorConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs the read-only scanners of each cloud's adapter over the targets given, connected as the
 * operator connects: the same endpoint and token variables, the SDKs' usual credential chains.
 */
final class FleetScan {

  /** One scan per target kind; tests pass scanners on local clouds. */
  interface Scanners extends AutoCloseable {
    TargetScan aws(String accountId);

    TargetScan gcp(String projectId);

    TargetScan azure(String subscriptionId, Optional<String> resourceGroup);

    @Override
    default void close() {}
  }

  private FleetScan() {}

  /** The scanners of the clouds' configuration, each cloud's built on first use. */
  /** The test's scanners when given, else the operator's, configured from the environment. */
  static Scanners injectedOrFromEnvironment(Scanners injected) {
    return injected != null
        ? injected
        : of(OperatorApp.cloudsFromEnvironment(), new SimpleMeterRegistry());
  }

  static Scanners of(OperatorConfig.Clouds clouds, MeterRegistry registry) {
    return new Scanners() {
      private AwsAccountScanner aws;
      private GcpProjectScanner gcp;
      private AzureSubscriptionScanner azure;

      @Override
      public TargetScan aws(String accountId) {
        if (aws == null) {
          aws = AwsAccountScanner.fromConfig(clouds.aws(), registry);
        }
        return aws.scan(accountId);
      }

      @Override
      public TargetScan gcp(String projectId) {
        if (gcp == null) {
          gcp = GcpProjectScanner.fromConfig(clouds.gcp(), registry);
        }
        return gcp.scan(projectId);
      }

      @Override
      public TargetScan azure(String subscriptionId, Optional<String> resourceGroup) {
        if (azure == null) {
          azure = AzureSubscriptionScanner.fromConfig(clouds.azure(), registry);
        }
        return azure.scan(subscriptionId, resourceGroup);
      }

      @Override
      public void close() {
        if (aws != null) {
          aws.close();
        }
      }
    };
  }

  /** Every target, in the order given: AWS accounts, GCP projects, Azure subscriptions. */
  static List<TargetScan> scan(FleetTargets targets, Scanners scanners) {
    List<TargetScan> scans = new ArrayList<>();
    targets.awsAccounts.forEach(a -> scans.add(scanners.aws(a)));
    targets.gcpProjects.forEach(p -> scans.add(scanners.gcp(p)));
    targets.azure.forEach(t -> scans.add(scanners.azure(t.subscription, t.group())));
    return scans;
  }
}
