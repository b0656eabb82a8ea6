package dev.cifederation.operator.reconcile;

import static dev.cifederation.operator.testsupport.Fixtures.shortId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.testsupport.Conditions;
import dev.cifederation.operator.testsupport.Events;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.OperatorInTheLoop;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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

  /** Only for the passes that prove nothing changed: events drive everything else here. */
  private static final Duration RESYNC = Duration.ofSeconds(3);

  private static final OperatorInTheLoop LOOP = new OperatorInTheLoop(CLIENT);

  @RegisterExtension
  static final LocallyRunOperatorExtension OPERATOR =
      LOOP.extension(
          new IdentityReconciler(
              new TrustCompiler(),
              List.of(),
              new EventRecorder(CLIENT, Clock.systemUTC()),
              Clock.systemUTC()),
          RESYNC);

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
    LOOP.create(identity("deploy", issuerName, "environment: production"));

    CIFederatedIdentity ready = LOOP.awaitStatus("deploy", s -> s.getStatus().getSubject() != null);
    var status = ready.getStatus();
    assertThat(status.getSubject()).isEqualTo("repo:my-org/my-app:environment:production");
    assertThat(status.getWhoCanAssume())
        .isEqualTo(
            "AWS: GitHub Actions jobs of my-org/my-app in environment production (as specified;"
                + " not read from the cloud yet)");
    assertThat(status.getObservedGeneration()).isEqualTo(ready.getMetadata().getGeneration());

    Condition aws = Conditions.find(ready, "AWSReady").orElseThrow();
    assertThat(aws.getStatus()).isEqualTo("Unknown");
    assertThat(aws.getReason()).isEqualTo("NotImplemented");
    Condition summary = Conditions.find(ready, "Ready").orElseThrow();
    assertThat(summary.getStatus()).isEqualTo("Unknown");
    assertThat(summary.getReason()).isEqualTo("NotImplemented");
    assertThat(summary.getObservedGeneration()).isEqualTo(ready.getMetadata().getGeneration());
    assertThat(summary.getLastTransitionTime()).isNotBlank();
    assertThat(Conditions.find(ready, "GCPReady")).as("GCP is not configured").isEmpty();
  }

  @Test
  void missingIssuerIsReportedAndFixedWhenTheIssuerAppears() {
    issuerName = "late-" + shortId();
    LOOP.create(identity("waiting", issuerName, "branch: main"));

    CIFederatedIdentity waiting =
        LOOP.awaitStatus(
            "waiting",
            s ->
                Conditions.find(s, "Ready")
                    .map(c -> c.getReason().equals("IssuerNotFound"))
                    .orElse(false));
    Condition notFound = Conditions.find(waiting, "Ready").orElseThrow();
    assertThat(notFound.getStatus()).isEqualTo("False");
    assertThat(notFound.getMessage()).contains(issuerName);
    assertThat(waiting.getStatus().getSubject()).isNull();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(Events.reasons(LOOP.events("waiting"))).contains("IssuerNotFound"));

    createIssuer(issuerName, "https://gitlab.com", "GitLab");

    CIFederatedIdentity fixed =
        LOOP.awaitStatus("waiting", s -> s.getStatus().getSubject() != null);
    assertThat(fixed.getStatus().getSubject())
        .isEqualTo("project_path:my-org/my-app:ref_type:branch:ref:main");
    assertThat(fixed.getStatus().getWhoCanAssume())
        .isEqualTo(
            "AWS: GitLab CI jobs of my-org/my-app on branch main (as specified; not read from the"
                + " cloud yet)");
    assertThat(Conditions.find(fixed, "Ready").orElseThrow().getReason())
        .isEqualTo("NotImplemented");
  }

  @Test
  void selectorTheDialectCannotExpressIsAnInvalidSpecWithTheFieldNamed() {
    issuerName = "gitlab-" + shortId();
    createIssuer(issuerName, "https://gitlab.com", "GitLab");
    LOOP.create(identity("env-on-gitlab", issuerName, "environment: production"));

    CIFederatedIdentity invalid =
        LOOP.awaitStatus(
            "env-on-gitlab",
            s ->
                Conditions.find(s, "Ready")
                    .map(c -> c.getReason().equals("InvalidSpec"))
                    .orElse(false));
    Condition ready = Conditions.find(invalid, "Ready").orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getMessage()).contains("spec.subject.environment");
  }

  @Test
  void transitionTimeIsKeptWhileTheStatusDoesNotChange() {
    issuerName = "github-" + shortId();
    createIssuer(issuerName, "https://token.actions.githubusercontent.com", "GitHub");
    LOOP.create(identity("steady", issuerName, "tag: v1.2.3"));
    CIFederatedIdentity first = LOOP.awaitStatus("steady", s -> s.getStatus().getSubject() != null);
    String transition = Conditions.find(first, "Ready").orElseThrow().getLastTransitionTime();

    // A metadata-only update of the referenced issuer (like the status its checks write) does not
    // concern the identity: through the next pass, nothing in its status changes.
    CIIssuer issuer = CLIENT.resources(CIIssuer.class).withName(issuerName).get();
    issuer.getMetadata().setLabels(java.util.Map.of("touched", "yes"));
    CLIENT.resource(issuer).update();
    LOOP.awaitPasses("steady", 1);

    CIFederatedIdentity after = LOOP.get("steady");
    assertThat(after.getStatus().getSubject()).isEqualTo("repo:my-org/my-app:ref:refs/tags/v1.2.3");
    assertThat(Conditions.find(after, "Ready").orElseThrow().getLastTransitionTime())
        .isEqualTo(transition);

    // A spec change is a new generation: status follows it, and Ready keeps its transition time
    // (same status).
    CIFederatedIdentity edited = LOOP.get("steady");
    edited.getSpec().getSubject().setTag("v2.0.0");
    CLIENT.resource(edited).update();
    CIFederatedIdentity followed =
        LOOP.awaitStatus("steady", s -> s.getStatus().getSubject().endsWith("v2.0.0"));
    assertThat(followed.getStatus().getObservedGeneration())
        .isEqualTo(followed.getMetadata().getGeneration());
    assertThat(Conditions.find(followed, "Ready").orElseThrow().getObservedGeneration())
        .isEqualTo(followed.getMetadata().getGeneration());
    assertThat(Conditions.find(followed, "Ready").orElseThrow().getLastTransitionTime())
        .isEqualTo(transition);
  }

  private static CIFederatedIdentity identity(String name, String issuer, String selector) {
    return Fixtures.identity(
        null,
        name,
        """
        issuerRef: %s
        repository: my-org/my-app
        subject: {%s}
        aws:
          accountId: "123456789012"
        """
            .formatted(issuer, selector));
  }

  private static void createIssuer(String name, String url, String dialect) {
    CLIENT.resource(Fixtures.issuer(name, url, dialect)).create();
  }
}
