package dev.cifederation.operator.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicy;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.aws.AwsLocal;
import dev.cifederation.operator.cloud.azure.AzureLocal;
import dev.cifederation.operator.cloud.gcp.GcpLocal;
import dev.cifederation.operator.observe.FindingsGauge;
import dev.cifederation.operator.reconcile.EventRecorder;
import dev.cifederation.operator.reconcile.IdentityReconciler;
import dev.cifederation.operator.reconcile.Tenancy;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.trust.Claims;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.TrustCompiler;
import dev.cifederation.operator.trust.TrustEvaluator;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tenancy with the operator in the loop, on a real kube-apiserver, with moto_server and the GCP and
 * Azure fakes: default deny makes no cloud call, tightening and suspending withdraw the live trust
 * in place (checked with the claims evaluators against what each cloud holds) and loosening or
 * resuming restores it with the same ids. The resync is two minutes, so everything observed here
 * within seconds was driven by the change itself, not by a periodic pass.
 */
class TenancyIT {

  private static final Duration RESYNC = Duration.ofMinutes(2);
  private static final Duration WITHIN = Duration.ofSeconds(60);
  private static final String CLUSTER = "tenancy-it";
  private static final String ISSUER = "github-tenancy-it";
  private static final String ISSUER_URL = "https://token.actions.githubusercontent.com";
  private static final String SUBJECT = "repo:my-org/my-app:environment:production";

  private static final KubeApiServerSupport API = KubeApiServerSupport.shared();
  private static final KubernetesClient CLIENT = API.newClient();
  private static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();
  private static final AwsLocal AWS = AwsLocal.start();
  private static final GcpLocal GCP = new GcpLocal();
  private static final AzureLocal AZURE = new AzureLocal();

  /** Every adapter call, as "cloud operation namespace/name". */
  private static final List<String> ADAPTER_CALLS = new CopyOnWriteArrayList<>();

  @RegisterExtension
  static final LocallyRunOperatorExtension OPERATOR =
      LocallyRunOperatorExtension.builder()
          .withKubernetesClient(API.newClient())
          .withReconciler(
              new IdentityReconciler(
                  new TrustCompiler(),
                  List.of(
                      recorded(AWS.adapter(CLUSTER, RESYNC, REGISTRY)),
                      recorded(GCP.adapter(RESYNC)),
                      recorded(AZURE.adapter(CLUSTER, REGISTRY))),
                  new EventRecorder(CLIENT, Clock.systemUTC()),
                  Optional.empty(),
                  Optional.empty(),
                  new FindingsGauge(REGISTRY),
                  Tenancy.DEFAULT,
                  Clock.systemUTC()),
              o -> o.withReconciliationMaxInterval(RESYNC))
          .oneNamespacePerClass(true)
          .waitForNamespaceDeletion(false)
          .build();

  @BeforeAll
  static void issuer() {
    CLIENT
        .resource(
            Serialization.unmarshal(
                """
                apiVersion: cifederation.dev/v1alpha1
                kind: CIIssuer
                metadata: {name: %s}
                spec: {url: "%s", dialect: GitHub}
                """
                    .formatted(ISSUER, ISSUER_URL),
                CIIssuer.class))
        .serverSideApply();
  }

  @AfterAll
  static void stop() {
    CLIENT.resources(CIIssuer.class).withName(ISSUER).delete();
    AWS.close();
    GCP.close();
    AZURE.close();
  }

  // ------------------------------------------------------------------------------ default deny

  @Test
  void anIdentityNoPolicySelectsMakesNoCloudCallAtAll() {
    // the class shares one namespace: drop the label other tests' policies select it by
    CLIENT
        .namespaces()
        .withName(namespace())
        .edit(
            n ->
                new NamespaceBuilder(n)
                    .editMetadata()
                    .removeFromLabels("tenancy-it")
                    .endMetadata()
                    .build());
    String name = "ungoverned-" + shortId();
    double cloudCalls = cloudCalls();
    long gcpRequests = GCP.requests();
    CLIENT.resource(identity(name, "")).create();

    CIFederatedIdentity refused =
        awaitStatus(name, i -> reason(i, "PolicyCompliant").equals("NoPolicySelects"));
    assertThat(condition(refused, "Ready").getReason()).isEqualTo("PolicyViolation");
    assertThat(condition(refused, "PolicyCompliant").getMessage())
        .contains("default deny")
        .contains(namespace());

    // a second reconcile, proven by the status it writes, still calls nothing
    CIFederatedIdentity edited = get(name);
    edited.getSpec().getSubject().setEnvironment("staging");
    CLIENT.resource(edited).update();
    awaitStatus(name, i -> i.getStatus().getSubject().endsWith(":environment:staging"));

    assertThat(adapterCalls(name)).as("no adapter was asked").isEmpty();
    assertThat(cloudCalls())
        .as("no AWS or Azure call (the operator's own metric)")
        .isEqualTo(cloudCalls);
    assertThat(GCP.requests()).as("no request reached the GCP fake").isEqualTo(gcpRequests);
  }

