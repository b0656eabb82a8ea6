package dev.cifederation.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The benchmark's side of the API server: installs the CRDs and the issuer, applies the identities
 * with server-side apply (in parallel, as a GitOps tool would sync them), and watches them to learn
 * when each became Ready and how often the operator wrote a status.
 */
final class Cluster implements AutoCloseable {

  static final ResourceDefinitionContext IDENTITIES =
      new ResourceDefinitionContext.Builder()
          .withGroup("cifederation.dev")
          .withVersion("v1alpha1")
          .withKind("CIFederatedIdentity")
          .withPlural("cifederatedidentities")
          .withNamespaced(true)
          .build();
  private static final String FIELD_MANAGER = "cifed-bench";

  private final KubernetesClient client;
  private final Map<String, Long> appliedAtMillis = new ConcurrentHashMap<>();
  private final Map<String, Long> readyAtMillis = new ConcurrentHashMap<>();
  private final AtomicLong statusWrites = new AtomicLong();
  private SharedIndexInformer<GenericKubernetesResource> informer;

  Cluster(Path kubeconfig) throws IOException {
    Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
    config.setMaxConcurrentRequests(256);
    config.setMaxConcurrentRequestsPerHost(256);
    // an API server busy with 10,000 identities' writes on a shared machine answers an apply in
    // more than fabric8's default 10 s
    config.setRequestTimeout(120_000);
    client = new KubernetesClientBuilder().withConfig(config).build();
  }

