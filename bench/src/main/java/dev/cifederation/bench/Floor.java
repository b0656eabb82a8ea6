package dev.cifederation.bench;

import com.azure.resourcemanager.authorization.fluent.models.RoleDefinitionInner;
import com.azure.resourcemanager.authorization.models.PrincipalType;
import com.azure.resourcemanager.authorization.models.RoleAssignmentCreateParameters;
import com.azure.resourcemanager.msi.fluent.models.FederatedIdentityCredentialInner;
import com.azure.resourcemanager.msi.fluent.models.IdentityInner;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.services.iam.v1.model.Binding;
import com.google.api.services.iam.v1.model.Oidc;
import com.google.api.services.iam.v1.model.Operation;
import com.google.api.services.iam.v1.model.Policy;
import com.google.api.services.iam.v1.model.SetIamPolicyRequest;
import com.google.api.services.iam.v1.model.WorkloadIdentityPool;
import com.google.api.services.iam.v1.model.WorkloadIdentityPoolProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.services.iam.model.Tag;

/**
 * The floor: the same cloud objects the operator makes for N identities, created directly with the
 * same SDKs at the same parallelism, by a program that knows everything up front and reads nothing
 * it does not need. Shared objects (the AWS OIDC provider, the GCP pool, the Azure role definition
 * lookup) once; per identity only the creating calls (and, for GCP, the operation polls at the
 * operator's cadence); the service-account bindings of GCP in one read-modify-write per account.
 */
final class Floor {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GCP_PARENT =
      "projects/" + Workload.GCP_PROJECT_NUMBER + "/locations/global";
  private static final String GCP_POOL_NAME =
      GCP_PARENT + "/workloadIdentityPools/" + Workload.GCP_POOL;

  record Result(double seconds, Map<String, Map<String, Double>> calls) {}

  private final Workload workload;
  private final CloudClients clients;
  private final int parallelism;

  Floor(Workload workload, CloudClients clients, int parallelism) {
    this.workload = workload;
    this.clients = clients;
    this.parallelism = parallelism;
  }

