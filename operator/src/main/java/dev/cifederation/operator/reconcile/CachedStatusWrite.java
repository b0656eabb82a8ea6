package dev.cifederation.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.net.HttpURLConnection;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the status a pass decided on only if the pass started from the resource as the API server
 * has it, and makes the next pass start from what it wrote.
 *
 * <p>A pass computes a status from the one it read (counters, when a condition last changed, when a
 * finding was first seen). JOSDK reads from its informer's cache, which can be behind the API
 * server: a pass that runs again right after a write (an event came during the first) may read the
 * copy from before that write. JOSDK writes a status returned in an {@link UpdateControl}
 * unconditionally and does not cache it, so such a pass wrote its status over the newer one (seen
 * losing a drift-correction count under load). Here the write carries the resource version the pass
 * read, so the API server refuses it when the pass read an older copy, and that pass is run again
 * shortly from a newer one; a write that lands is put in JOSDK's cache, so the pass right after it
 * reads it.
 */
final class CachedStatusWrite {

  /** When a pass that read an older copy runs again: time for the informer to catch up. */
  static final Duration AFTER_STALE_READ = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(CachedStatusWrite.class);

  private CachedStatusWrite() {}

  /**
   * Carries out a pass's outcome: its status, if it has one, is applied now with server-side apply
   * under the controller's field manager; what JOSDK still does is only the reschedule.
   */
  static <P extends HasMetadata> UpdateControl<P> apply(
      P primary, UpdateControl<P> outcome, Context<P> context) {
    if (!outcome.isPatchStatus()) {
      return outcome;
    }
    P patch = outcome.getResource().orElseThrow();
    patch.getMetadata().setResourceVersion(primary.getMetadata().getResourceVersion());
    P written;
    try {
      written =
          context
              .getClient()
              .resource(patch)
              .subresource("status")
              .patch(
                  new PatchContext.Builder()
                      .withPatchType(PatchType.SERVER_SIDE_APPLY)
                      .withFieldManager(context.getControllerConfiguration().fieldManager())
                      .withForce(true)
                      .build());
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      log.info(
          "Status of {} {} not written: the pass read version {}, older than the API server's;"
              + " passing again in {} s",
          primary.getKind(),
          name(primary),
          primary.getMetadata().getResourceVersion(),
          AFTER_STALE_READ.toSeconds());
      return UpdateControl.<P>noUpdate().rescheduleAfter(AFTER_STALE_READ);
    }
    context
        .eventSourceRetriever()
        .getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(primary), written, primary);
    UpdateControl<P> rest = UpdateControl.noUpdate();
    return outcome.getScheduleDelay().map(rest::rescheduleAfter).orElse(rest);
  }

  private static String name(HasMetadata resource) {
    String namespace = resource.getMetadata().getNamespace();
    return (namespace == null ? "" : namespace + "/") + resource.getMetadata().getName();
  }
}
