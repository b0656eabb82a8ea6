package dev.cifederation.operator.tenancy;

import static dev.cifederation.operator.testsupport.Conditions.condition;
import static dev.cifederation.operator.testsupport.Conditions.reason;
import static dev.cifederation.operator.testsupport.Fixtures.shortId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.aws.AwsLocal;
import dev.cifederation.operator.cloud.azure.AzureLocal;
import dev.cifederation.operator.cloud.gcp.GcpLocal;
import dev.cifederation.operator.observe.FindingsGauge;
import dev.cifederation.operator.reconcile.EventRecorder;
import dev.cifederation.operator.reconcile.IdentityReconciler;
import dev.cifederation.operator.reconcile.Tenancy;
import dev.cifederation.operator.testsupport.AdapterCalls;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.OperatorInTheLoop;
import dev.cifederation.operator.trust.Claims;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.TrustCompiler;
import dev.cifederation.operator.trust.TrustEvaluator;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

  /** Every adapter call. */
  private static final AdapterCalls ADAPTER_CALLS = new AdapterCalls();

  private static final OperatorInTheLoop LOOP = new OperatorInTheLoop(CLIENT);

  @RegisterExtension
  static final LocallyRunOperatorExtension OPERATOR =
      LOOP.extension(
          new IdentityReconciler(
              new TrustCompiler(),
              List.of(
                  ADAPTER_CALLS.record(AWS.adapter(CLUSTER, RESYNC, REGISTRY)),
                  ADAPTER_CALLS.record(GCP.adapter(RESYNC)),
                  ADAPTER_CALLS.record(AZURE.adapter(CLUSTER, REGISTRY))),
              new EventRecorder(CLIENT, Clock.systemUTC()),
              Optional.empty(),
              Optional.empty(),
              new FindingsGauge(REGISTRY),
              Tenancy.DEFAULT,
              Clock.systemUTC()),
          RESYNC);

  @BeforeAll
  static void issuer() {
    LOOP.apply(Fixtures.issuer(ISSUER, ISSUER_URL, "GitHub"));
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
        .withName(LOOP.namespace())
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
        LOOP.awaitStatus(name, i -> reason(i, "PolicyCompliant").equals("NoPolicySelects"));
    assertThat(condition(refused, "Ready").getReason()).isEqualTo("PolicyViolation");
    assertThat(condition(refused, "PolicyCompliant").getMessage())
        .contains("default deny")
        .contains(LOOP.namespace());

    // a second reconcile, proven by the status it writes, still calls nothing
    CIFederatedIdentity edited = LOOP.get(name);
    edited.getSpec().getSubject().setEnvironment("staging");
    CLIENT.resource(edited).update();
    LOOP.awaitStatus(name, i -> i.getStatus().getSubject().endsWith(":environment:staging"));

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
            identity(name, "  managedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]\n"))
        .create();
    CIFederatedIdentity refused =
        LOOP.awaitStatus(name, i -> reason(i, "PolicyCompliant").equals("PrivilegedManagedPolicy"));
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
    CIFederatedIdentity ready = LOOP.awaitStatus(name, i -> reason(i, "Ready").equals("Ready"));
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
        LOOP.awaitStatus(name, i -> reason(i, "TrustActive").equals("Revoked"));
    assertThat(reason(revoked, "Ready")).isEqualTo("Revoked");
    assertThat(reason(revoked, "PolicyCompliant")).isEqualTo("RepositoryNotAllowed");
    assertThat(List.of("AWSReady", "GCPReady", "AzureReady"))
        .allSatisfy(c -> assertThat(reason(LOOP.get(name), c)).isEqualTo("Revoked"));
    assertThat(ids(LOOP.get(name))).as("ids kept in status").isEqualTo(before);

    grant(id, "");
    CIFederatedIdentity restored =
        LOOP.awaitStatus(
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
    LOOP.awaitStatus(name, i -> reason(i, "Ready").equals("Ready"));
    CIFederatedIdentity observing = LOOP.get(name);
    observing.getSpec().setManagementPolicy(ManagementPolicy.Observe);
    CLIENT.resource(observing).update();
    LOOP.awaitStatus(name, observedTheEdit -> true);

    grant(id, "  repositories: [\"other-org/*\"]\n");
    awaitRefusedEverywhere(name, System.nanoTime());
    assertThat(
            reason(
                LOOP.awaitStatus(name, i -> reason(i, "TrustActive").equals("Revoked")), "Ready"))
        .isEqualTo("Revoked");
  }

  @Test
  void suspensionByTheIdentityAndByAPolicyWithdrawsAndResumes() {
    String id = shortId();
    grant(id, "");
    String name = "suspendable-" + id;
    CLIENT.resource(identity(name, "")).create();
    Ids before = ids(LOOP.awaitStatus(name, i -> reason(i, "Ready").equals("Ready")));

    long suspended = System.nanoTime();
    CIFederatedIdentity identity = LOOP.get(name);
    identity.getSpec().setSuspend(true);
    CLIENT.resource(identity).update();
    Map<Cloud, Long> after = awaitRefusedEverywhere(name, suspended);
    System.out.printf(
        "TenancyIT: spec.suspend -> live trust refuses the subject after AWS %d ms, GCP %d ms,"
            + " Azure %d ms%n",
        after.get(Cloud.AWS), after.get(Cloud.GCP), after.get(Cloud.Azure));
    CIFederatedIdentity bySpec =
        LOOP.awaitStatus(name, i -> reason(i, "TrustActive").equals("Suspended"));
    assertThat(condition(bySpec, "TrustActive").getMessage()).contains("spec.suspend is true");
    assertThat(reason(bySpec, "Ready")).isEqualTo("Suspended");

    identity = LOOP.get(name);
    identity.getSpec().setSuspend(false);
    CLIENT.resource(identity).update();
    assertThat(ids(LOOP.awaitStatus(name, i -> reason(i, "Ready").equals("Ready"))))
        .isEqualTo(before);

    grant(id, "  suspend: true\n");
    CIFederatedIdentity byPolicy =
        LOOP.awaitStatus(name, i -> reason(i, "TrustActive").equals("Suspended"));
    assertThat(condition(byPolicy, "TrustActive").getMessage())
        .contains("CIFederationPolicy tenancy-" + id);
    awaitRefusedEverywhere(name, System.nanoTime());

    grant(id, "");
    CIFederatedIdentity resumed = LOOP.awaitStatus(name, i -> reason(i, "Ready").equals("Ready"));
    assertThat(ids(resumed)).isEqualTo(before);
    assertThat(admitted(resumed)).containsOnly(true);
  }

  @Test
  void deletingASuspendedIdentityRemovesItsObjects() {
    String id = shortId();
    grant(id, "");
    String name = "deleted-" + id;
    CLIENT.resource(identity(name, "")).create();
    Ids ids = ids(LOOP.awaitStatus(name, i -> reason(i, "Ready").equals("Ready")));
    CIFederatedIdentity identity = LOOP.get(name);
    identity.getSpec().setSuspend(true);
    CLIENT.resource(identity).update();
    LOOP.awaitStatus(name, i -> reason(i, "TrustActive").equals("Suspended"));

    CLIENT.resource(LOOP.get(name)).delete();
    LOOP.awaitGone(name);
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
              CIFederatedIdentity identity = LOOP.get(name);
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
        .withName(LOOP.namespace())
        .edit(
            n ->
                new NamespaceBuilder(n)
                    .editMetadata()
                    .addToLabels("tenancy-it", id)
                    .endMetadata()
                    .build());
    LOOP.apply(
        Fixtures.policy(
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
                    AzureLocal.SUBSCRIPTION)));
  }

  private static CIFederatedIdentity identity(String name, String awsExtra) {
    return Fixtures.identity(
        LOOP.namespace(),
        name,
        """
        issuerRef: %s
        repository: my-org/my-app
        subject: {environment: production}
        aws:
          accountId: "%s"
        %sgcp:
          projectId: %s
          projectNumber: "%s"
          serviceAccount: %s
        azure:
          subscriptionId: %s
          resourceGroup: %s
          location: eastus
        """
            .formatted(
                ISSUER,
                AwsLocal.ACCOUNT,
                awsExtra,
                GcpLocal.PROJECT_ID,
                GcpLocal.PROJECT_NUMBER,
                GcpLocal.SERVICE_ACCOUNT,
                AzureLocal.SUBSCRIPTION,
                AzureLocal.GROUP));
  }

  private static List<String> adapterCalls(String name) {
    return ADAPTER_CALLS.of(LOOP.namespace(), name);
  }
}
