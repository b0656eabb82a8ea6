package dev.cifederation.operator.reconcile;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Kubernetes Events on the operator's resources, for {@code kubectl describe}. Events are
 * best effort: a failure to record one is logged and never fails a reconcile.
 */
public class EventRecorder {

  static final String COMPONENT = "cifederation-operator";
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);

  public enum Type {
    Normal,
    Warning
  }

  private final KubernetesClient client;
  private final Clock clock;

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void record(HasMetadata subject, Type type, String reason, String message) {
    String namespace = subject.getMetadata().getNamespace();
    // Events of cluster-scoped objects live in "default", as kubectl describe looks for them there.
    String eventNamespace = namespace == null ? "default" : namespace;
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(subject.getMetadata().getName() + ".")
            .withNamespace(eventNamespace)
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(subject.getApiVersion())
                    .withKind(subject.getKind())
                    .withName(subject.getMetadata().getName())
                    .withNamespace(namespace)
                    .withUid(subject.getMetadata().getUid())
                    .withResourceVersion(subject.getMetadata().getResourceVersion())
                    .build())
            .withType(type.name())
            .withReason(reason)
            .withMessage(message)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .build();
    try {
      client.v1().events().inNamespace(eventNamespace).resource(event).create();
    } catch (KubernetesClientException e) {
      log.warn(
          "Could not record event {} on {}: {}",
          reason,
          subject.getMetadata().getName(),
          e.getMessage());
    }
  }
}
