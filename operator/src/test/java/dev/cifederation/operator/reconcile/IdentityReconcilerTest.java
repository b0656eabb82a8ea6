package dev.cifederation.operator.reconcile;

import static dev.cifederation.operator.testsupport.Conditions.condition;
import static dev.cifederation.operator.testsupport.IdentityContext.context;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.cifederation.operator.api.v1alpha1.AwsIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicy;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.DeletionPolicy;
import dev.cifederation.operator.api.v1alpha1.GcpIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.api.v1alpha1.SubjectFormat;
import dev.cifederation.operator.api.v1alpha1.SubjectTemplate;
import dev.cifederation.operator.api.v1alpha1.TrustActiveReason;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.guard.PolicyEvaluator;
import dev.cifederation.operator.observe.FindingsGauge;
import dev.cifederation.operator.testsupport.AdapterCalls;
import dev.cifederation.operator.testsupport.Adapters;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.IdentityContext;
import dev.cifederation.operator.testsupport.RecordedEvents;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The reconcile flow with a hand-written context and cloud adapter; the API-server behaviour is in
 * the IT.
 */
class IdentityReconcilerTest {

  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-25T12:00:00Z"), ZoneOffset.UTC);
  private final RecordedEvents recorder = new RecordedEvents(CLOCK);

  @Test
  void secondPassOverAnUnchangedIdentityWritesNothing() {
    var reconciler = new IdentityReconciler(new TrustCompiler(), List.of(), recorder, CLOCK);
    CIFederatedIdentity identity = identity();

    UpdateControl<CIFederatedIdentity> first = reconciler.pass(identity, context(issuer()));
    assertThat(first.isPatchStatus()).isTrue();
    identity.setStatus(first.getResource().orElseThrow().getStatus());

    UpdateControl<CIFederatedIdentity> second = reconciler.pass(identity, context(issuer()));
    assertThat(second.isNoUpdate()).isTrue();
    assertThat(recorder.all()).as("one event for the one Ready transition").hasSize(1);
  }

  @Test
  void statusPatchCarriesOnlyNameNamespaceAndStatus() {
    var reconciler = new IdentityReconciler(new TrustCompiler(), List.of(), recorder, CLOCK);
    CIFederatedIdentity patch =
        reconciler.pass(identity(), context(issuer())).getResource().orElseThrow();

    assertThat(patch.getSpec()).isNull();
    assertThat(patch.getMetadata().getName()).isEqualTo("deploy");
    assertThat(patch.getMetadata().getNamespace()).isEqualTo("team-a");
    assertThat(patch.getMetadata().getResourceVersion()).isNull();
    assertThat(patch.getStatus().getSubject())
        .isEqualTo("repo:my-org/my-app:environment:production");
  }

  @Test
  void adapterOutcomeBecomesTheCloudConditionAndFailureMakesReadyFalseWithARetry() {
    CloudReconciler throttled =
        Adapters.reconciling(
            Cloud.AWS,
            request -> {
              assertThat(request.owner()).isEqualTo("team-a/deploy");
              assertThat(request.trust().aws().roleName()).isNotBlank();
              return CloudOutcome.failed(CloudReason.Throttled, "IAM throttled GetRole")
                  .retryAfter(Optional.of(Duration.ofSeconds(7)))
                  .build();
            });
    var reconciler =
        new IdentityReconciler(new TrustCompiler(), List.of(throttled), recorder, CLOCK);

    UpdateControl<CIFederatedIdentity> control = reconciler.pass(identity(), context(issuer()));

    var status = control.getResource().orElseThrow().getStatus();
    Condition aws = condition(status.getConditions(), "AWSReady");
    assertThat(aws.getStatus()).isEqualTo(ConditionStatus.False.name());
    assertThat(aws.getReason()).isEqualTo("Throttled");
    Condition ready = condition(status.getConditions(), "Ready");
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("CloudNotReady");
    assertThat(ready.getMessage()).contains("AWSReady Throttled");
    assertThat(control.getScheduleDelay()).contains(Duration.ofSeconds(7).toMillis());
  }

