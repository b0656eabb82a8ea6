package dev.cifederation.operator.testsupport;

import static org.awaitility.Awaitility.await;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.IssuerInfo;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The operator in the loop against the shared kube-apiserver, and what a test reads back: the
 * identities of the class's namespace and the cluster's issuers, their status and Events, and how
 * many reconciles each has finished.
 *
 * <p>Waiting for a status means waiting for one written at the resource's current generation, so an
 * assertion never reads the status of a spec the operator has not seen yet. Asserting that nothing
 * happened means first waiting for passes to have happened ({@link #awaitPasses}).
 */
public final class OperatorInTheLoop {

  /** How long the operator may take to converge, on a shared 2-core machine. */
  public static final Duration WITHIN = Duration.ofSeconds(60);

  private static final Duration POLL = Duration.ofMillis(200);

  private final KubernetesClient client;
  private final Reconciles reconciles = new Reconciles();
  private Supplier<String> namespace;

  /** For the extension {@link #extension} builds: the namespace is the extension's. */
  public OperatorInTheLoop(KubernetesClient client) {
    this(
        client,
        () -> {
          throw new IllegalStateException("no extension built, and no namespace given");
        });
  }

  /**
   * For a test that runs its own {@code Operator} (with {@link #reconciles()} as its metrics) in a
   * namespace it made.
   */
  public OperatorInTheLoop(KubernetesClient client, Supplier<String> namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** java-operator-sdk's extension running {@code reconciler} with that resync interval. */
  public LocallyRunOperatorExtension extension(Reconciler<?> reconciler, Duration resync) {
    return extension(builder -> builder.withReconciler(reconciler, resyncEvery(resync)));
  }

  /**
   * java-operator-sdk's extension with the reconcilers {@code reconcilers} registers: one namespace
   * per test class (left for the API server to delete), a client of its own, and every finished
   * reconcile counted in {@link #reconciles()}.
   */
  public LocallyRunOperatorExtension extension(
      Consumer<LocallyRunOperatorExtension.Builder> reconcilers) {
    LocallyRunOperatorExtension.Builder builder =
        LocallyRunOperatorExtension.builder()
            .withKubernetesClient(KubeApiServerSupport.shared().newClient())
            .withConfigurationService(o -> o.withMetrics(reconciles))
            .oneNamespacePerClass(true)
            .waitForNamespaceDeletion(false);
    reconcilers.accept(builder);
    LocallyRunOperatorExtension extension = builder.build();
    namespace = extension::getNamespace;
    return extension;
  }

  /** The controller option that sets how often an unchanged resource is reconciled again. */
  @SuppressWarnings("rawtypes")
  public static Consumer<ControllerConfigurationOverrider> resyncEvery(Duration resync) {
    return overrider -> overrider.withReconciliationMaxInterval(resync);
  }

  public String namespace() {
    return namespace.get();
  }

  public Reconciles reconciles() {
    return reconciles;
  }

  /** Server-side apply as the tests' field manager, taking over any field it sets. */
  public <T extends HasMetadata> T apply(T resource) {
    return client
        .resource(resource)
        .fieldManager(KubeApiServerSupport.FIELD_MANAGER)
        .forceConflicts()
        .serverSideApply();
  }

  // ------------------------------------------------------------------------------- identities

  /** Creates the identity in the class's namespace (whatever namespace it names). */
  public CIFederatedIdentity create(CIFederatedIdentity identity) {
    identity.getMetadata().setNamespace(namespace());
    return client.resource(identity).create();
  }

  /** The identity as the API server has it now, or null. */
  public CIFederatedIdentity get(String name) {
    return client
        .resources(CIFederatedIdentity.class)
        .inNamespace(namespace())
        .withName(name)
        .get();
  }

  public void delete(String name) {
    client.resources(CIFederatedIdentity.class).inNamespace(namespace()).withName(name).delete();
  }

  /** Waits until the identity is gone (its finalizer released). */
  public void awaitGone(String name) {
    await().alias(name + " gone").atMost(WITHIN).pollInterval(POLL).until(() -> get(name) == null);
  }

  /**
   * Waits for a status written at the identity's current generation that satisfies {@code done}.
   */
  public CIFederatedIdentity awaitStatus(String name, Predicate<CIFederatedIdentity> done) {
    return await()
        .alias("status of " + name)
        .atMost(WITHIN)
        .pollInterval(POLL)
        .until(() -> get(name), i -> i != null && observedCurrentGeneration(i) && done.test(i));
  }

  /** Waits until the identity's condition of {@code type} has {@code reason}. */
  public CIFederatedIdentity awaitCondition(String name, String type, String reason) {
    return awaitStatus(name, Conditions.reasonIs(type, reason));
  }

  public List<Event> events(String name) {
    return Events.about(client, namespace(), name);
  }

  /** What the operator compiles for the identity, with the issuer the API server holds. */
  public CompiledTrust compile(CIFederatedIdentity identity) {
    CIIssuer issuer = issuer(identity.getSpec().getIssuerRef());
    try {
      return new TrustCompiler()
          .compile(
              IssuerInfo.from(issuer.getSpec()),
              identity.getMetadata().getNamespace(),
              identity.getMetadata().getName(),
              identity.getSpec());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Waits until the identity has finished {@code passes} more reconciles than it had at the call.
   */
  public void awaitPasses(String name, int passes) {
    reconciles.awaitMore(CIFederatedIdentity.class, namespace(), name, passes, WITHIN);
  }

  // ---------------------------------------------------------------------------------- issuers

  public CIIssuer issuer(String name) {
    return client.resources(CIIssuer.class).withName(name).get();
  }

  /** Waits for the issuer to have conditions that satisfy {@code done}. */
  public CIIssuer awaitIssuer(String name, Predicate<CIIssuer> done) {
    return await()
        .alias("status of CIIssuer " + name)
        .atMost(WITHIN)
        .pollInterval(POLL)
        .until(
            () -> issuer(name),
            i ->
                i != null
                    && i.getStatus() != null
                    && !i.getStatus().getConditions().isEmpty()
                    && done.test(i));
  }

  public List<Event> issuerEvents(String name) {
    return Events.aboutClusterScoped(client, CIIssuer.class, name);
  }

  /** Waits until the issuer has finished {@code passes} more checks than it had at the call. */
  public void awaitIssuerPasses(String name, int passes) {
    reconciles.awaitMore(CIIssuer.class, null, name, passes, WITHIN);
  }

  private static boolean observedCurrentGeneration(CIFederatedIdentity identity) {
    return identity.getStatus() != null
        && identity.getStatus().getObservedGeneration() != null
        && Objects.equals(
            identity.getStatus().getObservedGeneration(), identity.getMetadata().getGeneration());
  }
}
