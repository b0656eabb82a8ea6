package dev.cifederation.operator.reconcile;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Keeps an identity's workflow snippets in a ConfigMap of its namespace, owned by the identity
 * (garbage-collected with it). Compares against an informer's copy of the operator's ConfigMaps
 * (those labelled {@value #IDENTITY_LABEL}) and writes only when the content differs, so a steady
 * resync makes no API call; a same-named ConfigMap the identity does not own is never touched.
 */
public class SnippetPublisher {

  static final String SUFFIX = "-ci-snippets";
  static final String FIELD_MANAGER = "cifederation-operator";
  static final String IDENTITY_LABEL = "cifederation.dev/identity";

  /**
   * The one key of a cached ConfigMap's data: the digest of the data it stands for. A ConfigMap key
   * may not contain '/', so no ConfigMap in the API server has it.
   */
  static final String DIGEST_KEY = "cifederation.dev/sha256";

  private static final int MAX_NAME = 253;

  /** Why the snippets could not be published; the message is for people. */
  public static final class NotPublished extends RuntimeException {
    NotPublished(String message) {
      super(message);
    }
  }

  private final KubernetesClient client;
  private final Set<String> namespaces;
  // set once the reconciler registers it; until then (and in tests without one) nothing is cached
  private volatile InformerEventSource<ConfigMap, CIFederatedIdentity> cache;

  /** In every namespace the operator watches. */
  public SnippetPublisher(KubernetesClient client) {
    this(client, Set.of());
  }

  /**
   * @param namespaces the namespaces whose ConfigMaps the operator may watch and write (its RBAC);
   *     empty: every namespace its identities are watched in
   */
  public SnippetPublisher(KubernetesClient client, Set<String> namespaces) {
    this.client = client;
    this.namespaces = Set.copyOf(namespaces);
  }

  /** The ConfigMap name of an identity: {@code <name>-ci-snippets}, shortened with a hash. */
  public static String configMapName(String identityName) {
    String name = identityName + SUFFIX;
    if (name.length() <= MAX_NAME) {
      return name;
    }
    return identityName.substring(0, MAX_NAME - SUFFIX.length() - 9)
        + "-"
        + sha256(identityName).substring(0, 8)
        + SUFFIX;
  }

  /**
   * The informer of the operator's snippet ConfigMaps, which also re-reconciles an identity whose
   * ConfigMap was edited or deleted (drift). Label-selected: no other ConfigMap is ever cached.
   */
  public InformerEventSource<ConfigMap, CIFederatedIdentity> eventSource(
      EventSourceContext<CIFederatedIdentity> context) {
    var configuration =
        InformerEventSourceConfiguration.from(ConfigMap.class, CIFederatedIdentity.class)
            .withLabelSelector(IDENTITY_LABEL)
            .withItemStore(TrimmedItemStore.configMapsWithDataOfIdentitiesOnly())
            .withInformerListLimit(IdentityReconciler.LIST_PAGE)
            // only a ConfigMap an identity owns wakes it: a labelled lookalike wakes nobody
            .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(CIFederatedIdentity.class))
            // An identity's ConfigMap appears when its own pass creates it, and that watch event
            // often arrives before the pass has put the ConfigMap in the cache: it then ran the
            // pass a second time (0.85 extra passes per identity in the bench). Edits and deletions
            // still wake the identity; one made by someone else first is met by the identity's
            // own pass (create-only, so never written over).
            .withOnAddFilter(configMap -> false)
            .withPrimaryToSecondaryMapper(
                (CIFederatedIdentity identity) -> Set.of(resourceId(identity)));
    if (!namespaces.isEmpty()) {
      configuration.withNamespaces(namespaces);
    }
    var source = new InformerEventSource<>(configuration.build(), context);
    cache = source;
    return source;
  }

  /**
   * Makes the identity's ConfigMap hold exactly {@code data}; returns its name.
   *
   * @throws NotPublished when a ConfigMap of that name belongs to something else, the namespace is
   *     not one the operator may write in, or the API server refused the write (e.g. RBAC)
   */
  public String publish(CIFederatedIdentity identity, Map<String, String> data) {
    String namespace = identity.getMetadata().getNamespace();
    if (!namespaces.isEmpty() && !namespaces.contains(namespace)) {
      throw new NotPublished(
          "namespace "
              + namespace
              + " is not one of the operator's workflow-snippet namespaces"
              + " (CIFED_WORKFLOW_SNIPPET_NAMESPACES, the chart's rbac.workflowSnippetNamespaces)");
    }
    var source = cache;
    return publish(
        identity, data, source == null ? Optional.empty() : source.get(resourceId(identity)));
  }

  /** As {@link #publish(CIFederatedIdentity, Map)}, given the informer's copy ({@code cached}). */
  String publish(
      CIFederatedIdentity identity, Map<String, String> data, Optional<ConfigMap> cached) {
    String namespace = identity.getMetadata().getNamespace();
    String name = configMapName(identity.getMetadata().getName());
    OwnerReference owner =
        new OwnerReferenceBuilder()
            .withApiVersion(identity.getApiVersion())
            .withKind(identity.getKind())
            .withName(identity.getMetadata().getName())
            .withUid(identity.getMetadata().getUid())
            .withController(true)
            .build();
    Map<String, String> labels =
        Map.of(
            "app.kubernetes.io/managed-by",
            FIELD_MANAGER,
            IDENTITY_LABEL,
            identity.getMetadata().getName());
    ConfigMap desired =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .withLabels(labels)
            .withOwnerReferences(List.of(owner))
            .endMetadata()
            .withData(data)
            .build();
    try {
      if (cached.isPresent()) {
        ConfigMap live = cached.get();
        requireOwned(live, owner, namespace, name);
        if (digestOf(live.getData()).equals(digest(data))
            && live.getMetadata().getLabels().entrySet().containsAll(labels.entrySet())) {
          return name;
        }
        remember(identity, apply(desired), live);
        return name;
      }
      // Not in the cache: none exists, or one without the operator's label (someone else's, made
      // first to capture the name, or ours with the label removed). Create-only, so that the
      // first is never written over; the API server answers the others with a conflict.
      try {
        remember(identity, client.resource(desired).create(), null);
        return name;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
      }
      ConfigMap live = client.configMaps().inNamespace(namespace).withName(name).get();
      if (live == null) {
        throw new NotPublished(
            "ConfigMap " + namespace + "/" + name + " was deleted while being written; retrying");
      }
      requireOwned(live, owner, namespace, name);
      remember(identity, apply(desired), live);
      return name;
    } catch (KubernetesClientException e) {
      throw new NotPublished(
          "could not write ConfigMap "
              + namespace
              + "/"
              + name
              + " with the workflow snippets: "
              + e.getMessage());
    }
  }

  private ConfigMap apply(ConfigMap desired) {
    return client.resource(desired).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
  }

  private static void requireOwned(
      ConfigMap live, OwnerReference owner, String namespace, String name) {
    var references = live.getMetadata().getOwnerReferences();
    boolean ours =
        references != null
            && references.stream().anyMatch(r -> Objects.equals(r.getUid(), owner.getUid()));
    if (!ours) {
      throw new NotPublished(
          "ConfigMap "
              + namespace
              + "/"
              + name
              + " exists and is not owned by this identity; the workflow snippets are not"
              + " written over it (delete or rename it)");
    }
  }

  /**
   * Puts what was just written into the informer's cache until its watch catches up, so the next
   * pass compares against it, and the watch event of the operator's own write wakes nobody.
   */
  private void remember(CIFederatedIdentity identity, ConfigMap written, ConfigMap previous) {
    var source = cache;
    if (source == null || written == null) {
      return;
    }
    ResourceID primary = ResourceID.fromResource(identity);
    if (previous == null) {
      source.handleRecentResourceCreate(primary, written);
    } else {
      source.handleRecentResourceUpdate(primary, written, previous);
    }
  }

  /** What the informer keeps of an owned ConfigMap's data: its digest under {@link #DIGEST_KEY}. */
  static Map<String, String> digestOnly(Map<String, String> data) {
    return Map.of(DIGEST_KEY, digestOf(data));
  }

  /**
   * The digest of {@code data}, or the one it carries when it is a cached digest: the cache keeps
   * digests, while a ConfigMap the operator just wrote waits in full until its watch event comes.
   */
  static String digestOf(Map<String, String> data) {
    if (data != null && data.size() == 1 && data.containsKey(DIGEST_KEY)) {
      return data.get(DIGEST_KEY);
    }
    return digest(data == null ? Map.of() : data);
  }

  /** Each key and value, sorted by key and length-prefixed, so no two maps share a digest. */
  private static String digest(Map<String, String> data) {
    StringBuilder text = new StringBuilder();
    new TreeMap<>(data)
        .forEach(
            (key, value) ->
                text.append(key.length())
                    .append(':')
                    .append(key)
                    .append(value.length())
                    .append(':')
                    .append(value));
    return sha256(text.toString());
  }

  private static ResourceID resourceId(CIFederatedIdentity identity) {
    return new ResourceID(
        configMapName(identity.getMetadata().getName()), identity.getMetadata().getNamespace());
  }

  private static String sha256(String value) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