  @Test
  void removedCloudBlockIsReleasedAndItsStatusDroppedOnlyWhenTheAdapterIsDone() {
    var cleanups = new ArrayList<CloudRequest>();
    var finished = new boolean[] {false};
    // the aws block is gone: nothing to reconcile
    CloudReconciler aws =
        Adapters.cleaningUp(
            Cloud.AWS,
            request -> {
              cleanups.add(request);
              return finished[0]
                  ? CloudOutcome.synced("role deleted").build()
                  : CloudOutcome.failed(CloudReason.Transient, "IAM unavailable").build();
            });
    var reconciler = new IdentityReconciler(new TrustCompiler(), List.of(aws), recorder, CLOCK);
    CIFederatedIdentity identity = identity();
    identity.getSpec().setAws(null);
    identity.getSpec().setGcp(gcpBlock());
    var recorded = new AwsIdentityStatus();
    recorded.setRoleArn("arn:aws:iam::123456789012:role/cifederation/cifed-team-a_deploy");
    identity.getStatus().setAws(recorded);

    var pending = reconciler.pass(identity, context(issuer()));
    var pendingStatus = pending.getResource().orElseThrow().getStatus();
    assertThat(cleanups).hasSize(1);
    assertThat(cleanups.get(0).identity().getStatus().getAws().getRoleArn())
        .endsWith("cifed-team-a_deploy");
    assertThat(pendingStatus.getAws()).as("kept while the role still exists").isSameAs(recorded);
    assertThat(condition(pendingStatus.getConditions(), "AWSReady").getReason())
        .isEqualTo("Transient");
    assertThat(pending.getScheduleDelay()).isPresent();

    finished[0] = true;
    var done = reconciler.pass(identity, context(issuer())).getResource().orElseThrow().getStatus();
    assertThat(done.getAws()).isNull();
    assertThat(done.getConditions()).extracting(Condition::getType).doesNotContain("AWSReady");
    assertThat(recorder.all())
        .anyMatch(e -> e.startsWith("Normal CloudRemoved: AWS block removed"));
  }