  @Test
  void aPrivilegedManagedPolicyIsRefusedWithoutACloudCall() {
    String id = shortId();
    grant(id, "");
    String name = "admin-" + id;
    CLIENT
        .resource(
            identity(
                name, "    managedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]\n"))
        .create();
    CIFederatedIdentity refused =
        awaitStatus(name, i -> reason(i, "PolicyCompliant").equals("PrivilegedManagedPolicy"));
    assertThat(condition(refused, "PolicyCompliant").getMessage())
        .contains("spec.aws.managedPolicyArns[0]")
        .contains("AdministratorAccess");
    assertThat(adapterCalls(name)).isEmpty();
  }

  // ------------------------------------------------------------------------- revocation in place

  @Test
  void tighteningRevokesInPlaceAndLooseningRestoresTheSameObjects() {
    String id = shortId();
    grant(id, "");
    String name = "revocable-" + id;
    CLIENT.resource(identity(name, "")).create();
    CIFederatedIdentity ready = awaitStatus(name, i -> reason(i, "Ready").equals("Ready"));
    Ids before = ids(ready);
    assertThat(admitted(ready)).as("every cloud admits the subject").containsOnly(true);

    long tightened = System.nanoTime();
    grant(id, "  repositories: [\"other-org/*\"]\n");
    Map<Cloud, Long> refusedAfter = awaitRefusedEverywhere(name, tightened);
    System.out.printf(
        "TenancyIT: policy tightened -> live trust refuses the subject after AWS %d ms, GCP %d ms,"
            + " Azure %d ms%n",
        refusedAfter.get(Cloud.AWS), refusedAfter.get(Cloud.GCP), refusedAfter.get(Cloud.Azure));

    CIFederatedIdentity revoked =
        awaitStatus(name, i -> reason(i, "TrustActive").equals("Revoked"));
    assertThat(reason(revoked, "Ready")).isEqualTo("Revoked");
    assertThat(reason(revoked, "PolicyCompliant")).isEqualTo("RepositoryNotAllowed");
    assertThat(List.of("AWSReady", "GCPReady", "AzureReady"))
        .allSatisfy(c -> assertThat(reason(get(name), c)).isEqualTo("Revoked"));
    assertThat(ids(get(name))).as("ids kept in status").isEqualTo(before);

    grant(id, "");
    CIFederatedIdentity restored =
        awaitStatus(
            name,
            i -> reason(i, "Ready").equals("Ready") && reason(i, "TrustActive").equals("Active"));
    assertThat(ids(restored)).as("the same objects come back").isEqualTo(before);
    assertThat(AWS.role(before.roleName()).orElseThrow().roleId()).isEqualTo(before.roleId());
    assertThat(admitted(restored)).containsOnly(true);
  }

  @Test
  void switchingToObserveDoesNotKeepARevokedTrustAlive() {
    String id = shortId();
    grant(id, "");
    String name = "observer-" + id;
    CLIENT.resource(identity(name, "")).create();
    awaitStatus(name, i -> reason(i, "Ready").equals("Ready"));
    CIFederatedIdentity observing = get(name);
    observing.getSpec().setManagementPolicy(ManagementPolicy.Observe);
    CLIENT.resource(observing).update();
    awaitStatus(
        name,
        i ->
            i.getStatus().getObservedGeneration() != null
                && i.getStatus().getObservedGeneration().equals(i.getMetadata().getGeneration()));

    grant(id, "  repositories: [\"other-org/*\"]\n");
    awaitRefusedEverywhere(name, System.nanoTime());
    assertThat(reason(awaitStatus(name, i -> reason(i, "TrustActive").equals("Revoked")), "Ready"))
        .isEqualTo("Revoked");
  }

