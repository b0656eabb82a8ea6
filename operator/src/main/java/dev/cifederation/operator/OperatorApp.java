package dev.cifederation.operator;

import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.cloud.aws.AwsCloud;
import dev.cifederation.operator.cloud.azure.AzureCloudReconciler;
import dev.cifederation.operator.cloud.gcp.GcpCloudReconciler;
import dev.cifederation.operator.config.OperatorConfig;
import dev.cifederation.operator.config.Shard;
import dev.cifederation.operator.guard.PolicyEvaluator;
import dev.cifederation.operator.issuer.AddressPolicy;
import dev.cifederation.operator.issuer.IssuerProbe;
import dev.cifederation.operator.issuer.KnownThumbprints;
import dev.cifederation.operator.issuer.TrustAnchors;
import dev.cifederation.operator.observe.CertificateExpiry;
import dev.cifederation.operator.observe.CloudPasses;
import dev.cifederation.operator.observe.DriftCorrections;
import dev.cifederation.operator.observe.FindingsGauge;
import dev.cifederation.operator.observe.HttpEndpoints;
import dev.cifederation.operator.observe.ReadinessGauge;
import dev.cifederation.operator.observe.ReconcileMetrics;
import dev.cifederation.operator.reconcile.EventRecorder;
import dev.cifederation.operator.reconcile.IdentityReconciler;
import dev.cifederation.operator.reconcile.IssuerReconciler;
import dev.cifederation.operator.reconcile.SnippetPublisher;
import dev.cifederation.operator.reconcile.Tenancy;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the operator: Kubernetes client, reconcilers, metrics and health endpoints. */
public final class OperatorApp implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OperatorApp.class);

  /** The deadline of a whole issuer check: both fetches, connect to the last body byte. */
  private static final Duration ISSUER_TIMEOUT = Duration.ofSeconds(10);

  private final OperatorConfig config;
  private final KubernetesClient client;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Operator operator;
  private final AtomicBoolean leading = new AtomicBoolean();
  private final AtomicBoolean closing = new AtomicBoolean();
  private HttpEndpoints endpoints;

  public OperatorApp(OperatorConfig config, KubernetesClient client) {
    this.config = config;
    this.client = client;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    this.operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withConcurrentReconciliationThreads(config.reconcileThreads())
                  .withMetrics(
                      new ReconcileMetrics(
                          MicrometerMetrics.withoutPerResourceMetrics(registry), registry))
                  .withCloseClientOnStop(false);
              config
                  .leaderElection()
                  .ifPresent(e -> o.withLeaderElectionConfiguration(leaderElection(e)));
            });
    register(operator, config, client, registry, Clock.systemUTC());
  }

  /**
   * Registers every reconciler on an operator; shared with the tests that run the operator
   * in-process.
   */
  public static void register(
      Operator operator,
      OperatorConfig config,
      KubernetesClient client,
      MeterRegistry registry,
      Clock clock) {
    var events = new EventRecorder(client, clock);
    Tenancy tenancy = Tenancy.from(config);
    if (tenancy.ungoverned() == PolicyEvaluator.Ungoverned.Allow) {
      log.warn(
          "Single-team mode ({}): namespaces no CIFederationPolicy selects may reach every cloud"
              + " target these credentials reach",
          PolicyEvaluator.UNGOVERNED_SWITCH);
    } else {
      log.info(
          "Default deny: an identity reaches only the cloud targets a CIFederationPolicy selecting"
              + " its namespace grants");
    }
    if (tenancy.neverDelete()) {
      log.info(
          "CIFED_NEVER_DELETE=true: deletions orphan the cloud objects, whatever the spec says");
    }
    log.info("Cluster name (ownership mark): {}", config.clusterName());
    Shard shard = config.shard();
    log.info("Reconciles {}", shard.describe());
    // the issuer checks decide the thumbprints a new AWS provider starts with
    var knownThumbprints = new KnownThumbprints();
    // every adapter from the one configuration, validated before anything connects
    AwsCloud aws =
        AwsCloud.fromConfig(
            config, registry, clock, trust -> knownThumbprints.forIssuer(trust.providerUrl()));
    List<CloudReconciler> adapters =
        List.of(
            aws,
            GcpCloudReconciler.fromConfig(config, registry, clock),
            AzureCloudReconciler.fromConfig(config, registry, clock));
    operator.register(
        new IdentityReconciler(
            new TrustCompiler(),
            adapters,
            events,
            config.workflowSnippets()
                ? Optional.of(new SnippetPublisher(client, config.workflowSnippetNamespaces()))
                : Optional.empty(),
            Optional.of(new DriftCorrections(registry)),
            new FindingsGauge(registry),
            new ReadinessGauge(registry),
            new CloudPasses(registry, clock),
            tenancy,
            clock),
        o -> {
          o.withReconciliationMaxInterval(config.resyncInterval())
              .withFieldManager(shard.fieldManager(IdentityReconciler.NAME));
          if (!shard.namespaces().isEmpty()) {
            o.settingNamespaces(shard.namespaces());
          }
          shard.labelSelector().ifPresent(o::withLabelSelector);
        });
    if (!shard.reconcilesIssuers()) {
      // another shard writes the issuers' status, finalizer and AWS provider thumbprints; a new
      // provider made here starts without known thumbprints (IAM obtains them) until that shard's
      // next check of the issuer (at the latest its resync) sets them
      return;
    }
    operator.register(
        new IssuerReconciler(
            new IssuerProbe(
                TrustAnchors.withExtraFile(config.extraCaFile()),
                ISSUER_TIMEOUT,
                AddressPolicy.standard(config.issuerAllowPrivate())),
            Optional.of(aws),
            knownThumbprints,
            new CertificateExpiry(registry, clock),
            events,
            config.resyncInterval(),
            tenancy,
            clock),
        o -> o.withReconciliationMaxInterval(config.resyncInterval()));
  }

  public void start() throws IOException {
    endpoints = new HttpEndpoints(config.metricsPort(), registry, this::ready);
    endpoints.start();
    operator.start();
    log.info(
        "Operator started against {} (resync {}, {} reconcile threads, metrics on :{})",
        client.getMasterUrl(),
        config.resyncInterval(),
        config.reconcileThreads(),
        endpoints.port());
  }

  /**
   * Started, and either a standby replica (its controllers wait for the Lease, nothing to check) or
   * the one reconciling with healthy informers. A standby that reported not-ready would keep a
   * two-replica Deployment from ever being available.
   */
  private boolean ready() {
    if (!operator.getRuntimeInfo().isStarted()) {
      return false;
    }
    boolean standby = config.leaderElection().isPresent() && !leading.get();
    return standby || operator.getRuntimeInfo().allEventSourcesAreHealthy();
  }

  /**
   * java-operator-sdk's Lease-based election with its default timings; this replica's identity is
   * its pod name (HOSTNAME). A leader that loses the Lease while running exits (its controllers
   * would otherwise go on reconciling beside the new leader), and Kubernetes restarts it as a
   * standby. The SDK's own exit-on-stop is off: it would also fire during a normal shutdown, where
   * System.exit from the shutdown hook blocks forever.
   */
  private LeaderElectionConfiguration leaderElection(OperatorConfig.LeaderElection election) {
    return new LeaderElectionConfiguration(
        election.leaseName(),
        election.namespace().orElse(null),
        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
        null,
        new LeaderCallbacks(
            () -> {
              leading.set(true);
              log.info("Leading: this replica reconciles");
            },
            () -> {
              leading.set(false);
              if (!closing.get()) {
                log.error("Lost the leader Lease: exiting so that only the new leader reconciles");
                System.exit(1);
              }
            },
            leader -> log.info("Leader is {}", leader)),
        false);
  }

  /** The port of /metrics, /healthz and /readyz once started (CIFED_METRICS_PORT=0 picks one). */
  public int metricsPort() {
    return endpoints.port();
  }

  @Override
  public void close() {
    closing.set(true);
    operator.stop();
    if (endpoints != null) {
      endpoints.close();
    }
    client.close();
  }

  /**
   * The operator as {@code run} starts it: the process environment, read here and nowhere else
   * (README, "Configuration"); a bad value stops the start before any client is built.
   */
  public static OperatorApp fromEnvironment() {
    OperatorConfig config = OperatorConfig.fromEnvironment(System.getenv());
    return new OperatorApp(config, new KubernetesClientBuilder().build());
  }

  /**
   * The clouds' configuration alone, from the same process environment: what {@code audit} and
   * {@code import} connect with (they own nothing, so they need no cluster name).
   */
  static OperatorConfig.Clouds cloudsFromEnvironment() {
    return OperatorConfig.cloudsFromEnvironment(System.getenv());
  }
}
