package dev.cifederation.operator.cloud.gcp;

import static dev.cifederation.operator.cloud.gcp.PolicyMembers.WORKLOAD_IDENTITY_USER;

import com.google.api.services.iam.v1.model.Binding;
import com.google.api.services.iam.v1.model.Policy;
import com.google.api.services.iam.v1.model.ServiceAccount;
import com.google.api.services.iam.v1.model.WorkloadIdentityPool;
import com.google.api.services.iam.v1.model.WorkloadIdentityPoolProvider;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudFailure;
import dev.cifederation.operator.cloud.ScannedObject;
import dev.cifederation.operator.cloud.Sleeper;
import dev.cifederation.operator.cloud.TargetScan;
import dev.cifederation.operator.config.GcpConfig;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.trust.ExistingObject;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code audit} scan of a GCP project, whoever made its objects: every ACTIVE workload identity
 * pool and provider, and the IAM policy of every service account of the project, of which the
 * bindings whose members name a pool ({@code principal://…} or {@code principalSet://…}) are
 * reported. Each provider is judged together with each service account that binds members of its
 * pool ({@code roles/iam.workloadIdentityUser}, as the adapter reads it for its own identities).
 * Read-only: list and getIamPolicy calls only.
 */
public final class GcpProjectScanner {

  private static final Pattern POOL_NAME =
      Pattern.compile("projects/([0-9]+)/locations/global/workloadIdentityPools/([^/]+)");

  private final IamGateway iam;

  GcpProjectScanner(IamGateway iam) {
    this.iam = iam;
  }

  /** The scanner as the operator's adapter would connect: the configured endpoint and token. */
  public static GcpProjectScanner fromConfig(GcpConfig config, MeterRegistry registry) {
    GcpSettings settings = GcpSettings.from(config);
    return new GcpProjectScanner(
        new IamGateway(settings, new CloudCalls(registry, Cloud.GCP.name()), Sleeper.REAL));
  }

  public TargetScan scan(String projectId) {
    String target = "gcp:" + projectId;
    List<ScannedObject> found = new ArrayList<>();
    try {
      Map<String, Policy> policies = new LinkedHashMap<>();
      for (ServiceAccount account : iam.listServiceAccounts("projects/" + projectId)) {
        policies.put(
            account.getEmail(),
            iam.getIamPolicy(Placement.serviceAccountResource(account.getEmail())));
      }
      for (WorkloadIdentityPool pool :
          iam.listPools("projects/" + projectId + "/locations/global")) {
        if (!PoolView.ACTIVE.equals(pool.getState())) {
          continue;
        }
        Matcher name = POOL_NAME.matcher(pool.getName());
        if (!name.matches()) {
          continue;
        }
        String projectNumber = name.group(1);
        String poolId = name.group(2);
        List<String> poolBindings = poolBindings(pool.getName(), policies);
        for (WorkloadIdentityPoolProvider provider : iam.listProviders(pool.getName())) {
          if (!PoolView.ACTIVE.equals(provider.getState())) {
            continue;
          }
          String providerId = PoolView.idOf(provider.getName());
          List<String> binders = accountsBindingPool(pool.getName(), policies);
          // a provider no service account trusts is judged alone; otherwise once per account
          List<String> accounts =
              binders.isEmpty() ? java.util.Collections.singletonList(null) : binders;
          for (String account : accounts) {
            Placement placement = new Placement(projectNumber, poolId, providerId, null, account);
            List<String> notes = new ArrayList<>();
            notes.add(
                account == null
                    ? "no service account binds a member of the pool"
                    : "service account " + account);
            notes.addAll(poolBindings);
            found.add(
                new ScannedObject(
                    Cloud.GCP,
                    "provider",
                    provider.getName(),
                    Optional.of(
                        GcpCloudReconciler.liveTrust(
                            placement, provider, account == null ? null : policies.get(account))),
                    Optional.of(
                        new ExistingObject.GcpProvider(
                            projectId, projectNumber, poolId, providerId, account)),
                    notes));
          }
        }
      }
      return new TargetScan(target, found, Optional.empty());
    } catch (CloudFailure e) {
      return new TargetScan(target, found, Optional.of(e.getMessage()));
    }
  }

  /** Every service account with a workloadIdentityUser member of the pool. */
  private static List<String> accountsBindingPool(String poolName, Map<String, Policy> policies) {
    List<String> accounts = new ArrayList<>();
    policies.forEach(
        (email, policy) -> {
          if (bindings(policy).stream()
              .anyMatch(
                  b ->
                      WORKLOAD_IDENTITY_USER.equals(b.getRole())
                          && members(b).stream().anyMatch(m -> namesPool(m, poolName)))) {
            accounts.add(email);
          }
        });
    return accounts;
  }

  /** Every binding, of any role, that names a member of the pool: {@code email: role member}. */
  private static List<String> poolBindings(String poolName, Map<String, Policy> policies) {
    List<String> lines = new ArrayList<>();
    policies.forEach(
        (email, policy) -> {
          for (Binding binding : bindings(policy)) {
            for (String member : members(binding)) {
              if (namesPool(member, poolName)) {
                lines.add(
                    "binding on "
                        + email
                        + ": "
                        + binding.getRole()
                        + " "
                        + member
                        + (binding.getCondition() == null ? "" : " (conditional)"));
              }
            }
          }
        });
    return lines;
  }

  private static boolean namesPool(String member, String poolName) {
    return (member.startsWith("principal://") || member.startsWith("principalSet://"))
        && member.contains("/" + poolName + "/");
  }

  private static List<Binding> bindings(Policy policy) {
    return policy == null || policy.getBindings() == null ? List.of() : policy.getBindings();
  }

  private static List<String> members(Binding binding) {
    return binding.getMembers() == null ? List.of() : binding.getMembers();
  }
}
