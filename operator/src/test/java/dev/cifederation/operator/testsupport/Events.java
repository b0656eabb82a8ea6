package dev.cifederation.operator.testsupport;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/**
 * The Kubernetes Events the operator recorded about one object, as {@code kubectl describe} finds
 * them: in the object's namespace, or in {@code default} for a cluster-scoped object.
 */
public final class Events {

  private Events() {}

  /** Events about the object named {@code name} in {@code namespace}. */
  public static List<Event> about(KubernetesClient client, String namespace, String name) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  /** Events about the cluster-scoped object of that kind and name. */
  public static List<Event> aboutClusterScoped(
      KubernetesClient client, Class<? extends HasMetadata> kind, String name) {
    String kindName = HasMetadata.getKind(kind);
    return client.v1().events().inNamespace("default").list().getItems().stream()
        .filter(
            e ->
                kindName.equals(e.getInvolvedObject().getKind())
                    && name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  public static List<String> reasons(List<Event> events) {
    return events.stream().map(Event::getReason).toList();
  }
}
