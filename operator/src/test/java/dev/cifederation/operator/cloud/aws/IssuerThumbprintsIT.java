package dev.cifederation.operator.cloud.aws;

import static dev.cifederation.operator.testsupport.Conditions.condition;
import static dev.cifederation.operator.testsupport.Conditions.reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.api.v1alpha1.HostThumbprint;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.issuer.AddressPolicy;
import dev.cifederation.operator.issuer.IssuerProbe;
import dev.cifederation.operator.issuer.KnownThumbprints;
import dev.cifederation.operator.issuer.TestIssuer;
import dev.cifederation.operator.issuer.TestPki;
import dev.cifederation.operator.issuer.Thumbprints;
import dev.cifederation.operator.issuer.TrustAnchors;
import dev.cifederation.operator.observe.CertificateExpiry;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.reconcile.EventRecorder;
import dev.cifederation.operator.reconcile.IdentityReconciler;
import dev.cifederation.operator.reconcile.IssuerReconciler;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.OperatorInTheLoop;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * Issuer health in the loop: both reconcilers against a real kube-apiserver and a real moto_server,
 * and a local HTTPS issuer (generated root and two intermediate CAs; discovery and JWKS on two
 * ports) whose chain the tests rotate or break. Resync 3 s.
 */
class IssuerThumbprintsIT {

  private static final Logger LOG = LoggerFactory.getLogger(IssuerThumbprintsIT.class);
  private static final Duration RESYNC = Duration.ofSeconds(3);
  private static final String ACCOUNT = "123456789012";

  private static final TestPki PKI = TestPki.generate();
  private static final TestPki.Chain CHAIN_A =
      PKI.serverChain(PKI.intermediateA, Duration.ofDays(60));
  private static final TestPki.Chain CHAIN_B =
      PKI.serverChain(PKI.intermediateB, Duration.ofDays(60));
  private static final String A = Thumbprints.sha1(PKI.intermediateA.certificate());
  private static final String B = Thumbprints.sha1(PKI.intermediateB.certificate());
  private static final TestIssuer ISSUER = new TestIssuer(CHAIN_A);

  private static final KubeApiServerSupport API = KubeApiServerSupport.shared();
  private static final KubernetesClient CLIENT = API.newClient();
  private static final MotoServer MOTO = MotoServer.start();
  private static final IamClient ADMIN =
      AwsTestSupport.iamClient(MOTO.endpoint(), AwsCloudIT.TEST_CREDENTIALS);
  private static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();
  private static final CloudCalls CALLS = new CloudCalls(REGISTRY, Cloud.AWS.name());
  private static final KnownThumbprints KNOWN = new KnownThumbprints();
  private static final CertificateExpiry EXPIRY =
      new CertificateExpiry(REGISTRY, Clock.systemUTC());
  private static final AwsCloud AWS =
      new AwsCloud(
          AwsTestSupport.operatorSettings(MOTO.endpoint()),
          AwsCloudIT.TEST_CREDENTIALS,
          trust -> KNOWN.forIssuer(trust.providerUrl()),
          "/cifederation/",
          "it-cluster",
          AwsTestSupport.quickRetries(RESYNC),
          REGISTRY,
          Clock.systemUTC());
  private static final EventRecorder EVENTS = new EventRecorder(CLIENT, Clock.systemUTC());

  private static final OperatorInTheLoop LOOP = new OperatorInTheLoop(CLIENT);

  @RegisterExtension
  static final LocallyRunOperatorExtension OPERATOR =
      LOOP.extension(
          builder ->
              builder
                  .withReconciler(
                      new IdentityReconciler(
                          new TrustCompiler(), List.of(AWS), EVENTS, Clock.systemUTC()),
                      OperatorInTheLoop.resyncEvery(RESYNC))
                  .withReconciler(
                      new IssuerReconciler(
                          new IssuerProbe(
                              TrustAnchors.withExtraFile(Optional.empty()),
                              Duration.ofSeconds(3),
                              AddressPolicy.standard(true)),
                          Optional.of(AWS),
                          KNOWN,
                          EXPIRY,
                          EVENTS,
                          RESYNC,
                          Clock.systemUTC()),
                      OperatorInTheLoop.resyncEvery(RESYNC)));

