package dev.cifederation.operator.cloud.azure;

import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudFailure;
import dev.cifederation.operator.cloud.ScannedObject;
import dev.cifederation.operator.cloud.Sleeper;
import dev.cifederation.operator.cloud.TargetScan;
import dev.cifederation.operator.cloud.azure.ArmClient.LiveIdentity;
import dev.cifederation.operator.cloud.azure.CredentialPlan.Credential;
import dev.cifederation.operator.config.AzureConfig;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.trust.ExistingObject;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code audit} scan of an Azure subscription or one of its resource groups, whoever made its
 * objects: every user-assigned managed identity that holds federated credentials, with the role
 * assignments of its principal in the subscription (role names resolved). Read-only: list and get
 * calls only; the credentials are judged as the adapter's own.
 */
public final class AzureSubscriptionScanner {

  private final ArmClient arm;

  AzureSubscriptionScanner(ArmClient arm) {
    this.arm = arm;
  }

  /** The scanner as the operator's adapter would connect: the configured endpoint and token. */
  public static AzureSubscriptionScanner fromConfig(AzureConfig config, MeterRegistry registry) {
    AzureSettings settings = AzureSettings.from(config);
    return new AzureSubscriptionScanner(
        new ArmClient(
            ArmPipeline.build(settings),
            ArmPipeline.environment(settings),
            settings.tenantId().orElse(null),
            new ArmRetry(
                new CloudCalls(registry, Cloud.Azure.name()),
                ArmRetry.Policy.defaults(),
                Sleeper.REAL)));
  }

  /**
   * @param resourceGroup empty for the whole subscription
   */
  public TargetScan scan(String subscriptionId, Optional<String> resourceGroup) {
    String target = "azure:" + subscriptionId + resourceGroup.map(g -> "/" + g).orElse("");
    List<ScannedObject> found = new ArrayList<>();
    String subscriptionScope = "/subscriptions/" + subscriptionId;
    Map<String, String> roleNames = new HashMap<>();
    try {
      List<LiveIdentity> identities =
          arm.listIdentities(subscriptionId, resourceGroup).stream()
              .sorted(Comparator.comparing(LiveIdentity::id, String.CASE_INSENSITIVE_ORDER))
              .toList();
      for (LiveIdentity identity : identities) {
        Optional<IdentityRef> ref = IdentityRef.parse(identity.id());
        if (ref.isEmpty()) {
          continue;
        }
        List<Credential> credentials =
            arm.listCredentials(
                ref.get().subscriptionId(), ref.get().resourceGroup(), ref.get().name());
        if (credentials.isEmpty()) {
          continue;
        }
        List<ExistingObject.RoleAssignment> assignments = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        notes.add("client ID " + identity.clientId() + ", principal ID " + identity.principalId());
        if (identity.principalId() != null) {
          for (AssignmentPlan.Live assignment :
              arm.listAssignments(subscriptionScope, identity.principalId())) {
            String role =
                roleNames.computeIfAbsent(
                    assignment.roleDefinitionGuid(),
                    guid ->
                        arm.getRoleDefinition(subscriptionScope, guid)
                            .map(ArmClient.RoleDefinitionRef::roleName)
                            .orElse(guid));
            assignments.add(new ExistingObject.RoleAssignment(role, assignment.scope()));
            notes.add("role " + role + " at " + assignment.scope());
          }
        }
        found.add(
            new ScannedObject(
                Cloud.Azure,
                "identity",
                identity.id(),
                Optional.of(AzureCloudReconciler.liveTrust(identity, credentials)),
                Optional.of(
                    new ExistingObject.AzureIdentity(
                        ref.get().subscriptionId(),
                        ref.get().resourceGroup(),
                        ref.get().name(),
                        identity.location(),
                        assignments)),
                notes));
      }
      return new TargetScan(target, found, Optional.empty());
    } catch (CloudFailure e) {
      return new TargetScan(target, found, Optional.of(e.getMessage()));
    }
  }
}
