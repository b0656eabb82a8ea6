package dev.cifederation.operator.cloud.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.observe.FindingsGauge;
import dev.cifederation.operator.reconcile.EventRecorder;
import dev.cifederation.operator.reconcile.IdentityReconciler;
import dev.cifederation.operator.reconcile.SnippetPublisher;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.OperatorInTheLoop;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The workflow-snippets ConfigMap with the operator in the loop against a real kube-apiserver. The
 * GCP adapter runs against the fake IAM (as in {@link GcpIdentityIT}), so the snippet carries the
 * provider name a real adapter reported. Checks: the ConfigMap is owned by the identity and named
 * in status, a steady resync does not rewrite it, a spec change does, and a ConfigMap of the same
 * name that the identity does not own is left alone and reported.
 */
class WorkflowSnippetsIT {

  private static final Duration RESYNC = Duration.ofSeconds(3);
  private static final KubeApiServerSupport API = KubeApiServerSupport.shared();
  private static final KubernetesClient CLIENT = API.newClient();
  private static final GcpTestbed BED = new GcpTestbed();

  private static final OperatorInTheLoop LOOP = new OperatorInTheLoop(CLIENT);

  @RegisterExtension
  static final LocallyRunOperatorExtension OPERATOR =
      LOOP.extension(
          new IdentityReconciler(
              new TrustCompiler(),
              List.of(
                  BED.adapter(
                      BED.settings(RESYNC), GcpTestbed.quickRetries(RESYNC), Clock.systemUTC())),
              new EventRecorder(CLIENT, Clock.systemUTC()),
              Optional.of(new SnippetPublisher(CLIENT)),
              Optional.empty(),
              new FindingsGauge(new SimpleMeterRegistry()),
              Clock.systemUTC()),
          RESYNC);

  @BeforeAll
  static void issuer() {
    LOOP.apply(Fixtures.example("issuer-github.yaml", CIIssuer.class));
  }

  @AfterAll
  static void stopFake() {
    BED.close();
  }

  @Test
  void snippetsFollowTheStatusAndTheSpecAndAreWrittenOnlyWhenTheyChange() throws Exception {
    CIFederatedIdentity example = example("github-gcp.yaml", "snippets");
    CLIENT.resource(example).create();

    CIFederatedIdentity synced =
        LOOP.awaitStatus(
            "snippets",
            i ->
                i.getStatus().getWorkflowSnippets() != null
                    && i.getStatus().getGcp() != null
                    && i.getStatus().getGcp().getProviderName() != null);
    assertThat(synced.getStatus().getWorkflowSnippets()).isEqualTo("snippets-ci-snippets");
    ConfigMap map = configMap("snippets-ci-snippets");
    assertThat(map.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getUid()).isEqualTo(synced.getMetadata().getUid());
              assertThat(owner.getKind()).isEqualTo("CIFederatedIdentity");
              assertThat(owner.getController()).isTrue();
            });
    String github = map.getData().get("github-actions.yaml");
    assertThat(github)
        .contains("uses: google-github-actions/auth@v2")
        .contains("workload_identity_provider: " + synced.getStatus().getGcp().getProviderName())
        .contains("service_account: ci-deployer@my-project.iam.gserviceaccount.com")
        .contains("id-token: write")
        .contains("environment: production");
    assertThat(map.getData()).containsOnlyKeys("github-actions.yaml");

    // two passes later the ConfigMap is the same object version: nothing was rewritten
    String version = map.getMetadata().getResourceVersion();
    LOOP.awaitPasses("snippets", 2);
    assertThat(configMap("snippets-ci-snippets").getMetadata().getResourceVersion())
        .isEqualTo(version);

    // a spec change reaches the snippet
    CIFederatedIdentity live = LOOP.get("snippets");
    live.getSpec().getSubject().setEnvironment("staging");
    CLIENT.resource(live).update();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(configMap("snippets-ci-snippets").getData().get("github-actions.yaml"))
                    .contains("environment: staging")
                    .doesNotContain("environment: production"));
  }

  @Test
  void aDeletedOrEditedConfigMapIsRestored() throws Exception {
    CLIENT.resource(example("github-gcp.yaml", "restored")).create();
    await().atMost(Duration.ofSeconds(60)).until(() -> configMap("restored-ci-snippets") != null);
    Map<String, String> published = configMap("restored-ci-snippets").getData();

    // edited by hand, label removed: no longer in the operator's cache, still its own
    ConfigMap edited = configMap("restored-ci-snippets");
    edited.setData(Map.of("github-actions.yaml", "tampered"));
    edited.getMetadata().getLabels().remove("cifederation.dev/identity");
    CLIENT.resource(edited).update();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              ConfigMap live = configMap("restored-ci-snippets");
              assertThat(live.getData()).isEqualTo(published);
              assertThat(live.getMetadata().getLabels())
                  .containsEntry("cifederation.dev/identity", "restored");
            });

    CLIENT
        .configMaps()
        .inNamespace(OPERATOR.getNamespace())
        .withName("restored-ci-snippets")
        .delete();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              ConfigMap live = configMap("restored-ci-snippets");
              assertThat(live).isNotNull();
              assertThat(live.getData()).isEqualTo(published);
            });
  }

  @Test
  void aConfigMapTheIdentityDoesNotOwnIsNeverOverwritten() throws Exception {
    ConfigMap foreign =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName("taken-ci-snippets")
            .withNamespace(OPERATOR.getNamespace())
            .endMetadata()
            .withData(Map.of("owner", "someone else"))
            .build();
    CLIENT.resource(foreign).create();
    CLIENT.resource(example("github-gcp.yaml", "taken")).create();

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(LOOP.events("taken"))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getReason()).isEqualTo("SnippetsNotPublished");
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getMessage()).contains("not owned by this identity");
                        }));
    assertThat(LOOP.get("taken").getStatus().getWorkflowSnippets()).isNull();
    assertThat(configMap("taken-ci-snippets").getData()).isEqualTo(Map.of("owner", "someone else"));
  }

  // ---------------------------------------------------------------------------------------------

  private static CIFederatedIdentity example(String file, String name) {
    CIFederatedIdentity identity = Fixtures.example(file, CIFederatedIdentity.class);
    identity.getMetadata().setName(name);
    identity.getMetadata().setNamespace(OPERATOR.getNamespace());
    // a pool per test: the fake's pool state is shared by the class
    identity.getSpec().getGcp().setPoolId("pool-" + name);
    return identity;
  }

  private static ConfigMap configMap(String name) {
    return CLIENT.configMaps().inNamespace(OPERATOR.getNamespace()).withName(name).get();
  }
}