  /**
   * CRDs from crds/ (server-side), established; then the namespace, the issuer and the policy that
   * grants the namespace its targets.
   */
  void install(Path repoRoot) throws IOException {
    try (Stream<Path> files = Files.list(repoRoot.resolve("crds"))) {
      for (Path crd : files.sorted().toList()) {
        try (InputStream in = new FileInputStream(crd.toFile())) {
          for (HasMetadata item : client.load(in).items()) {
            client.resource(item).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName(item.getMetadata().getName())
                .waitUntilCondition(
                    c ->
                        c.getStatus() != null
                            && c.getStatus().getConditions() != null
                            && c.getStatus().getConditions().stream()
                                .anyMatch(
                                    x ->
                                        "Established".equals(x.getType())
                                            && "True".equals(x.getStatus())),
                    60,
                    TimeUnit.SECONDS);
          }
        }
      }
    }
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(Workload.NAMESPACE)
                .endMetadata()
                .build())
        .fieldManager(FIELD_MANAGER)
        .forceConflicts()
        .serverSideApply();
    GenericKubernetesResource issuer =
        Serialization.unmarshal(
            Serialization.asJson(
                Map.of(
                    "apiVersion",
                    "cifederation.dev/v1alpha1",
                    "kind",
                    "CIIssuer",
                    "metadata",
                    Map.of("name", Workload.ISSUER),
                    "spec",
                    Map.of("url", Workload.ISSUER_URL, "dialect", "GitHub"))),
            GenericKubernetesResource.class);
    client.resource(issuer).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    // the operator denies by default: the platform team's grant for the bench namespace
    GenericKubernetesResource policy =
        Serialization.unmarshal(
            Serialization.asJson(Workload.policy()), GenericKubernetesResource.class);
    client.resource(policy).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
  }

  /** Watches the namespace's identities from now on. */
  void watch() {
    informer =
        client
            .genericKubernetesResources(IDENTITIES)
            .inNamespace(Workload.NAMESPACE)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(GenericKubernetesResource r) {
                    seen(r);
                  }

                  @Override
                  public void onUpdate(
                      GenericKubernetesResource before, GenericKubernetesResource after) {
                    if (!before
                        .getMetadata()
                        .getResourceVersion()
                        .equals(after.getMetadata().getResourceVersion())) {
                      statusWrites.incrementAndGet();
                    }
                    seen(after);
                  }

                  @Override
                  public void onDelete(GenericKubernetesResource r, boolean unknown) {}
                },
                0);
  }

  private void seen(GenericKubernetesResource r) {
    if (ready(r)) {
      readyAtMillis.putIfAbsent(r.getMetadata().getName(), System.currentTimeMillis());
    }
  }

  @SuppressWarnings("unchecked")
  static boolean ready(GenericKubernetesResource r) {
    Object status = r.getAdditionalProperties().get("status");
    if (!(status instanceof Map<?, ?> map)
        || !(map.get("conditions") instanceof List<?> conditions)) {
      return false;
    }
    return conditions.stream()
        .map(c -> (Map<String, Object>) c)
        .anyMatch(c -> "Ready".equals(c.get("type")) && "True".equals(c.get("status")));
  }

  /** Applies every identity with server-side apply, {@code threads} at a time. */
  void apply(Workload workload, int threads) throws Exception {
    apply(workload, 1, threads);
  }

  /** The same, each identity labelled with its shard among {@code shards}. */
  void apply(Workload workload, int shards, int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> applied = new ArrayList<>();
      for (int i = 0; i < workload.count(); i++) {
        int n = i;
        applied.add(
            pool.submit(
                () -> {
                  GenericKubernetesResource resource =
                      Serialization.unmarshal(
                          Serialization.asJson(workload.manifest(n, shards)),
                          GenericKubernetesResource.class);
                  client
                      .genericKubernetesResources(IDENTITIES)
                      .inNamespace(Workload.NAMESPACE)
                      .resource(resource)
                      .fieldManager(FIELD_MANAGER)
                      .forceConflicts()
                      .serverSideApply();
                  appliedAtMillis.put(Workload.name(n), System.currentTimeMillis());
                  return null;
                }));
      }
      for (Future<?> f : applied) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The API server's own count of the writes it served so far ({@code apiserver_request_total} of
   * every writing verb), by resource and subresource: two readings subtract to a phase's writes.
   */
  Map<String, Double> apiServerWrites() {
    Map<String, Double> writes = new java.util.TreeMap<>();
    Metrics metrics = Metrics.parse(client.raw("/metrics"));
    for (Metrics.Sample sample : metrics.samples("apiserver_request_total")) {
      String verb = sample.labels().getOrDefault("verb", "");
      if (java.util.Set.of("POST", "PUT", "PATCH", "APPLY", "DELETE").contains(verb)) {
        String subresource = sample.labels().getOrDefault("subresource", "");
        String resource =
            sample.labels().getOrDefault("resource", "")
                + (subresource.isEmpty() ? "" : "/" + subresource);
        writes.merge(resource, sample.value(), Double::sum);
      }
    }
    return writes;
  }

  /** Waits until every identity is Ready; false on timeout. */
  boolean awaitReady(int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (readyAtMillis.size() < count) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      ChildProcess.sleep(Duration.ofMillis(100));
    }
    return true;
  }

  Map<String, Long> appliedAt() {
    return appliedAtMillis;
  }

  Map<String, Long> readyAt() {
    return readyAtMillis;
  }

  long statusWrites() {
    return statusWrites.get();
  }

  /** The identity as the informer last saw it. */
  Optional<GenericKubernetesResource> identity(String name) {
    return Optional.ofNullable(informer.getStore().getByKey(Workload.NAMESPACE + "/" + name));
  }

  /** A value from an identity's status, e.g. {@code ("aws", "roleArn")}. */
  @SuppressWarnings("unchecked")
  Optional<Object> status(String name, String block, String field) {
    return identity(name)
        .map(r -> r.getAdditionalProperties().get("status"))
        .map(s -> ((Map<String, Object>) s).get(block))
        .map(b -> ((Map<String, Object>) b).get(field));
  }

  /**
   * The field managers that wrote each identity's status, by identity name: with shards, which
   * shard wrote it (the operator's status field manager is {@code cifederatedidentity-<shard>}).
   */
  Map<String, java.util.Set<String>> statusManagers() {
    Map<String, java.util.Set<String>> managers = new java.util.TreeMap<>();
    for (GenericKubernetesResource r : informer.getStore().list()) {
      java.util.Set<String> names = new java.util.TreeSet<>();
      if (r.getMetadata().getManagedFields() != null) {
        r.getMetadata().getManagedFields().stream()
            .filter(f -> "status".equals(f.getSubresource()))
            .forEach(f -> names.add(f.getManager()));
      }
      managers.put(r.getMetadata().getName(), names);
    }
    return managers;
  }

  /** The field managers that wrote the bench issuer's status. */
  java.util.Set<String> issuerStatusManagers() {
    java.util.Set<String> names = new java.util.TreeSet<>();
    GenericKubernetesResource issuer =
        client
            .genericKubernetesResources("cifederation.dev/v1alpha1", "CIIssuer")
            .withName(Workload.ISSUER)
            .get();
    if (issuer != null && issuer.getMetadata().getManagedFields() != null) {
      issuer.getMetadata().getManagedFields().stream()
          .filter(f -> "status".equals(f.getSubresource()))
          .forEach(f -> names.add(f.getManager()));
    }
    return names;
  }

  /** Ready identities now (for a diagnosis when a run times out). */
  Map<String, Long> notReadyReasons() {
    Map<String, Long> reasons = new java.util.TreeMap<>();
    for (GenericKubernetesResource r : informer.getStore().list()) {
      if (!ready(r)) {
        reasons.merge(readyReason(r), 1L, Long::sum);
      }
    }
    return reasons;
  }

  @SuppressWarnings("unchecked")
  private static String readyReason(GenericKubernetesResource r) {
    Object status = r.getAdditionalProperties().get("status");
    if (!(status instanceof Map<?, ?> map)
        || !(map.get("conditions") instanceof List<?> conditions)) {
      return "NoStatus";
    }
    return conditions.stream()
        .map(c -> (Map<String, Object>) c)
        .filter(c -> !"True".equals(c.get("status")) && !"Ready".equals(c.get("type")))
        .map(c -> c.get("type") + "=" + c.get("reason"))
        .findFirst()
        .orElse("Ready=False");
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    client.close();
  }
}