  Result run() throws Exception {
    long start = System.nanoTime();
    String providerArn = null;
    String roleDefinitionId = null;
    if (workload.has("aws")) {
      providerArn =
          clients.call(
              "aws",
              "CreateOpenIDConnectProvider",
              () ->
                  clients
                      .aws
                      .createOpenIDConnectProvider(
                          r ->
                              r.url(Workload.ISSUER_URL)
                                  .clientIDList(Workload.AWS_AUDIENCE)
                                  .tags(tag("cifederation.dev/owner", "shared")))
                      .openIDConnectProviderArn());
    }
    if (workload.has("gcp")) {
      Operation op =
          clients.call(
              "gcp",
              "pools.create",
              () ->
                  clients
                      .gcp
                      .projects()
                      .locations()
                      .workloadIdentityPools()
                      .create(
                          GCP_PARENT, new WorkloadIdentityPool().setDisplayName("CI federation"))
                      .setWorkloadIdentityPoolId(Workload.GCP_POOL)
                      .execute());
      await(op);
    }
    if (workload.has("azure")) {
      String filter = "roleName eq '" + Workload.AZURE_ROLE + "'";
      List<RoleDefinitionInner> found =
          clients.call(
              "azure",
              "roleDefinitions.list",
              () ->
                  clients
                      .azureDefinitions
                      .list(Workload.azureScope(), filter, com.azure.core.util.Context.NONE)
                      .stream()
                      .toList());
      roleDefinitionId = found.get(0).id();
    }

    String provider = providerArn;
    String definition = roleDefinitionId;
    ExecutorService pool = Executors.newFixedThreadPool(parallelism);
    try {
      List<Future<?>> tasks = new ArrayList<>();
      for (int i = 0; i < workload.count(); i++) {
        int n = i;
        tasks.add(
            pool.submit(
                () -> {
                  createIdentity(n, provider, definition);
                  return null;
                }));
      }
      for (Future<?> task : tasks) {
        task.get();
      }
      if (workload.has("gcp")) {
        List<Future<?>> bindings = new ArrayList<>();
        for (String account : workload.serviceAccounts()) {
          bindings.add(pool.submit(() -> bind(account)));
        }
        for (Future<?> binding : bindings) {
          binding.get();
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return new Result((System.nanoTime() - start) / 1e9, clients.calls());
  }

  private void createIdentity(int i, String providerArn, String roleDefinitionId)
      throws IOException {
    String name = Workload.name(i);
    if (workload.has("aws")) {
      String trust =
          JSON.writeValueAsString(
              Map.of(
                  "Version",
                  "2012-10-17",
                  "Statement",
                  List.of(
                      Map.of(
                          "Effect",
                          "Allow",
                          "Principal",
                          Map.of("Federated", providerArn),
                          "Action",
                          "sts:AssumeRoleWithWebIdentity",
                          "Condition",
                          Map.of(
                              "StringEquals",
                              Map.of(
                                  Workload.ISSUER_HOST + ":aud",
                                  Workload.AWS_AUDIENCE,
                                  Workload.ISSUER_HOST + ":sub",
                                  Workload.subject(i)))))));
      clients.call(
          "aws",
          "CreateRole",
          () ->
              clients.aws.createRole(
                  r ->
                      r.roleName(name)
                          .path(Workload.IAM_PATH)
                          .assumeRolePolicyDocument(trust)
                          .maxSessionDuration(3600)
                          .tags(tag("cifederation.dev/owner", Workload.NAMESPACE + "/" + name))));
      String inline = JSON.writeValueAsString(Workload.inlinePolicy(i));
      clients.call(
          "aws",
          "PutRolePolicy",
          () ->
              clients.aws.putRolePolicy(
                  r -> r.roleName(name).policyName("cifederation").policyDocument(inline)));
    }
    if (workload.has("gcp")) {
      WorkloadIdentityPoolProvider provider =
          new WorkloadIdentityPoolProvider()
              .setOidc(new Oidc().setIssuerUri(Workload.ISSUER_URL))
              .setAttributeMapping(
                  Map.of(
                      "google.subject",
                      "assertion.sub",
                      "attribute.repository",
                      "assertion.repository"))
              .setAttributeCondition(
                  "assertion.repository == '"
                      + Workload.repository(i)
                      + "' && assertion.sub == '"
                      + Workload.subject(i)
                      + "'");
      Operation op =
          clients.call(
              "gcp",
              "providers.create",
              () ->
                  clients
                      .gcp
                      .projects()
                      .locations()
                      .workloadIdentityPools()
                      .providers()
                      .create(GCP_POOL_NAME, provider)
                      .setWorkloadIdentityPoolProviderId(name)
                      .execute());
      await(op);
    }
    if (workload.has("azure")) {
      IdentityInner identity =
          clients.call(
              "azure",
              "identities.createOrUpdate",
              () ->
                  clients.azureIdentities.createOrUpdate(
                      Workload.AZURE_GROUP,
                      name,
                      new IdentityInner()
                          .withLocation("eastus")
                          .withTags(
                              Map.of("cifederation.dev_owner", Workload.NAMESPACE + "/" + name))));
      clients.call(
          "azure",
          "federatedCredentials.createOrUpdate",
          () ->
              clients.azureCredentials.createOrUpdate(
                  Workload.AZURE_GROUP,
                  name,
                  name,
                  new FederatedIdentityCredentialInner()
                      .withIssuer(Workload.ISSUER_URL)
                      .withSubject(Workload.subject(i))
                      .withAudiences(List.of("api://AzureADTokenExchange"))));
      String principal = identity.principalId().toString();
      String assignment =
          UUID.nameUUIDFromBytes(
                  (Workload.azureScope() + roleDefinitionId + principal)
                      .getBytes(StandardCharsets.UTF_8))
              .toString();
      clients.call(
          "azure",
          "roleAssignments.create",
          () ->
              clients.azureAssignments.create(
                  Workload.azureScope(),
                  assignment,
                  new RoleAssignmentCreateParameters()
                      .withRoleDefinitionId(roleDefinitionId)
                      .withPrincipalId(principal)
                      .withPrincipalType(PrincipalType.SERVICE_PRINCIPAL)));
    }
  }

  /** All of one service account's members in one read-modify-write (policy version 3). */
  private Void bind(String account) throws IOException {
    String resource = "projects/" + Workload.GCP_PROJECT + "/serviceAccounts/" + account;
    var accounts = clients.gcp.projects().serviceAccounts();
    Policy policy =
        clients.call(
            "gcp",
            "serviceAccounts.getIamPolicy",
            () -> accounts.getIamPolicy(resource).setOptionsRequestedPolicyVersion(3).execute());
    List<String> members = new ArrayList<>();
    for (int i = 0; i < workload.count(); i++) {
      if (Workload.serviceAccount(i).equals(account)) {
        members.add(
            "principal://iam.googleapis.com/" + GCP_POOL_NAME + "/subject/" + Workload.subject(i));
      }
    }
    List<Binding> bindings =
        new ArrayList<>(policy.getBindings() == null ? List.of() : policy.getBindings());
    bindings.add(new Binding().setRole("roles/iam.workloadIdentityUser").setMembers(members));
    policy.setBindings(bindings).setVersion(3);
    clients.call(
        "gcp",
        "serviceAccounts.setIamPolicy",
        () ->
            accounts.setIamPolicy(resource, new SetIamPolicyRequest().setPolicy(policy)).execute());
    return null;
  }

  /** Polls at the operator's cadence: 250 ms, doubling up to 5 s, 20 % jitter. */
  private void await(Operation operation) throws IOException {
    Duration wait = Duration.ofMillis(250);
    Operation current = operation;
    while (!Boolean.TRUE.equals(current.getDone())) {
      ChildProcess.sleep(
          wait.plusMillis(ThreadLocalRandom.current().nextLong(wait.toMillis() / 5 + 1)));
      String name = current.getName();
      var pools = clients.gcp.projects().locations().workloadIdentityPools();
      current =
          clients.call(
              "gcp",
              "operations.get",
              () ->
                  name.contains("/providers/")
                      ? pools.providers().operations().get(name).execute()
                      : pools.operations().get(name).execute());
      wait =
          wait.multipliedBy(2).compareTo(Duration.ofSeconds(5)) < 0
              ? wait.multipliedBy(2)
              : Duration.ofSeconds(5);
    }
    if (current.getError() != null) {
      throw new IllegalStateException("GCP operation failed: " + current.getError().getMessage());
    }
  }

  private static Tag tag(String key, String value) {
    return Tag.builder().key(key).value(value).build();
  }
}