  @Test
  void suspensionByTheIdentityAndByAPolicyWithdrawsAndResumes() {
    String id = shortId();
    grant(id, "");
    String name = "suspendable-" + id;
    CLIENT.resource(identity(name, "")).create();
    Ids before = ids(awaitStatus(name, i -> reason(i, "Ready").equals("Ready")));

    long suspended = System.nanoTime();
    CIFederatedIdentity identity = get(name);
    identity.getSpec().setSuspend(true);
    CLIENT.resource(identity).update();
    Map<Cloud, Long> after = awaitRefusedEverywhere(name, suspended);
    System.out.printf(
        "TenancyIT: spec.suspend -> live trust refuses the subject after AWS %d ms, GCP %d ms,"
            + " Azure %d ms%n",
        after.get(Cloud.AWS), after.get(Cloud.GCP), after.get(Cloud.Azure));
    CIFederatedIdentity bySpec =
        awaitStatus(name, i -> reason(i, "TrustActive").equals("Suspended"));
    assertThat(condition(bySpec, "TrustActive").getMessage()).contains("spec.suspend is true");
    assertThat(reason(bySpec, "Ready")).isEqualTo("Suspended");

    identity = get(name);
    identity.getSpec().setSuspend(false);
    CLIENT.resource(identity).update();
    assertThat(ids(awaitStatus(name, i -> reason(i, "Ready").equals("Ready")))).isEqualTo(before);

    grant(id, "  suspend: true\n");
    CIFederatedIdentity byPolicy =
        awaitStatus(name, i -> reason(i, "TrustActive").equals("Suspended"));
    assertThat(condition(byPolicy, "TrustActive").getMessage())
        .contains("CIFederationPolicy tenancy-" + id);
    awaitRefusedEverywhere(name, System.nanoTime());

    grant(id, "");
    CIFederatedIdentity resumed = awaitStatus(name, i -> reason(i, "Ready").equals("Ready"));
    assertThat(ids(resumed)).isEqualTo(before);
    assertThat(admitted(resumed)).containsOnly(true);
  }

  @Test
  void deletingASuspendedIdentityRemovesItsObjects() {
    String id = shortId();
    grant(id, "");
    String name = "deleted-" + id;
    CLIENT.resource(identity(name, "")).create();
    Ids ids = ids(awaitStatus(name, i -> reason(i, "Ready").equals("Ready")));
    CIFederatedIdentity identity = get(name);
    identity.getSpec().setSuspend(true);
    CLIENT.resource(identity).update();
    awaitStatus(name, i -> reason(i, "TrustActive").equals("Suspended"));

    CLIENT.resource(get(name)).delete();
    await()
        .atMost(WITHIN)
        .until(
            () ->
                CLIENT
                        .resources(CIFederatedIdentity.class)
                        .inNamespace(namespace())
                        .withName(name)
                        .get()
                    == null);
    assertThat(AWS.role(ids.roleName())).isEmpty();
    assertThat(AZURE.identity(ids.identityName())).isEmpty();
  }

  // --------------------------------------------------------------------------------- helpers

  /** The ids each cloud gave the identity, from its status. */
  record Ids(
      String roleArn,
      String roleName,
      String roleId,
      String providerName,
      String identityName,
      String clientId) {}

  private static Ids ids(CIFederatedIdentity identity) {
    var status = identity.getStatus();
    String roleArn = status.getAws().getRoleArn();
    String roleName = roleArn.substring(roleArn.lastIndexOf('/') + 1);
    String identityId = status.getAzure().getIdentityId();
    return new Ids(
        roleArn,
        roleName,
        AWS.role(roleName).orElseThrow().roleId(),
        status.getGcp().getProviderName(),
        identityId.substring(identityId.lastIndexOf('/') + 1),
        status.getAzure().getClientId());
  }

  /** Whether each cloud, as it holds the trust now, admits a production token of my-org/my-app. */
  private static List<Boolean> admitted(CIFederatedIdentity identity) {
    List<Boolean> admitted = new ArrayList<>();
    for (Cloud cloud : Cloud.values()) {
      admitted.add(admits(identity, cloud));
    }
    return admitted;
  }

  private static boolean admits(CIFederatedIdentity identity, Cloud cloud) {
    Ids ids = ids(identity);
    LiveTrust live =
        switch (cloud) {
          case AWS -> new LiveTrust.Aws(ids.roleArn(), AWS.trustPolicy(ids.roleName()));
          case GCP -> GCP.liveTrust(ids.providerName());
          case Azure -> AZURE.liveTrust(ids.identityName());
        };
    String audience =
        switch (cloud) {
          case AWS -> "sts.amazonaws.com";
          case GCP -> "https://iam.googleapis.com/" + ids.providerName();
          case Azure -> "api://AzureADTokenExchange";
        };
    return TrustEvaluator.evaluate(live, token(audience)).admitted();
  }

