package dev.cifederation.bench;

import com.azure.resourcemanager.msi.fluent.models.FederatedIdentityCredentialInner;
import com.google.api.services.iam.v1.model.Operation;
import com.google.api.services.iam.v1.model.WorkloadIdentityPoolProvider;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Out-of-band changes, made by hand in the clouds as an administrator would, and the time until the
 * operator has set them back (seen in the cloud itself, polled every 250 ms):
 *
 * <ul>
 *   <li>AWS: the role's trust policy widened to {@code StringLike repo:bench-org/*};
 *   <li>GCP: the provider's attribute condition widened to the whole organisation;
 *   <li>Azure: the federated credential's subject pointed at another repository.
 * </ul>
 */
final class Drift {

  record Correction(String cloud, String change, double seconds, boolean corrected) {}

  private final CloudClients clients;
  private final Cluster cluster;
  private final Duration timeout;

  Drift(CloudClients clients, Cluster cluster, Duration timeout) {
    this.clients = clients;
    this.cluster = cluster;
    this.timeout = timeout;
  }

  Correction aws(int i) {
    String role = Workload.name(i);
    String widened =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\""
            + cluster.status(role, "aws", "providerArn").orElseThrow()
            + "\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringLike\":{\""
            + Workload.ISSUER_HOST
            + ":sub\":\"repo:bench-org/*\"}}}]}";
    clients.aws.updateAssumeRolePolicy(r -> r.roleName(role).policyDocument(widened));
    return timed(
        "aws",
        "trust policy of role " + role + " widened to StringLike repo:bench-org/*",
        () -> {
          String doc =
              URLDecoder.decode(
                  clients.aws.getRole(r -> r.roleName(role)).role().assumeRolePolicyDocument(),
                  StandardCharsets.UTF_8);
          return !doc.contains("StringLike") && doc.contains(Workload.subject(i));
        });
  }

  Correction gcp(int i) throws Exception {
    String name = (String) cluster.status(Workload.name(i), "gcp", "providerName").orElseThrow();
    var providers = clients.gcp.projects().locations().workloadIdentityPools().providers();
    String original = providers.get(name).execute().getAttributeCondition();
    Operation op =
        providers
            .patch(
                name,
                new WorkloadIdentityPoolProvider()
                    .setAttributeCondition("assertion.repository_owner == 'bench-org'"))
            .setUpdateMask("attributeCondition")
            .execute();
    while (!Boolean.TRUE.equals(op.getDone())) {
      ChildProcess.sleep(Duration.ofMillis(200));
      op = providers.operations().get(op.getName()).execute();
    }
    return timed(
        "gcp",
        "attribute condition of "
            + name.substring(name.lastIndexOf('/') + 1)
            + " widened to the organisation",
        () -> original.equals(providers.get(name).execute().getAttributeCondition()));
  }

  Correction azure(int i) {
    String name = Workload.name(i);
    String credential = (String) cluster.status(name, "azure", "credentialName").orElseThrow();
    FederatedIdentityCredentialInner live =
        clients.azureCredentials.get(Workload.AZURE_GROUP, name, credential);
    String original = live.subject();
    clients.azureCredentials.createOrUpdate(
        Workload.AZURE_GROUP,
        name,
        credential,
        new FederatedIdentityCredentialInner()
            .withIssuer(live.issuer())
            .withSubject("repo:other-org/app:environment:production")
            .withAudiences(List.of("api://AzureADTokenExchange")));
    return timed(
        "azure",
        "subject of federated credential " + credential + " pointed at another repository",
        () ->
            original.equals(
                clients.azureCredentials.get(Workload.AZURE_GROUP, name, credential).subject()));
  }

  private Correction timed(String cloud, String change, Check reverted) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (reverted.check()) {
          return new Correction(cloud, change, (System.nanoTime() - start) / 1e9, true);
        }
      } catch (Exception e) {
        // a read that raced a write: look again
      }
      ChildProcess.sleep(Duration.ofMillis(250));
    }
    return new Correction(cloud, change, timeout.toSeconds(), false);
  }

  @FunctionalInterface
  interface Check {
    boolean check() throws Exception;
  }
}
