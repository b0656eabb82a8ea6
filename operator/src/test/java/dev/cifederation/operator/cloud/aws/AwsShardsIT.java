package dev.cifederation.operator.cloud.aws;

import static dev.cifederation.operator.testsupport.Conditions.find;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cifederation.operator.OperatorApp;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.config.OperatorConfig;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/**
 * Two shards of one cluster side by side, each the operator as {@code run} wires it (OperatorApp)
 * against the same API server and the same moto account: shard {@code a} takes every identity not
 * labelled for b and keeps the issuers, shard {@code b} the identities labelled {@code
 * cifederation.dev/shard=b} in one namespace and no issuer. Each reconciles only its identities,
 * writes only their status (its own field manager), makes only their cloud calls, and the OIDC
 * provider both shards' roles trust goes with the last of them, whichever shard deletes it.
 */
class AwsShardsIT {

  private static final String CLUSTER = "shards-it";
  private static final String ACCOUNT = "123456789012";
  private static final String PROVIDER =
      "arn:aws:iam::" + ACCOUNT + ":oidc-provider/token.actions.githubusercontent.com";

  private static final KubeApiServerSupport API = KubeApiServerSupport.shared();
  private static final KubernetesClient ADMIN = API.client();
  private static final MotoServer MOTO = MotoServer.start();
  private static final IamClient IAM =
      AwsTestSupport.iamClient(MOTO.endpoint(), AwsCloudIT.TEST_CREDENTIALS);

  private static String namespace;
  private static String elsewhere;
  private static OperatorApp shardA;
  private static OperatorApp shardB;

  @BeforeAll
  static void twoShards() throws Exception {
    // the operator's default credential chain, pointed at moto's fixed test account
    System.setProperty("aws.accessKeyId", "testing");
    System.setProperty("aws.secretAccessKey", "testing");
    namespace = API.createNamespace("shards");
    elsewhere = API.createNamespace("shards-other");
    ADMIN.resource(Fixtures.example("issuer-github.yaml", CIIssuer.class)).serverSideApply();
    shardA =
        start(
            Map.of(
                "CIFED_SHARD", "a",
                // the catch-all: every identity not labelled for b, whatever else its label says
                "CIFED_SHARD_LABEL_SELECTOR", "cifederation.dev/shard notin (b)"));
    shardB =
        start(
            Map.of(
                "CIFED_SHARD", "b",
                "CIFED_SHARD_NAMESPACES", namespace,
                "CIFED_SHARD_LABEL_SELECTOR", "cifederation.dev/shard=b",
                "CIFED_SHARD_RECONCILES_ISSUERS", "false"));
  }

  private static OperatorApp start(Map<String, String> shard) throws Exception {
    Map<String, String> env = new HashMap<>(shard);
    env.put("CIFED_CLUSTER_NAME", CLUSTER);
    env.put("CIFED_METRICS_PORT", "0");
    env.put("CIFED_ALLOW_UNGOVERNED_NAMESPACES", "true");
    env.put("CIFED_WORKFLOW_SNIPPETS", "false");
    env.put("CIFED_LEADER_ELECTION", "true");
    env.put("CIFED_LEADER_ELECTION_NAMESPACE", namespace);
    env.put("AWS_ENDPOINT_URL", MOTO.endpoint().toString());
    var app = new OperatorApp(OperatorConfig.fromEnvironment(env), API.newClient());
    app.start();
    return app;
  }

  @AfterAll
  static void stop() {
    for (OperatorApp app : new OperatorApp[] {shardA, shardB}) {
      if (app != null) {
        app.close();
      }
    }
  }

  @Test
  void eachShardReconcilesAndWritesOnlyItsOwnIdentitiesAndTheSharedProviderOutlivesEither()
      throws Exception {
    create(namespace, "one-a", "no-such-shard");
    create(namespace, "one-b", "b");
    // labelled for b, but outside b's namespaces, and a takes none labelled b: no one's
    create(elsewhere, "stray", "b");

    CIFederatedIdentity a = awaitReady(namespace, "one-a");
    CIFederatedIdentity b = awaitReady(namespace, "one-b");

    assertThat(statusManagers(a)).containsExactly("cifederatedidentity-a");
    assertThat(statusManagers(b)).containsExactly("cifederatedidentity-b");
    assertThat(managers(a)).doesNotContain("cifederatedidentity-b");
    assertThat(managers(b)).doesNotContain("cifederatedidentity-a");
    // the issuer is shard a's alone: its status and finalizer, nothing of b
    CIIssuer issuer = ADMIN.resources(CIIssuer.class).withName("github").get();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> !statusManagers(ADMIN.resource(issuer).get()).isEmpty());
    assertThat(statusManagers(ADMIN.resource(issuer).get())).containsExactly("ciissuer");
    assertThat(managers(ADMIN.resource(issuer).get())).noneMatch(m -> m.endsWith("-b"));

