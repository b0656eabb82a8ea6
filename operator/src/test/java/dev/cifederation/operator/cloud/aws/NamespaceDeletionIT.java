package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cifederation.fakes.azure.ArmState;
import dev.cifederation.fakes.azure.FakeAzureArm;
import dev.cifederation.fakes.gcp.FakeGcpIam;
import dev.cifederation.fakes.gcp.IamState;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.azure.AzureCloudReconciler;
import dev.cifederation.operator.cloud.gcp.GcpCloudReconciler;
import dev.cifederation.operator.cloud.gcp.GcpSettings;
import dev.cifederation.operator.config.OperatorConfig;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.observe.FindingsGauge;
import dev.cifederation.operator.reconcile.EventRecorder;
import dev.cifederation.operator.reconcile.IdentityReconciler;
import dev.cifederation.operator.reconcile.SnippetPublisher;
import dev.cifederation.operator.testsupport.Conditions;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.OperatorInTheLoop;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * How users delete things, with the local kube-controller-manager doing its part: the garbage
 * collector removes what an identity owns (its workflow-snippet ConfigMap), and deleting a whole
 * namespace deletes its identities, the operator's cleanup removes their objects in all three
 * clouds, and the namespace finalizes. Every check reads the clouds (moto, the GCP and Azure fakes)
 * or the API server directly, not the operator's status. Lives beside the AWS tests for their moto
 * helpers; the other two clouds are wired through their public factories, as the operator wires
 * them.
 */
class NamespaceDeletionIT {

  private static final Duration RESYNC = Duration.ofSeconds(4);
  private static final Duration WITHIN = Duration.ofSeconds(90);
  private static final String CLUSTER = "ns-deletion-it";
  private static final String GCP_TOKEN = "gcp-token";
  private static final String GCP_PROJECT = "my-project";
  private static final String GCP_PROJECT_NUMBER = "123456789012";
  private static final String GCP_SA = "ci-deployer@my-project.iam.gserviceaccount.com";
  private static final String AZURE_TOKEN = "arm-token";
  private static final String AZURE_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  private static final String SUBSCRIPTION = FakeAzureArm.EXAMPLE_SUBSCRIPTION;
  private static final String GROUP = FakeAzureArm.EXAMPLE_RESOURCE_GROUP;
  private static final List<String> NAMES = List.of("deploy-a", "deploy-b", "deploy-c");

  private static final KubeApiServerSupport API = KubeApiServerSupport.shared();
  private static final KubernetesClient CLIENT = API.newClient();
  private static final MotoServer MOTO = MotoServer.start();
  private static final IamClient AWS_ADMIN =
      AwsTestSupport.iamClient(MOTO.endpoint(), AwsCloudIT.TEST_CREDENTIALS);
  private static final FakeGcpIam GCP =
      FakeGcpIam.builder()
          .token(GCP_TOKEN)
          .project(GCP_PROJECT, GCP_PROJECT_NUMBER)
          .serviceAccount(GCP_SA)
          .pollsUntilDone(1)
          .completeAfter(Duration.ofSeconds(1))
          .start();
  private static final FakeAzureArm ARM =
      FakeAzureArm.start(FakeAzureArm.Options.defaults(AZURE_TOKEN).withTenantId(AZURE_TENANT));
  private static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();

  private static final OperatorInTheLoop LOOP = new OperatorInTheLoop(CLIENT);

  /** The test deletes the namespace itself and waits for it. */
  @RegisterExtension
  static final LocallyRunOperatorExtension OPERATOR =
      LOOP.extension(
          new IdentityReconciler(
              new TrustCompiler(),
              List.of(
                  new AwsCloud(
                      AwsTestSupport.operatorSettings(MOTO.endpoint()),
                      AwsCloudIT.TEST_CREDENTIALS,
                      ThumbprintSource.notRequired(),
                      "/cifederation/",
                      CLUSTER,
                      AwsTestSupport.quickRetries(RESYNC),
                      REGISTRY,
                      Clock.systemUTC()),
                  GcpCloudReconciler.create(
                      GcpSettings.defaults(GCP.baseUrl(), Optional.of(GCP_TOKEN)),
                      new CloudCalls(REGISTRY, Cloud.GCP.name()),
                      CLUSTER,
                      RESYNC,
                      Clock.systemUTC()),
                  AzureCloudReconciler.fromConfig(
                      OperatorConfig.fromEnvironment(
                          Map.of(
                              "CIFED_CLUSTER_NAME", CLUSTER,
                              "CIFED_RESYNC_INTERVAL", RESYNC.toString(),
                              "CIFED_AZURE_ARM_ENDPOINT", ARM.baseUrl() + "/",
                              "CIFED_AZURE_ACCESS_TOKEN", AZURE_TOKEN,
                              "CIFED_AZURE_TENANT_ID", AZURE_TENANT)),
                      REGISTRY,
                      Clock.systemUTC())),
              new EventRecorder(CLIENT, Clock.systemUTC()),
              Optional.of(new SnippetPublisher(API.newClient())),
              Optional.empty(),
              new FindingsGauge(REGISTRY),
              Clock.systemUTC()),
          RESYNC);

