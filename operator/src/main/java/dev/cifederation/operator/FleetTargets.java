package dev.cifederation.operator;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The scan targets {@code audit} and {@code import} share: AWS accounts, GCP projects, Azure
 * subscriptions (each optionally narrowed to one resource group).
 */
final class FleetTargets {

  @Option(
      names = "--aws-account",
      paramLabel = "ID",
      description = "An AWS account to scan (repeatable): every role trusting an OIDC provider.")
  List<String> awsAccounts = new ArrayList<>();

  @Option(
      names = "--gcp-project",
      paramLabel = "ID",
      description =
          "A GCP project ID to scan (repeatable): every workload identity pool and provider, and"
              + " the service-account bindings naming a pool.")
  List<String> gcpProjects = new ArrayList<>();

  @ArgGroup(exclusive = false, multiplicity = "0..*")
  List<AzureTarget> azure = new ArrayList<>();

  /** One Azure subscription, or one resource group of it. */
  static final class AzureTarget {
    @Option(
        names = "--azure-subscription",
        required = true,
        paramLabel = "ID",
        description =
            "An Azure subscription to scan (repeatable): every user-assigned identity with"
                + " federated credentials, and its role assignments.")
    String subscription;

    @Option(
        names = "--azure-resource-group",
        paramLabel = "RG",
        description = "Only this resource group of the preceding --azure-subscription.")
    String resourceGroup;

    Optional<String> group() {
      return Optional.ofNullable(resourceGroup);
    }
  }

  boolean isEmpty() {
    return awsAccounts.isEmpty() && gcpProjects.isEmpty() && azure.isEmpty();
  }

  /** Whether no target was named; if so, says so on {@code err} for {@code command}. */
  boolean noneNamed(String command, PrintWriter err) {
    if (!isEmpty()) {
      return false;
    }
    err.println(
        command
            + ": name at least one target: --aws-account, --gcp-project or --azure-subscription");
    err.flush();
    return true;
  }
}