  @AfterEach
  void healthyIssuer() {
    ISSUER.serve(CHAIN_A);
    ISSUER.failWith(0);
  }

  @AfterAll
  static void stop() {
    ISSUER.close();
  }

  @Test
  void aChainRotationReachesTheProviderWithinOneResyncWithoutAGap() {
    String issuer = createIssuer("/rotate", "mode: Track");
    createIdentity("rotate", issuer);
    String arn = providerArn("/rotate");

    CIIssuer steady = LOOP.awaitIssuer(issuer, i -> current(i) && inSync(i));
    assertThat(steady.getStatus().getThumbprints())
        .extracting(HostThumbprint::getHost, HostThumbprint::getSha1)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(ISSUER.discoveryHost(), A),
            org.assertj.core.groups.Tuple.tuple(ISSUER.jwksHost(), A));
    assertThat(steady.getStatus().getJwksUri()).isEqualTo(ISSUER.jwksUri());
    assertThat(registered(arn)).containsExactly(A);
    var aws = steady.getStatus().getAws().get(0);
    assertThat(aws.getAccountId()).isEqualTo(ACCOUNT);
    assertThat(aws.getProviderArn()).isEqualTo(arn);
    assertThat(aws.getClientIds()).containsExactly("sts.amazonaws.com");
    assertThat(EXPIRY.days(issuer, ISSUER.discoveryHost())).isBetween(59.0, 60.0);

