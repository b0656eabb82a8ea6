package dev.cifederation.operator;

import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.cloud.aws.AwsCloud;
import dev.cifederation.operator.cloud.azure.AzureCloudReconciler;
import dev.cifederation.operator.cloud.gcp.GcpCloudReconciler;
import dev.cifederation.operator.cloud.gcp.GcpSettings;
import dev.cifederation.operator.config.OperatorConfig;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.observe.FindingsGauge;
import dev.cifederation.operator.observe.HttpEndpoints;
import dev.cifederation.operator.reconcile.EventRecorder;
import dev.cifederation.operator.reconcile.IdentityReconciler;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the operator: Kubernetes client, reconcilers, metrics and health endpoints. */
public final class OperatorApp implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OperatorApp.class);

  private final OperatorConfig config;
  private final KubernetesClient client;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Operator operator;
  private HttpEndpoints endpoints;

  public OperatorApp(OperatorConfig config, KubernetesClient client) {
    this.config = config;
    this.client = client;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    this.operator =
        new Operator(
            o ->
                o.withKubernetesClient(client)
                    .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry))
                    .withCloseClientOnStop(false));
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
    // each adapter reads its own settings from the environment (see the README's configuration)
    List<CloudReconciler> adapters =
        List.of(
            AwsCloud.fromEnvironment(System.getenv(), config, registry, clock),
            GcpCloudReconciler.create(
                GcpSettings.fromEnvironment(System.getenv(), config.resyncInterval()),
                new CloudCalls(registry, Cloud.GCP.name()),
                config.clusterName(),
                clock),
            AzureCloudReconciler.fromEnvironment(
                System.getenv(), config.clusterName(), registry, clock));
    operator.register(
        new IdentityReconciler(
            new TrustCompiler(), adapters, events, new FindingsGauge(registry), clock),
        o -> o.withReconciliationMaxInterval(config.resyncInterval()));
  }

  public void start() throws IOException {
    endpoints =
        new HttpEndpoints(
            config.metricsPort(),
            registry,
            () ->
                operator.getRuntimeInfo().isStarted()
                    && operator.getRuntimeInfo().allEventSourcesAreHealthy());
    endpoints.start();
    operator.start();
    log.info(
        "Operator started against {} (resync {}, metrics on :{})",
        client.getMasterUrl(),
        config.resyncInterval(),
        endpoints.port());
  }

  @Override
  public void close() {
    operator.stop();
    if (endpoints != null) {
      endpoints.close();
    }
    client.close();
  }

  public static OperatorApp fromEnvironment() {
    return new OperatorApp(
        OperatorConfig.fromEnvironment(System.getenv()), new KubernetesClientBuilder().build());
  }
}