  private static String deployPolicy;

  @BeforeAll
  static void issuerAndClouds() throws IOException {
    LOOP.apply(Fixtures.example("issuer-github.yaml", CIIssuer.class));
    deployPolicy = AwsTestSupport.createPolicy(AWS_ADMIN, "ns-deletion-deploy");
    ARM.state().addResourceGroup(SUBSCRIPTION, GROUP);
  }

  @AfterAll
  static void stopClouds() {
    GCP.close();
    ARM.close();
    MOTO.close();
  }

  @Test
  void deletingAnIdentityCollectsItsConfigMapAndDeletingTheNamespaceEmptiesEveryCloud() {
    String namespace = OPERATOR.getNamespace();
    NAMES.forEach(name -> CLIENT.resource(identity(namespace, name)).create());
    for (String name : NAMES) {
      await().atMost(WITHIN).until(() -> ready(LOOP.get(name)));
    }
    // each identity has one object per cloud, read back from the clouds themselves
    assertThat(awsRoles()).hasSize(NAMES.size());
    assertThat(gcpActiveProviders()).hasSize(NAMES.size());
    assertThat(gcpMembers()).hasSize(NAMES.size());
    assertThat(azureIdentities()).hasSize(NAMES.size());
    assertThat(ARM.state().roleAssignments()).hasSize(NAMES.size());
    String snippets = SnippetPublisher.configMapName("deploy-a");
    await()
        .atMost(WITHIN)
        .until(() -> CLIENT.configMaps().inNamespace(namespace).withName(snippets).get() != null);

    // the garbage collector, not the operator, removes the ConfigMap the identity owns
    LOOP.delete("deploy-a");
    await()
        .atMost(WITHIN)
        .until(() -> CLIENT.configMaps().inNamespace(namespace).withName(snippets).get() == null);
    await().atMost(WITHIN).until(() -> awsRoles().size() == NAMES.size() - 1);

    // deleting the namespace: the namespace controller deletes the identities, the operator
    // cleans up each cloud, and only then can the namespace finalize
    CLIENT.namespaces().withName(namespace).delete();
    await().atMost(WITHIN).until(() -> awsRoles().isEmpty());
    await().atMost(WITHIN).until(() -> gcpActiveProviders().isEmpty());
    await().atMost(WITHIN).until(() -> gcpMembers().isEmpty());
    await().atMost(WITHIN).until(() -> azureIdentities().isEmpty());
    await().atMost(WITHIN).until(() -> ARM.state().roleAssignments().isEmpty());
    await().atMost(WITHIN).until(() -> CLIENT.namespaces().withName(namespace).get() == null);

    // the objects the identities depended on but did not create are still there
    assertThat(AWS_ADMIN.getPolicy(r -> r.policyArn(deployPolicy)).policy().arn())
        .isEqualTo(deployPolicy);
    assertThat(ARM.state().getResourceGroup(SUBSCRIPTION, GROUP)).isNotNull();
    assertThat(GCP.state().policy(GCP_SA)).isNotNull();
  }

  private static CIFederatedIdentity identity(String namespace, String name) {
    String yaml =
        """
        apiVersion: cifederation.dev/v1alpha1
        kind: CIFederatedIdentity
        metadata:
          name: %1$s
          namespace: %2$s
        spec:
          issuerRef: github
          repository: my-org/%1$s
          subject:
            environment: production
          aws:
            accountId: "123456789012"
            managedPolicyArns: ["%3$s"]
          gcp:
            projectId: %4$s
            projectNumber: "%5$s"
            serviceAccount: %6$s
          azure:
            subscriptionId: %7$s
            resourceGroup: %8$s
            location: eastus
            roleAssignments:
              - role: Reader
                scope: /subscriptions/%7$s/resourceGroups/%8$s
        """
            .formatted(
                name,
                namespace,
                deployPolicy,
                GCP_PROJECT,
                GCP_PROJECT_NUMBER,
                GCP_SA,
                SUBSCRIPTION,
                GROUP);
    return Serialization.unmarshal(yaml, CIFederatedIdentity.class);
  }

  private static boolean ready(CIFederatedIdentity identity) {
    return identity != null
        && Conditions.find(identity, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  private static List<Role> awsRoles() {
    return AWS_ADMIN.listRolesPaginator(r -> r.pathPrefix("/cifederation/")).roles().stream()
        .toList();
  }

  private static List<String> gcpActiveProviders() {
    String pool =
        "projects/" + GCP_PROJECT_NUMBER + "/locations/global/workloadIdentityPools/cifed-github";
    return GCP.state().providers(pool).stream()
        .filter(p -> IamState.ACTIVE.equals(p.path("state").asText()))
        .map(p -> p.path("name").asText())
        .toList();
  }

  private static Set<String> gcpMembers() {
    return GCP.state().members(GCP_SA, "roles/iam.workloadIdentityUser").stream()
        .collect(Collectors.toSet());
  }

  private static List<ArmState.Identity> azureIdentities() {
    return ARM.state().identities();
  }
}