    // rotation: both hosts switch to the chain of the second intermediate CA
    Instant rotated = Instant.now();
    ISSUER.serve(CHAIN_B);
    List<List<String>> seen = new ArrayList<>();
    seen.add(registered(arn));
    await()
        .atMost(RESYNC.multipliedBy(3).plusSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              List<String> now = registered(arn);
              if (!now.equals(seen.get(seen.size() - 1))) {
                seen.add(now);
                if (now.contains(B) && seen.size() == 2) {
                  LOG.info(
                      "rotation in IAM after {} ms",
                      Duration.between(rotated, Instant.now()).toMillis());
                  assertThat(Duration.between(rotated, Instant.now()))
                      .as("propagated within one resync (plus the check itself)")
                      .isLessThan(RESYNC.plusSeconds(4));
                }
              }
              return now.equals(List.of(B));
            });
    assertThat(seen)
        .as("the new thumbprint is added before the old one is removed: never a gap")
        .containsExactly(List.of(A), List.of(A, B), List.of(B));
    CIIssuer after = LOOP.awaitIssuer(issuer, i -> current(i) && inSync(i) && serves(i, B));
    assertThat(after.getStatus().getAws().get(0).getThumbprints()).containsExactly(B);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(LOOP.issuerEvents(issuer))
                    .extracting(Event::getReason)
                    .contains("ThumbprintChanged", "ThumbprintsUpdated"));
  }

  @Test
  void anOutageChangesNothingInAwsAndIsReportedUntilItEnds() {
    String issuer = createIssuer("/outage", "mode: Track");
    createIdentity("outage", issuer);
    String arn = providerArn("/outage");
    LOOP.awaitIssuer(issuer, i -> current(i) && inSync(i));
    double writesBefore = CALLS.count("UpdateOpenIDConnectProviderThumbprint");

    // the issuer fails, and its chain changes meanwhile: nothing may follow it into IAM
    ISSUER.failWith(503);
    ISSUER.serve(CHAIN_B);
    CIIssuer down = LOOP.awaitIssuer(issuer, i -> reason(i, "IssuerReachable").equals("HttpError"));
    assertThat(condition(down, "IssuerReachable").getStatus()).isEqualTo("False");
    assertThat(condition(down, "IssuerReachable").getMessage()).contains("HTTP 503");
    assertThat(reason(down, "ThumbprintsCurrent")).isEqualTo("NotChecked");
    assertThat(reason(down, "Ready")).isEqualTo("IssuerUnreachable");
    assertThat(down.getStatus().getThumbprints())
        .as("the last known thumbprints stay in status")
        .allSatisfy(t -> assertThat(t.getSha1()).isEqualTo(A));

    // two more checks of the failing issuer: still nothing reaches IAM
    LOOP.awaitIssuerPasses(issuer, 2);
    assertThat(reason(LOOP.issuer(issuer), "IssuerReachable")).isEqualTo("HttpError");
    assertThat(registered(arn)).containsExactly(A);
    assertThat(CALLS.count("UpdateOpenIDConnectProviderThumbprint")).isEqualTo(writesBefore);

    ISSUER.failWith(0);
    LOOP.awaitIssuer(issuer, i -> current(i) && inSync(i) && serves(i, B));
    assertThat(registered(arn)).contains(B);
  }

  @Test
  void aPinnedMismatchIsReportedAndTheIssuerStaysWhileAnIdentityUsesIt() {
    String issuer = createIssuer("/pinned", "mode: Pinned, pinned: [\"" + B + "\"]");
    createIdentity("pinned", issuer);
    String arn = providerArn("/pinned");

    // the identity may create the provider (with the pinned list) after a check that found none;
    // the next check, within one resync, reports it in sync
    CIIssuer mismatch =
        LOOP.awaitIssuer(
            issuer,
            i ->
                reason(i, "ThumbprintsCurrent").equals("PinnedMismatch")
                    && i.getStatus().getAws().size() == 1
                    && Boolean.TRUE.equals(i.getStatus().getAws().get(0).getInSync()));
    assertThat(registered(arn)).as("the provider is at the pinned list").containsExactly(B);
    assertThat(condition(mismatch, "ThumbprintsCurrent").getMessage()).contains(A);
    assertThat(reason(mismatch, "Ready")).isEqualTo("ThumbprintsNotCurrent");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(LOOP.issuerEvents(issuer))
                    .extracting(Event::getReason)
                    .contains("PinnedThumbprintMismatch"));

    // deletion waits for the identity that references the issuer
    CLIENT.resources(CIIssuer.class).withName(issuer).delete();
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(LOOP.issuerEvents(issuer))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getReason()).isEqualTo("DeletionBlocked");
                          assertThat(e.getMessage()).contains(OPERATOR.getNamespace() + "/pinned");
                        }));
    assertThat(LOOP.issuer(issuer)).isNotNull();
    assertThat(LOOP.issuer(issuer).getMetadata().getDeletionTimestamp()).isNotNull();

    CLIENT
        .resources(CIFederatedIdentity.class)
        .inNamespace(OPERATOR.getNamespace())
        .withName("pinned")
        .delete();
    await().atMost(Duration.ofSeconds(60)).until(() -> LOOP.issuer(issuer) == null);
  }

  // ---------------------------------------------------------------------------------- helpers

  private static String createIssuer(String path, String thumbprints) {
    String name = "local-" + path.substring(1) + "-" + Fixtures.shortId();
    CIIssuer issuer =
        Serialization.unmarshal(
            """
            apiVersion: cifederation.dev/v1alpha1
            kind: CIIssuer
            metadata: {name: %s}
            spec:
              url: %s
              dialect: GitLab
              thumbprints: {%s}
              caBundle: |
            %s
            """
                .formatted(name, ISSUER.url(path), thumbprints, PKI.rootPem().indent(4)),
            CIIssuer.class);
    CLIENT.resource(issuer).create();
    return name;
  }

  private static void createIdentity(String name, String issuer) {
    LOOP.create(
        Fixtures.identity(
            null,
            name,
            """
            issuerRef: %s
            repository: my-group/my-app
            subject: {branch: main}
            aws: {accountId: "%s"}
            """
                .formatted(issuer, ACCOUNT)));
  }

  private static String providerArn(String path) {
    return "arn:aws:iam::" + ACCOUNT + ":oidc-provider/" + ISSUER.url(path).substring(8);
  }

  private static List<String> registered(String arn) {
    return ADMIN.getOpenIDConnectProvider(r -> r.openIDConnectProviderArn(arn)).thumbprintList();
  }

  private static boolean current(CIIssuer issuer) {
    return reason(issuer, "IssuerReachable").equals("Reachable")
        && reason(issuer, "ThumbprintsCurrent").equals("Current")
        && reason(issuer, "Ready").equals("Ready");
  }

  private static boolean inSync(CIIssuer issuer) {
    return issuer.getStatus().getAws().size() == 1
        && Boolean.TRUE.equals(issuer.getStatus().getAws().get(0).getInSync());
  }

  private static boolean serves(CIIssuer issuer, String sha1) {
    return issuer.getStatus().getThumbprints().stream().allMatch(t -> t.getSha1().equals(sha1));
  }
}
