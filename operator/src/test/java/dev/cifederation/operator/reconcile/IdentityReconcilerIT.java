package dev.cifederation.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The identity reconciler running in the loop (java-operator-sdk's LocallyRunOperatorExtension)
 * against a real kube-apiserver: status is filled from the compiled trust, follows the CIIssuer as
 * it appears, and is not rewritten when nothing changed.
 */
class IdentityReconcilerIT {

  private static final KubeApiServerSupport API = KubeApiServerSupport.shared();
  private static final KubernetesClient CLIENT = API.newClient();

  @RegisterExtension
  static final LocallyRunOperatorExtension OPERATOR =
      LocallyRunOperatorExtension.builder()
          .withKubernetesClient(API.newClient())
          .withReconciler(
              new IdentityReconciler(
                  new TrustCompiler(),
                  List.of(),
                  new EventRecorder(CLIENT, Clock.systemUTC()),
                  Clock.systemUTC()))
          .oneNamespacePerClass(true)
          .waitForNamespaceDeletion(false)
          .build();

  private String issuerName;

  @BeforeAll
  static void crdsAreInstalled() {
    assertThat(CLIENT.resources(CIIssuer.class).list().getItems()).isNotNull();
  }

  @AfterEach
  void deleteIssuer() {
    if (issuerName != null) {
      CLIENT.resources(CIIssuer.class).withName(issuerName).delete();
    }
  }

  @Test
  void statusShowsTheExactSubjectAndWhoCanAssumeIt() {
    issuerName = "github-" + shortId();
    createIssuer(issuerName, "https://token.actions.githubusercontent.com", "GitHub");
    create(identity("deploy", issuerName, "environment: production"));

    CIFederatedIdentity ready = awaitStatus("deploy", s -> s.getStatus().getSubject() != null);
    var status = ready.getStatus();
    assertThat(status.getSubject()).isEqualTo("repo:my-org/my-app:environment:production");
    assertThat(status.getWhoCanAssume())
        .isEqualTo(
            "AWS: GitHub Actions jobs of my-org/my-app in environment production (as specified;"
                + " not read from the cloud yet)");
    assertThat(status.getObservedGeneration()).isEqualTo(ready.getMetadata().getGeneration());

    Condition aws = condition(ready, "AWSReady").orElseThrow();
    assertThat(aws.getStatus()).isEqualTo("Unknown");
    assertThat(aws.getReason()).isEqualTo("NotImplemented");
    Condition summary = condition(ready, "Ready").orElseThrow();
    assertThat(summary.getStatus()).isEqualTo("Unknown");
    assertThat(summary.getReason()).isEqualTo("NotImplemented");
    assertThat(summary.getObservedGeneration()).isEqualTo(ready.getMetadata().getGeneration());
    assertThat(summary.getLastTransitionTime()).isNotBlank();
    assertThat(condition(ready, "GCPReady")).as("GCP is not configured").isEmpty();
  }

  @Test
  void missingIssuerIsReportedAndFixedWhenTheIssuerAppears() {
    issuerName = "late-" + shortId();
    create(identity("waiting", issuerName, "branch: main"));

    CIFederatedIdentity waiting =
        awaitStatus(
            "waiting",
            s ->
                condition(s, "Ready")
                    .map(c -> c.getReason().equals("IssuerNotFound"))
                    .orElse(false));
    Condition notFound = condition(waiting, "Ready").orElseThrow();
    assertThat(notFound.getStatus()).isEqualTo("False");
    assertThat(notFound.getMessage()).contains(issuerName);
    assertThat(waiting.getStatus().getSubject()).isNull();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(eventReasons("waiting")).contains("IssuerNotFound"));

    createIssuer(issuerName, "https://gitlab.com", "GitLab");

    CIFederatedIdentity fixed = awaitStatus("waiting", s -> s.getStatus().getSubject() != null);
    assertThat(fixed.getStatus().getSubject())
        .isEqualTo("project_path:my-org/my-app:ref_type:branch:ref:main");
    assertThat(fixed.getStatus().getWhoCanAssume())
        .isEqualTo(
            "AWS: GitLab CI jobs of my-org/my-app on branch main (as specified; not read from the"
                + " cloud yet)");
    assertThat(condition(fixed, "Ready").orElseThrow().getReason()).isEqualTo("NotImplemented");
  }

  @Test
  void selectorTheDialectCannotExpressIsAnInvalidSpecWithTheFieldNamed() {
    issuerName = "gitlab-" + shortId();
    createIssuer(issuerName, "https://gitlab.com", "GitLab");
    create(identity("env-on-gitlab", issuerName, "environment: production"));

    CIFederatedIdentity invalid =
        awaitStatus(
            "env-on-gitlab",
            s -> condition(s, "Ready").map(c -> c.getReason().equals("InvalidSpec")).orElse(false));
    Condition ready = condition(invalid, "Ready").orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getMessage()).contains("spec.subject.environment");
  }

  @Test
  void transitionTimeIsKeptWhileTheStatusDoesNotChange() throws InterruptedException {
    issuerName = "github-" + shortId();
    createIssuer(issuerName, "https://token.actions.githubusercontent.com", "GitHub");
    create(identity("steady", issuerName, "tag: v1.2.3"));
    CIFederatedIdentity first = awaitStatus("steady", s -> s.getStatus().getSubject() != null);
    String transition = condition(first, "Ready").orElseThrow().getLastTransitionTime();

    // A metadata-only update of the referenced issuer (like the status its checks write) does not
    // concern the identity: nothing in its status changes.
    CIIssuer issuer = CLIENT.resources(CIIssuer.class).withName(issuerName).get();
    issuer.getMetadata().setLabels(java.util.Map.of("touched", "yes"));
    CLIENT.resource(issuer).update();
    Thread.sleep(3000);

    CIFederatedIdentity after = get("steady");
    assertThat(after.getStatus().getSubject()).isEqualTo("repo:my-org/my-app:ref:refs/tags/v1.2.3");
    assertThat(condition(after, "Ready").orElseThrow().getLastTransitionTime())
        .isEqualTo(transition);

    // A spec change is a new generation: status follows it, and Ready keeps its transition time
    // (same status).
    CIFederatedIdentity edited = get("steady");
    edited.getSpec().getSubject().setTag("v2.0.0");
    CLIENT.resource(edited).update();
    CIFederatedIdentity followed =
        awaitStatus("steady", s -> s.getStatus().getSubject().endsWith("v2.0.0"));
    assertThat(followed.getStatus().getObservedGeneration())
        .isEqualTo(followed.getMetadata().getGeneration());
    assertThat(condition(followed, "Ready").orElseThrow().getObservedGeneration())
        .isEqualTo(followed.getMetadata().getGeneration());
    assertThat(condition(followed, "Ready").orElseThrow().getLastTransitionTime())
        .isEqualTo(transition);
  }

  private static CIFederatedIdentity identity(String name, String issuer, String selector) {
    return Serialization.unmarshal(
        """
        apiVersion: cifederation.dev/v1alpha1
        kind: CIFederatedIdentity
        metadata:
          name: %s
        spec:
          issuerRef: %s
          repository: my-org/my-app
          subject: {%s}
          aws:
            accountId: "123456789012"
        """
            .formatted(name, issuer, selector),
        CIFederatedIdentity.class);
  }

  private void create(CIFederatedIdentity identity) {
    identity.getMetadata().setNamespace(OPERATOR.getNamespace());
    CLIENT.resource(identity).create();
  }

  private static void createIssuer(String name, String url, String dialect) {
    CLIENT
        .resource(
            Serialization.unmarshal(
                """
                apiVersion: cifederation.dev/v1alpha1
                kind: CIIssuer
                metadata: {name: %s}
                spec: {url: "%s", dialect: %s}
                """
                    .formatted(name, url, dialect),
                CIIssuer.class))
        .create();
  }

  private CIFederatedIdentity get(String name) {
    return CLIENT
        .resources(CIFederatedIdentity.class)
        .inNamespace(OPERATOR.getNamespace())
        .withName(name)
        .get();
  }

  private CIFederatedIdentity awaitStatus(
      String name, java.util.function.Predicate<CIFederatedIdentity> done) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> get(name),
            i ->
                i != null
                    && i.getStatus() != null
                    && i.getStatus().getObservedGeneration() != null
                    && done.test(i));
  }

  private List<String> eventReasons(String name) {
    return CLIENT.v1().events().inNamespace(OPERATOR.getNamespace()).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .map(Event::getReason)
        .toList();
  }

  private static Optional<Condition> condition(CIFederatedIdentity identity, String type) {
    return identity.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }

  private static String shortId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }
}
