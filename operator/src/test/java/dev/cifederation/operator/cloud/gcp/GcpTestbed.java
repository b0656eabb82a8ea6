package dev.cifederation.operator.cloud.gcp;

import dev.cifederation.fakes.gcp.FakeGcpIam;
import dev.cifederation.fakes.gcp.IamState;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.GcpIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.SubjectSelector;
import dev.cifederation.operator.cloud.RetryPolicy;
import dev.cifederation.operator.cloud.Sleeper;
import dev.cifederation.operator.observe.CloudCalls;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The fake IAM, the metric of calls, and adapters wired to both as the operator wires them (the
 * real SDK over HTTP), with short waits.
 */
final class GcpTestbed implements AutoCloseable {

  static final String TOKEN = "test-token";
  static final String PROJECT_ID = "my-project";
  static final String PROJECT_NUMBER = "123456789012";
  static final String SA = "ci-deployer@my-project.iam.gserviceaccount.com";
  static final String OTHER_SA = "other@my-project.iam.gserviceaccount.com";
  static final String ROLE = PolicyMembers.WORKLOAD_IDENTITY_USER;

  /** The default pool of the CIIssuer "github" the tests name: one pool per issuer. */
  static final String POOL_ID = "cifed-github";

  static final String POOL =
      "projects/123456789012/locations/global/workloadIdentityPools/" + POOL_ID;
  static final String CLUSTER = "test-cluster";

  final FakeGcpIam fake;
  final MeterRegistry registry = new SimpleMeterRegistry();
  final CloudCalls calls = new CloudCalls(registry, "gcp");

  GcpTestbed() {
    fake =
        FakeGcpIam.builder()
            .token(TOKEN)
            .project(PROJECT_ID, PROJECT_NUMBER)
            .serviceAccount(SA)
            .serviceAccount(OTHER_SA)
            .pollsUntilDone(2)
            .completeAfter(Duration.ofMinutes(10))
            .start();
  }

  IamState state() {
    return fake.state();
  }

  /** The unit tests' retries: transient 3 s, throttled 4 s, reconciling 2 s. */
  static final RetryPolicy RETRIES =
      new RetryPolicy(
          Duration.ofSeconds(3),
          Duration.ofSeconds(4),
          Duration.ofSeconds(2),
          Duration.ofMinutes(10));

  GcpSettings settings(Duration resync) {
    return GcpSettings.defaults(fake.baseUrl(), Optional.of(TOKEN))
        .withOperationTimeout(Duration.ofSeconds(2), Duration.ofMillis(5), Duration.ofMillis(50));
  }

  /** Every retry after a second, within the resync: for tests with the operator in the loop. */
  static RetryPolicy quickRetries(Duration resync) {
    Duration second = Duration.ofSeconds(1);
    return new RetryPolicy(second, second, second, resync);
  }

  GcpCloudReconciler adapter(GcpSettings settings, Clock clock) {
    return adapter(settings, RETRIES, clock, CLUSTER);
  }

  GcpCloudReconciler adapter(GcpSettings settings, RetryPolicy retries, Clock clock) {
    return adapter(settings, retries, clock, CLUSTER);
  }

  /** An adapter as the operator of the cluster {@code cluster} runs it. */
  GcpCloudReconciler adapter(
      GcpSettings settings, RetryPolicy retries, Clock clock, String cluster) {
    GcpCloudReconciler adapter =
        new GcpCloudReconciler(
            settings,
            new IamGateway(settings, calls, Sleeper.REAL),
            Sleeper.REAL,
            cluster,
            retries,
            clock);
    adapters.add(adapter);
    return adapter;
  }

  /**
   * The scheduled scans due now on every adapter of this bed (tests run no schedule): after the
   * clock moved a resync, what was changed by hand is seen.
   */
  void scanDue() {
    adapters.forEach(GcpCloudReconciler::scanDue);
  }

  private final List<GcpCloudReconciler> adapters =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Calls of one operation, by the metric the operator exports. */
  long calls(String operation) {
    return (long) calls.count(operation);
  }

  /** Write calls made so far, by the metric. */
  long writes() {
    return IamGateway.WRITE_OPERATIONS.stream().mapToLong(this::calls).sum();
  }

  /** Write requests the fake served, whatever the metric says. */
  long wireWrites() {
    return fake.requests().stream().filter(FakeGcpIam.RecordedRequest::isWrite).count();
  }

  @Override
  public void close() {
    fake.close();
  }

  /** A clock the test moves, to make the scheduled scans due on purpose. */
  static final class MovableClock extends Clock {
    private Instant now = Instant.parse("2026-11-25T12:00:00Z");

    synchronized void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public synchronized Instant instant() {
      return now;
    }
  }

  /**
   * An identity of team-a trusting my-org/my-app's production environment on this testbed's project
   * and service account, then edited.
   */
  static CIFederatedIdentity identity(
      String name, String uid, Consumer<CIFederatedIdentitySpec> edit) {
    CIFederatedIdentity identity = new CIFederatedIdentity();
    identity.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace("team-a")
            .withName(name)
            .withUid(uid)
            .withGeneration(1L)
            .build());
    CIFederatedIdentitySpec spec = new CIFederatedIdentitySpec();
    spec.setIssuerRef("github");
    spec.setRepository("my-org/my-app");
    SubjectSelector subject = new SubjectSelector();
    subject.setEnvironment("production");
    spec.setSubject(subject);
    GcpIdentitySpec gcp = new GcpIdentitySpec();
    gcp.setProjectId("my-project");
    gcp.setProjectNumber(PROJECT_NUMBER);
    gcp.setServiceAccount(SA);
    spec.setGcp(gcp);
    edit.accept(spec);
    identity.setSpec(spec);
    return identity;
  }
}