    // each shard's cloud writes are its own identity's
    assertThat(roleWrites(shardA)).isEqualTo(1.0);
    assertThat(roleWrites(shardB)).isEqualTo(1.0);
    assertThat(IAM.listRoleTags(r -> r.roleName("one-b")).tags())
        .anyMatch(
            t -> t.key().equals(OwnershipTags.OWNER_TAG) && t.value().equals(namespace + "/one-b"));
    // the two leases
    assertThat(ADMIN.leases().inNamespace(namespace).list().getItems())
        .extracting(l -> l.getMetadata().getName())
        .contains("cifederation-operator-a", "cifederation-operator-b");

    CIFederatedIdentity stray =
        ADMIN.resources(CIFederatedIdentity.class).inNamespace(elsewhere).withName("stray").get();
    assertThat(statusManagers(stray)).as("reconciled by no shard").isEmpty();
    assertThat(find(stray, "Ready")).isEmpty();
    assertThat(stray.getMetadata().getFinalizers()).isEmpty();
    assertThat(roleExists("stray")).isFalse();

    // a deletes its identity: b's role still trusts the shared provider, which stays
    assertThat(providerExists()).isTrue();
    ADMIN.resource(a).delete();
    await().atMost(Duration.ofSeconds(60)).until(() -> !roleExists("one-a"));
    await().atMost(Duration.ofSeconds(60)).until(() -> ADMIN.resource(a).get() == null);
    assertThat(providerExists()).as("b's role trusts it: a's cleanup keeps it").isTrue();
    assertThat(roleExists("one-b")).isTrue();

    // b deletes the last identity trusting it: the provider goes
    ADMIN.resource(b).delete();
    await().atMost(Duration.ofSeconds(60)).until(() -> !roleExists("one-b"));
    await().atMost(Duration.ofSeconds(60)).until(() -> !providerExists());
  }

  // ---------------------------------------------------------------------------------- helpers

  private static void create(String ns, String name, String shard) {
    String labels = shard == null ? "" : "\n  labels: {cifederation.dev/shard: " + shard + "}";
    CIFederatedIdentity identity =
        Serialization.unmarshal(
            """
            apiVersion: cifederation.dev/v1alpha1
            kind: CIFederatedIdentity
            metadata:
              name: %s
              namespace: %s%s
            spec:
              issuerRef: github
              repository: my-org/%s
              subject: {environment: production}
              aws: {accountId: "%s", roleName: %s}
            """
                .formatted(name, ns, labels, name, ACCOUNT, name),
            CIFederatedIdentity.class);
    ADMIN.resource(identity).create();
  }

  private static CIFederatedIdentity awaitReady(String ns, String name) {
    return await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () -> ADMIN.resources(CIFederatedIdentity.class).inNamespace(ns).withName(name).get(),
            i ->
                find(i, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false)
                    && i.getStatus().getAws() != null
                    && i.getStatus().getAws().getRoleArn() != null);
  }

  /** The field managers that wrote the status subresource. */
  private static Set<String> statusManagers(HasMetadata resource) {
    return resource.getMetadata().getManagedFields().stream()
        .filter(f -> "status".equals(f.getSubresource()))
        .map(ManagedFieldsEntry::getManager)
        .collect(Collectors.toSet());
  }

  private static List<String> managers(HasMetadata resource) {
    return resource.getMetadata().getManagedFields().stream()
        .map(ManagedFieldsEntry::getManager)
        .toList();
  }

  /** CreateRole calls the shard's own /metrics counted. */
  private static double roleWrites(OperatorApp app) throws Exception {
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + app.metricsPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return metrics
        .lines()
        .filter(l -> l.startsWith("cifed_cloud_calls_total{"))
        .filter(l -> l.contains("operation=\"CreateRole\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static boolean roleExists(String name) {
    try {
      IAM.getRole(r -> r.roleName(name));
      return true;
    } catch (NoSuchEntityException e) {
      return false;
    }
  }

  private static boolean providerExists() {
    return IAM.listOpenIDConnectProviders().openIDConnectProviderList().stream()
        .anyMatch(p -> p.arn().equals(PROVIDER));
  }
}
