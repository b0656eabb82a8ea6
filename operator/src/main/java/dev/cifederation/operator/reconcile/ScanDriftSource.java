package dev.cifederation.operator.reconcile;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.ScopeScans;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clouds' scheduled scans as a java-operator-sdk event source: an identity whose cloud objects
 * a scan of its scope found changed is reconciled at once, not at its next resync. It has no
 * secondary resources; the scan's view is the adapters' (see {@link ScopeScans}).
 */
final class ScanDriftSource extends AbstractEventSource<Void, CIFederatedIdentity>
    implements ScopeScans.DriftListener {

  static final String NAME = "cloud-scope-scans";
  private static final Logger log = LoggerFactory.getLogger(ScanDriftSource.class);

  ScanDriftSource() {
    super(Void.class, NAME);
  }

  @Override
  public void driftFound(Cloud cloud, String identity) {
    int slash = identity.indexOf('/');
    if (slash < 0 || !isRunning()) {
      return;
    }
    log.debug("{} scan found {}'s objects changed: reconciling it", cloud, identity);
    getEventHandler()
        .handleEvent(
            new Event(new ResourceID(identity.substring(slash + 1), identity.substring(0, slash))));
  }

  @Override
  public Set<Void> getSecondaryResources(CIFederatedIdentity primary) {
    return Set.of();
  }
}