  @Test
  void theCloudsOfAPassRunSideBySideAndAreRecordedInCloudOrder() {
    // each cloud's pass waits until all three are under way: one after another, none would finish
    var allUnderWay = new CyclicBarrier(3);
    Function<Cloud, CloudReconciler> waitingForTheOthers =
        cloud ->
            Adapters.reconciling(
                cloud,
                request -> {
                  try {
                    allUnderWay.await(10, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    throw new AssertionError(cloud + " ran alone", e);
                  }
                  return CloudOutcome.of(ConditionStatus.False, CloudReason.Throttled, "slow")
                      .build();
                });
    var reconciler =
        recordingEvents(
            List.of(
                waitingForTheOthers.apply(Cloud.Azure),
                waitingForTheOthers.apply(Cloud.GCP),
                waitingForTheOthers.apply(Cloud.AWS)),
            new FindingsGauge(new SimpleMeterRegistry()));
    CIFederatedIdentity identity =
        Fixtures.identity(
            IdentityContext.NAMESPACE,
            "everywhere",
            Fixtures.PRODUCTION_ON_AWS
                + """
                gcp: {projectId: p, projectNumber: "1", serviceAccount: d@p.iam.gserviceaccount.com}
                azure: {subscriptionId: 00000000-0000-0000-0000-000000000000, resourceGroup: rg,
                  location: eastus, roleAssignments: [{role: Reader, scope: /subscriptions/00000000-0000-0000-0000-000000000000}]}
                """);

    pass(reconciler, identity);

    assertThat(identity.getStatus().getConditions())
        .extracting(Condition::getType, Condition::getReason)
        .contains(
            tuple("AWSReady", "Throttled"),
            tuple("GCPReady", "Throttled"),
            tuple("AzureReady", "Throttled"));
    assertThat(recorder.all())
        .filteredOn(e -> e.startsWith("Warning Throttled"))
        .containsExactly(
            "Warning Throttled: AWS: slow",
            "Warning Throttled: GCP: slow",
            "Warning Throttled: Azure: slow");
  }

  @Test
  void objectsFirstRecordedUnderObserveAreAnObservedEventNotACreatedOne() {
    var outcomes = new ArrayList<CloudOutcome>();
    CloudReconciler aws = Adapters.reconciling(Cloud.AWS, request -> outcomes.remove(0));
    var reconciler = recordingEvents(aws, new FindingsGauge(new SimpleMeterRegistry()));
    var role = new AwsIdentityStatus();
    role.setRoleArn("arn:aws:iam::123456789012:role/cifederation/r");
    outcomes.add(
        CloudOutcome.of(ConditionStatus.True, CloudReason.Observed, "IAM role r matches the spec")
            .block(role)
            .build());

    pass(reconciler, identity());

    assertThat(recorder.all())
        .contains("Normal Observed: AWS: IAM role r matches the spec")
        .noneMatch(e -> e.startsWith("Normal Created"));
  }

  @Test
  void creationDriftAndEachNewCloudFailureBecomeEventsAndDriftIsCounted() {
    var outcomes = new ArrayList<CloudOutcome>();
    CloudReconciler aws = Adapters.reconciling(Cloud.AWS, request -> outcomes.remove(0));
    var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    var reconciler =
        new IdentityReconciler(
            new TrustCompiler(),
            List.of(aws),
            recorder,
            Optional.empty(),
            Optional.of(new dev.cifederation.operator.observe.DriftCorrections(registry)),
            new FindingsGauge(registry),
            CLOCK);
    CIFederatedIdentity identity = identity();
    var role = new AwsIdentityStatus();
    role.setRoleArn("arn:aws:iam::123456789012:role/cifederation/r");

    // 1. created: one Created event besides the Ready transition
    outcomes.add(CloudOutcome.synced("IAM role r is in sync").block(role).build());
    pass(reconciler, identity);
    assertThat(recorder.all()).contains("Normal Created: AWS: IAM role r is in sync");

    // 2. drift corrected: an event per correction and the counter
    recorder.clear();
    outcomes.add(
        CloudOutcome.synced("IAM role r is in sync")
            .block(role)
            .build()
            .withCorrections(List.of("trust policy restored", "policy X detached")));
    pass(reconciler, identity);
    assertThat(recorder.all())
        .containsExactly(
            "Warning DriftCorrected: trust policy restored",
            "Warning DriftCorrected: policy X detached");
    assertThat(registry.get("cifed.drift.corrections").tag("cloud", "aws").counter().count())
        .isEqualTo(2.0);

    // 3. throttled, then a conflict while Ready stays CloudNotReady: both are events
    recorder.clear();
    outcomes.add(CloudOutcome.failed(CloudReason.Throttled, "slow down").build());
    pass(reconciler, identity);
    outcomes.add(CloudOutcome.failed(CloudReason.Conflict, "role r has no owner tag").build());
    pass(reconciler, identity);
    assertThat(recorder.all())
        .contains(
            "Warning Throttled: AWS: slow down", "Warning Conflict: AWS: role r has no owner tag");
    assertThat(recorder.all().stream().filter(e -> e.contains("CloudNotReady")).count())
        .as("the Ready transition happens once")
        .isEqualTo(1);

    // 4. the same failure again is no new event
    recorder.clear();
    outcomes.add(CloudOutcome.failed(CloudReason.Conflict, "role r has no owner tag").build());
    pass(reconciler, identity);
    assertThat(recorder.all()).isEmpty();
  }

  private static void pass(IdentityReconciler reconciler, CIFederatedIdentity identity) {
    reconciler
        .pass(identity, context(issuer()))
        .getResource()
        .ifPresent(patch -> identity.setStatus(patch.getStatus()));
  }

  private static GcpIdentitySpec gcpBlock() {
    var gcp = new GcpIdentitySpec();
    gcp.setProjectId("my-project");
    gcp.setProjectNumber("123456789012");
    gcp.setServiceAccount("ci@my-project.iam.gserviceaccount.com");
    return gcp;
  }

  @Test
  void whoCanAssumeIsReadFromTheLiveTrustAndSaysWhenItIsWiderThanTheSpec() {
    var widened =
        new LiveTrust.Aws(
            "arn:aws:iam::123456789012:role/cifederation/deploy",
            """
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
              "Principal": {"Federated":
                "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
              "Action": "sts:AssumeRoleWithWebIdentity",
              "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/*"}}}]}
            """);
    CloudReconciler observing =
        Adapters.reconciling(
            Cloud.AWS, request -> CloudOutcome.synced("role in sync").liveTrust(widened).build());
    var reconciler =
        new IdentityReconciler(new TrustCompiler(), List.of(observing), recorder, CLOCK);

    var status =
        reconciler.pass(identity(), context(issuer())).getResource().orElseThrow().getStatus();

    assertThat(status.getWhoCanAssume())
        .isEqualTo(
            "AWS: GitHub Actions jobs of any repository of my-org on any branch, tag, environment"
                + " or pull request, for any audience — wider than the spec (GitHub Actions jobs"
                + " of my-org/my-app in environment production)");
  }

  @Test
  void anObservedTrustThatNoTokenOfTheDeclaredFormatMatchesIsAFinding() {
    // an adopted role under Observe still trusts the name-based subject; the issuer declares
    // that its repositories use immutable IDs
    var observed =
        new LiveTrust.Aws(
            "arn:aws:iam::123456789012:role/adopted",
            """
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
              "Principal": {"Federated":
                "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
              "Action": "sts:AssumeRoleWithWebIdentity",
              "Condition": {"StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": "repo:my-org/my-app:environment:production"}}}]}
            """);
    CloudReconciler observing =
        new CloudReconciler() {
          @Override
          public Cloud cloud() {
            return Cloud.AWS;
          }

          @Override
          public CloudOutcome reconcile(CloudRequest request) {
            assertThat(request.observeOnly()).isTrue();
            return CloudOutcome.synced("Observe: differs").liveTrust(observed).build();
          }

          @Override
          public CloudOutcome cleanup(CloudRequest request) {
            throw new AssertionError("not deleting");
          }
        };
    var reconciler =
        new IdentityReconciler(new TrustCompiler(), List.of(observing), recorder, CLOCK);
    CIFederatedIdentity identity = identity();
    identity.getSpec().setRepositoryId("123456789");
    identity.getSpec().setOwnerId("987654");
    identity.getSpec().setManagementPolicy(ManagementPolicy.Observe);
    CIIssuer issuer = issuer();
    var template = new SubjectTemplate();
    template.setFormat(SubjectFormat.ImmutableIds);
    issuer.getSpec().setSubjectTemplate(template);

    var status = reconciler.pass(identity, context(issuer)).getResource().orElseThrow().getStatus();

    assertThat(status.getSubject())
        .isEqualTo("repo:my-org@987654/my-app@123456789:environment:production");
    assertThat(status.getFindings())
        .extracting(f -> f.getRule() + "/" + f.getCloud())
        .containsExactly("SubjectTemplateMismatch/AWS");
    assertThat(status.getFindings().get(0).getMessage())
        .contains("repo:my-org/my-app:environment:production")
        .contains("ImmutableIds");
    assertThat(condition(status.getConditions(), "TrustHealthy").getReason())
        .isEqualTo("SubjectTemplateMismatch");
  }

  @Test
  void whoCanAssumeFallsBackToTheSpecForACloudNotRead() {
    var reconciler = new IdentityReconciler(new TrustCompiler(), List.of(), recorder, CLOCK);

    var status =
        reconciler.pass(identity(), context(issuer())).getResource().orElseThrow().getStatus();

    assertThat(status.getWhoCanAssume())
        .isEqualTo(
            "AWS: GitHub Actions jobs of my-org/my-app in environment production (as specified;"
                + " not read from the cloud yet)");
  }

  @Test
  void missingIssuerLeavesNoSubjectAndSaysWhich() {
    var reconciler = new IdentityReconciler(new TrustCompiler(), List.of(), recorder, CLOCK);
    var status = reconciler.pass(identity(), context(null)).getResource().orElseThrow().getStatus();

    assertThat(status.getSubject()).isNull();
    Condition ready = condition(status.getConditions(), "Ready");
    assertThat(ready.getReason()).isEqualTo("IssuerNotFound");
    assertThat(ready.getMessage()).contains("CIIssuer github");
    assertThat(recorder.all()).containsExactly("Warning IssuerNotFound: " + ready.getMessage());
  }

  @Test
  void aPolicyViolationMakesNoCloudCallAndSaysWhichRule() {
    var calls = new AdapterCalls();
    CloudReconciler aws = calls.record(Adapters.inSync(Cloud.AWS));
    var reconciler = new IdentityReconciler(new TrustCompiler(), List.of(aws), recorder, CLOCK);
    CIFederationPolicy policy =
        Serialization.unmarshal(
            """
            apiVersion: cifederation.dev/v1alpha1
            kind: CIFederationPolicy
            metadata: {name: team-a}
            spec:
              namespaceSelector: {matchLabels: {team: a}}
              aws: {accounts: ["999999999999"]}
            """,
            CIFederationPolicy.class);

    var status =
        reconciler
            .pass(identity(), context(issuer(), List.of(policy)))
            .getResource()
            .orElseThrow()
            .getStatus();

    assertThat(calls.all()).as("no adapter is called for a violating identity").isEmpty();
    Condition compliant = condition(status.getConditions(), "PolicyCompliant");
    assertThat(compliant.getStatus()).isEqualTo("False");
    assertThat(compliant.getReason()).isEqualTo("AccountNotAllowed");
    assertThat(compliant.getMessage())
        .contains("CIFederationPolicy team-a")
        .contains("spec.aws.accountId 123456789012");
    Condition ready = condition(status.getConditions(), "Ready");
    assertThat(ready.getReason()).isEqualTo("PolicyViolation");
    assertThat(status.getConditions()).extracting(Condition::getType).doesNotContain("AWSReady");

    // the same identity in a namespace no policy selects is reconciled (the default allows it)
    var allowed =
        reconciler.pass(identity(), context(issuer())).getResource().orElseThrow().getStatus();
    assertThat(calls.all()).containsExactly("AWS reconcile team-a/deploy");
    assertThat(condition(allowed.getConditions(), "PolicyCompliant").getReason())
        .isEqualTo("Compliant");
  }

  @Test
  void pullRequestIsDeniedByTheDefaultWithoutACloudCall() {
    var calls = new AdapterCalls();
    var reconciler =
        new IdentityReconciler(
            new TrustCompiler(),
            List.of(calls.record(Adapters.inSync(Cloud.AWS))),
            recorder,
            CLOCK);
    CIFederatedIdentity identity = identity();
    identity.getSpec().getSubject().setEnvironment(null);
    identity.getSpec().getSubject().setPullRequest(true);

    var status =
        reconciler.pass(identity, context(issuer())).getResource().orElseThrow().getStatus();

    assertThat(calls.all()).isEmpty();
    assertThat(condition(status.getConditions(), "PolicyCompliant").getReason())
        .isEqualTo("SubjectNotAllowed");
    // the spec itself is linted: the pull_request subject is a finding even though nothing is made
    assertThat(status.getFindings())
        .extracting(f -> f.getRule() + "/" + f.getCloud())
        .contains("PullRequestSubject/Spec");
    assertThat(condition(status.getConditions(), "TrustHealthy").getReason())
        .isEqualTo("PullRequestSubject");
  }

  @Test
  void liveTrustIsLintedAndOnlyNewFindingsBecomeEvents() {
    String widened =
        """
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
          "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
          "Action": "sts:AssumeRoleWithWebIdentity",
          "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                        "StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/*"}}}]}
        """;
    CloudReconciler aws =
        Adapters.reconciling(
            Cloud.AWS,
            request ->
                CloudOutcome.failed(CloudReason.DriftDetected, "Observe: trust policy differs")
                    .done(true)
                    .liveTrust(new LiveTrust.Aws("arn:aws:iam::1:role/r", widened))
                    .build());
    var registry = new SimpleMeterRegistry();
    var gauge = new FindingsGauge(registry);
    var reconciler = recordingEvents(aws, gauge);
    CIFederatedIdentity identity = identity();

    var first = reconciler.pass(identity, context(issuer())).getResource().orElseThrow();
    var findings = first.getStatus().getFindings();
    assertThat(findings)
        .extracting(f -> f.getRule() + "/" + f.getCloud())
        .containsExactly("WildcardSubject/AWS", "PullRequestSubject/AWS");
    Condition healthy = condition(first.getStatus().getConditions(), "TrustHealthy");
    assertThat(healthy.getStatus()).isEqualTo("False");
    assertThat(healthy.getReason()).isEqualTo("WildcardSubject");
    assertThat(recorder.all()).filteredOn(e -> e.startsWith("Warning WildcardSubject")).hasSize(1);
    assertThat(
            registry
                .get("cifed.findings")
                .tag("rule", "WildcardSubject")
                .tag("severity", "Critical")
                .gauge()
                .value())
        .isEqualTo(1.0);

    identity.setStatus(first.getStatus());
    recorder.clear();
    reconciler.pass(identity, context(issuer()));
    assertThat(recorder.all()).as("findings already in status are not announced again").isEmpty();
  }

  // ------------------------------------------------------------------------------- tenancy

  /** One cloud, the test's event recorder, no snippets and no drift counter. */
  private IdentityReconciler recordingEvents(CloudReconciler aws, FindingsGauge gauge) {
    return recordingEvents(List.of(aws), gauge);
  }

  private IdentityReconciler recordingEvents(List<CloudReconciler> adapters, FindingsGauge gauge) {
    return new IdentityReconciler(
        new TrustCompiler(), adapters, recorder, Optional.empty(), Optional.empty(), gauge, CLOCK);
  }

  private IdentityReconciler defaultDeny(CloudReconciler adapter, Tenancy tenancy) {
    return new IdentityReconciler(
        new TrustCompiler(),
        List.of(adapter),
        recorder,
        Optional.empty(),
        Optional.empty(),
        new FindingsGauge(new SimpleMeterRegistry()),
        tenancy,
        CLOCK);
  }

  private static CIFederationPolicy grant(String extra) {
    return Serialization.unmarshal(
        """
        apiVersion: cifederation.dev/v1alpha1
        kind: CIFederationPolicy
        metadata: {name: team-a}
        spec:
          namespaceSelector: {matchLabels: {team: a}}
        %s  aws: {accounts: ["123456789012"]}
        """
            .formatted(extra),
        CIFederationPolicy.class);
  }

  /** The identity after a pass that recorded a role in status. */
  private static CIFederatedIdentity withRecordedRole() {
    CIFederatedIdentity identity = identity();
    var status = new dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus();
    var aws = new AwsIdentityStatus();
    aws.setRoleArn("arn:aws:iam::123456789012:role/cifederation/deploy");
    status.setAws(aws);
    identity.setStatus(status);
    return identity;
  }

  private static CloudReconciler capturing(List<CloudRequest> requests, CloudReason reason) {
    return Adapters.adapter(
        Cloud.AWS,
        request -> {
          requests.add(request);
          return reason == CloudReason.Synced
              ? CloudOutcome.synced("in sync").block(new AwsIdentityStatus()).build()
              : CloudOutcome.failed(reason, "trust withdrawn")
                  .block(request.previous(Cloud.AWS).status().orElse(null))
                  .build();
        },
        request -> {
          requests.add(request);
          return CloudOutcome.synced("gone").build();
        });
  }

  @Test
  void byDefaultAnIdentityNoPolicySelectsMakesNoCloudCall() {
    var requests = new ArrayList<CloudRequest>();
    var reconciler = defaultDeny(capturing(requests, CloudReason.Synced), Tenancy.DEFAULT);

    var status =
        reconciler.pass(identity(), context(issuer())).getResource().orElseThrow().getStatus();

    assertThat(requests).isEmpty();
    assertThat(condition(status.getConditions(), "PolicyCompliant").getReason())
        .isEqualTo("NoPolicySelects");
    assertThat(condition(status.getConditions(), "Ready").getReason()).isEqualTo("PolicyViolation");
    assertThat(condition(status.getConditions(), "TrustActive").getStatus()).isEqualTo("False");
  }

  @Test
  void aGrantedIdentityHandsTheAdapterItsGrantsAndTheDeletionPolicyInForce() {
    var requests = new ArrayList<CloudRequest>();
    var reconciler =
        defaultDeny(
            capturing(requests, CloudReason.Synced),
            new Tenancy(PolicyEvaluator.Ungoverned.Deny, true));
    CIFederationPolicy policy = grant("");
    policy.getSpec().getAws().setAdoptableRoles(List.of("arn:aws:iam::123456789012:role/legacy-*"));

    var status =
        reconciler
            .pass(identity(), context(issuer(), List.of(policy)))
            .getResource()
            .orElseThrow()
            .getStatus();

    assertThat(condition(status.getConditions(), "Ready").getReason()).isEqualTo("Ready");
    assertThat(condition(status.getConditions(), "TrustActive").getReason()).isEqualTo("Active");
    assertThat(requests)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.revocation()).isEmpty();
              assertThat(r.grants().adoptable())
                  .containsExactly("arn:aws:iam::123456789012:role/legacy-*");
              assertThat(r.deletionPolicy())
                  .as("never-delete switch")
                  .isEqualTo(DeletionPolicy.Orphan);
            });
  }

  @Test
  void aTightenedPolicyRevokesWhatWasRecordedInPlace() {
    var requests = new ArrayList<CloudRequest>();
    var reconciler = defaultDeny(capturing(requests, CloudReason.Revoked), Tenancy.DEFAULT);
    CIFederationPolicy tightened = grant("  repositories: [\"other-org/*\"]\n");

    var status =
        reconciler
            .pass(withRecordedRole(), context(issuer(), List.of(tightened)))
            .getResource()
            .orElseThrow()
            .getStatus();

    assertThat(requests)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.revocation()).isPresent();
              assertThat(r.revocation().get().reason()).isEqualTo(TrustActiveReason.Revoked);
              assertThat(r.revocation().get().byAdministrator())
                  .as("a tenant's Observe must not keep a revoked trust alive")
                  .isTrue();
            });
    assertThat(condition(status.getConditions(), "PolicyCompliant").getReason())
        .isEqualTo("RepositoryNotAllowed");
    assertThat(condition(status.getConditions(), "TrustActive").getReason()).isEqualTo("Revoked");
    assertThat(condition(status.getConditions(), "TrustActive").getMessage())
        .startsWith("Trust withdrawn in place");
    assertThat(condition(status.getConditions(), "Ready").getReason()).isEqualTo("Revoked");
    assertThat(status.getAws().getRoleArn()).as("the ids stay recorded").endsWith("/deploy");
    assertThat(recorder.all()).anyMatch(e -> e.startsWith("Warning Revoked:"));
  }

  @Test
  void aPolicySuspendOverridesTheIdentityAndNeedsNoIssuer() {
    var requests = new ArrayList<CloudRequest>();
    var reconciler = defaultDeny(capturing(requests, CloudReason.Revoked), Tenancy.DEFAULT);
    CIFederationPolicy suspending = grant("  suspend: true\n");

    var status =
        reconciler
            .pass(withRecordedRole(), context(null, List.of(suspending)))
            .getResource()
            .orElseThrow()
            .getStatus();

    assertThat(requests)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.trust())
                  .as("the issuer is gone: revocation works without the trust")
                  .isNull();
              assertThat(r.revocation().orElseThrow().message())
                  .contains("CIFederationPolicy team-a suspends every identity it selects");
              assertThat(r.revocation().orElseThrow().byAdministrator()).isTrue();
            });
    assertThat(condition(status.getConditions(), "PolicyCompliant").getReason())
        .isEqualTo("Compliant");
    assertThat(condition(status.getConditions(), "TrustActive").getReason()).isEqualTo("Suspended");
    assertThat(condition(status.getConditions(), "Ready").getReason()).isEqualTo("Suspended");
  }

  @Test
  void aSuspendedIdentityCreatesNothingWhereNothingIsRecorded() {
    var requests = new ArrayList<CloudRequest>();
    var reconciler = defaultDeny(capturing(requests, CloudReason.Synced), Tenancy.DEFAULT);
    CIFederatedIdentity identity = identity();
    identity.getSpec().setSuspend(true);

    var status =
        reconciler
            .pass(identity, context(issuer(), List.of(grant(""))))
            .getResource()
            .orElseThrow()
            .getStatus();

    assertThat(requests).isEmpty();
    assertThat(condition(status.getConditions(), "AWSReady").getReason()).isEqualTo("Revoked");
    assertThat(condition(status.getConditions(), "TrustActive").getMessage())
        .contains("spec.suspend is true");
  }

  @Test
  void deletingWhileTheCrdIsBeingDeletedRetainsEveryCloudObject() {
    var requests = new ArrayList<CloudRequest>();
    var reconciler = defaultDeny(capturing(requests, CloudReason.Synced), Tenancy.DEFAULT);
    var crd =
        new io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder()
            .withNewMetadata()
            .withName(IdentityReconciler.CRD_NAME)
            .withDeletionTimestamp("2026-11-25T12:00:00Z")
            .endMetadata()
            .build();

    var control = reconciler.cleanup(withRecordedRole(), contextWithCrd(crd));

    assertThat(control.isRemoveFinalizer()).isTrue();
    assertThat(requests).as("no cloud is touched").isEmpty();
    assertThat(recorder.all()).anyMatch(e -> e.startsWith("Warning Retained:"));

    // with the CRD in place (or unreadable), deletion follows the deletion policy
    crd.getMetadata().setDeletionTimestamp(null);
    reconciler.cleanup(withRecordedRole(), contextWithCrd(crd));
    assertThat(requests)
        .singleElement()
        .satisfies(r -> assertThat(r.deletionPolicy()).isEqualTo(DeletionPolicy.Delete));
    reconciler.cleanup(withRecordedRole(), context(issuer()));
    assertThat(requests).hasSize(2);
  }

  @Test
  void cloudPermissionsVanishingMidDeleteKeepTheFinalizerAndSaySo() {
    CloudReconciler refused =
        Adapters.cleaningUp(
            Cloud.AWS,
            request ->
                CloudOutcome.failed(
                        CloudReason.Unauthorized, "IAM refused DeleteRole: AccessDenied")
                    .retryAfter(Optional.of(Duration.ofSeconds(30)))
                    .build());
    var reconciler = defaultDeny(refused, Tenancy.DEFAULT);

    var control = reconciler.cleanup(withRecordedRole(), context(issuer()));

    assertThat(control.isRemoveFinalizer())
        .as("nothing is left behind unannounced: the finalizer stays")
        .isFalse();
    assertThat(control.getScheduleDelay()).contains(Duration.ofSeconds(30).toMillis());
    assertThat(recorder.all())
        .contains("Warning CleanupPending: AWS: IAM refused DeleteRole: AccessDenied");
  }

  /** A context whose client answers only "get the CIFederatedIdentity CRD" with {@code crd}. */
  @SuppressWarnings("unchecked")
  private static Context<CIFederatedIdentity> contextWithCrd(
      io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition crd) {
    Context<CIFederatedIdentity> plain = context(issuer());
    Object client = deepStub(io.fabric8.kubernetes.client.KubernetesClient.class, crd);
    return (Context<CIFederatedIdentity>)
        Proxy.newProxyInstance(
            Context.class.getClassLoader(),
            new Class<?>[] {Context.class},
            (proxy, method, args) ->
                method.getName().equals("getClient") ? client : method.invoke(plain, args));
  }

  /** Every call returns a stub of its interface type, until get() returns {@code result}. */
  private static Object deepStub(Class<?> type, Object result) {
    return Proxy.newProxyInstance(
        type.getClassLoader(),
        new Class<?>[] {type},
        (proxy, method, args) -> {
          if (method.getName().equals("get") && (args == null || args.length == 0)) {
            return result;
          }
          if (method.getName().equals("withName")) {
            // generic in fabric8's DSL (erased to Object): the resource of that name
            return deepStub(io.fabric8.kubernetes.client.dsl.Resource.class, result);
          }
          if (method.getReturnType().isInterface()) {
            return deepStub(method.getReturnType(), result);
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }

  private static CIFederatedIdentity identity() {
    CIFederatedIdentity identity = Fixtures.identity(IdentityContext.NAMESPACE, "deploy");
    identity.getMetadata().setGeneration(2L);
    identity.getMetadata().setResourceVersion("41");
    return identity;
  }

  private static CIIssuer issuer() {
    return Fixtures.gitHubIssuer("github");
  }
}