  /** Every cloud call the AWS and Azure adapters counted. */
  private static double cloudCalls() {
    return REGISTRY.find("cifed_cloud_calls_total").counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  /**
   * Polls every cloud until its live trust refuses the subject; returns, per cloud, the
   * milliseconds since {@code since} (System.nanoTime) when that was first seen.
   */
  private static Map<Cloud, Long> awaitRefusedEverywhere(String name, long since) {
    Map<Cloud, Long> refused = new LinkedHashMap<>();
    await()
        .atMost(WITHIN)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              CIFederatedIdentity identity = get(name);
              for (Cloud cloud : Cloud.values()) {
                if (!refused.containsKey(cloud) && !admits(identity, cloud)) {
                  refused.put(cloud, (System.nanoTime() - since) / 1_000_000);
                }
              }
              return refused.size() == Cloud.values().length;
            });
    return refused;
  }

  private static Claims token(String audience) {
    return Claims.of(
        Map.of(
            "iss", ISSUER_URL,
            "aud", audience,
            "sub", SUBJECT,
            "repository", "my-org/my-app",
            "repository_owner", "my-org",
            "environment", "production",
            "ref", "refs/heads/main",
            "event_name", "push"));
  }

  /** A policy granting this test's namespace every target the identities use; extra YAML lines. */
  private static void grant(String id, String extra) {
    CLIENT
        .namespaces()
        .withName(namespace())
        .edit(
            n ->
                new NamespaceBuilder(n)
                    .editMetadata()
                    .addToLabels("tenancy-it", id)
                    .endMetadata()
                    .build());
    CLIENT
        .resource(
            Serialization.unmarshal(
                """
                apiVersion: cifederation.dev/v1alpha1
                kind: CIFederationPolicy
                metadata: {name: tenancy-%s}
                spec:
                  namespaceSelector: {matchLabels: {tenancy-it: "%s"}}
                %s  aws: {accounts: ["%s"]}
                  gcp: {projects: ["%s"], serviceAccounts: ["%s"]}
                  azure: {subscriptions: ["%s"]}
                """
                    .formatted(
                        id,
                        id,
                        extra,
                        AwsLocal.ACCOUNT,
                        GcpLocal.PROJECT_ID,
                        GcpLocal.SERVICE_ACCOUNT,
                        AzureLocal.SUBSCRIPTION),
                CIFederationPolicy.class))
        .fieldManager(KubeApiServerSupport.FIELD_MANAGER)
        .forceConflicts()
        .serverSideApply();
  }

  private static CIFederatedIdentity identity(String name, String awsExtra) {
    return Serialization.unmarshal(
        """
        apiVersion: cifederation.dev/v1alpha1
        kind: CIFederatedIdentity
        metadata: {name: %s, namespace: %s}
        spec:
          issuerRef: %s
          repository: my-org/my-app
          subject: {environment: production}
          aws:
            accountId: "%s"
        %s  gcp:
            projectId: %s
            projectNumber: "%s"
            serviceAccount: %s
          azure:
            subscriptionId: %s
            resourceGroup: %s
            location: eastus
        """
            .formatted(
                name,
                namespace(),
                ISSUER,
                AwsLocal.ACCOUNT,
                awsExtra,
                GcpLocal.PROJECT_ID,
                GcpLocal.PROJECT_NUMBER,
                GcpLocal.SERVICE_ACCOUNT,
                AzureLocal.SUBSCRIPTION,
                AzureLocal.GROUP),
        CIFederatedIdentity.class);
  }

  private static CloudReconciler recorded(CloudReconciler adapter) {
    return new CloudReconciler() {
      @Override
      public Cloud cloud() {
        return adapter.cloud();
      }

      @Override
      public CloudOutcome reconcile(CloudRequest request) {
        ADAPTER_CALLS.add(adapter.cloud() + " reconcile " + request.owner());
        return adapter.reconcile(request);
      }

      @Override
      public CloudOutcome cleanup(CloudRequest request) {
        ADAPTER_CALLS.add(adapter.cloud() + " cleanup " + request.owner());
        return adapter.cleanup(request);
      }
    };
  }

  private static List<String> adapterCalls(String name) {
    return ADAPTER_CALLS.stream().filter(c -> c.endsWith(" " + namespace() + "/" + name)).toList();
  }

  private static CIFederatedIdentity awaitStatus(
      String name, Predicate<CIFederatedIdentity> condition) {
    return await()
        .atMost(WITHIN)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> get(name), i -> i != null && i.getStatus() != null && condition.test(i));
  }

  private static CIFederatedIdentity get(String name) {
    return CLIENT
        .resources(CIFederatedIdentity.class)
        .inNamespace(namespace())
        .withName(name)
        .get();
  }

  private static String reason(CIFederatedIdentity identity, String type) {
    return Optional.ofNullable(identity.getStatus())
        .flatMap(s -> s.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst())
        .map(Condition::getReason)
        .orElse("");
  }

  private static Condition condition(CIFederatedIdentity identity, String type) {
    return identity.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }

  private static String namespace() {
    return OPERATOR.getNamespace();
  }

  private static String shortId() {
    return UUID.randomUUID().toString().substring(0, 6);
  }
}
