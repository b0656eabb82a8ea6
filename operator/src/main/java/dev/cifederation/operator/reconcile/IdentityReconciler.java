package dev.cifederation.operator.reconcile;

import static dev.cifederation.operator.api.v1alpha1.ConditionStatus.False;
import static dev.cifederation.operator.api.v1alpha1.ConditionStatus.True;
import static dev.cifederation.operator.api.v1alpha1.ConditionStatus.Unknown;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionType;
import dev.cifederation.operator.api.v1alpha1.ReadyReason;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.observe.DriftCorrections;
import dev.cifederation.operator.snippets.WorkflowSnippets;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.IssuerInfo;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.TrustCompilationException;
import dev.cifederation.operator.trust.TrustCompiler;
import dev.cifederation.operator.trust.WhoCanAssume;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a CIFederatedIdentity: observe (resolve its CIIssuer) → validate (compile the trust) →
 * reconcile each configured cloud → status. Status is computed afresh on every pass and written
 * only when it changed.
 */
@ControllerConfiguration(name = IdentityReconciler.NAME)
public class IdentityReconciler
    implements Reconciler<CIFederatedIdentity>, Cleaner<CIFederatedIdentity> {

  public static final String NAME = "cifederatedidentity";
  static final String ISSUER_INDEX = "spec.issuerRef";
  private static final Logger log = LoggerFactory.getLogger(IdentityReconciler.class);

  private static final Duration CLEANUP_RETRY = Duration.ofSeconds(30);

  private final TrustCompiler compiler;
  private final Map<Cloud, CloudReconciler> adapters = new EnumMap<>(Cloud.class);
  private final EventRecorder events;
  private final Optional<SnippetPublisher> snippets;
  private final Optional<DriftCorrections> driftCorrections;
  private final Clock clock;

  /** Without workflow-snippet ConfigMaps and drift metrics (tests of the cloud flow). */
  public IdentityReconciler(
      TrustCompiler compiler, List<CloudReconciler> adapters, EventRecorder events, Clock clock) {
    this(compiler, adapters, events, Optional.empty(), Optional.empty(), clock);
  }

  /**
   * @param snippets publishes the workflow snippets ConfigMap; empty when disabled
   * @param driftCorrections counts corrections per cloud
   */
  public IdentityReconciler(
      TrustCompiler compiler,
      List<CloudReconciler> adapters,
      EventRecorder events,
      Optional<SnippetPublisher> snippets,
      Optional<DriftCorrections> driftCorrections,
      Clock clock) {
    this.compiler = compiler;
    adapters.forEach(adapter -> this.adapters.put(adapter.cloud(), adapter));
    this.events = events;
    this.snippets = snippets;
    this.driftCorrections = driftCorrections;
    this.clock = clock;
  }

  /**
   * Identities are re-reconciled when the CIIssuer they reference appears, changes or goes away.
   */
  @Override
  public List<EventSource<?, CIFederatedIdentity>> prepareEventSources(
      EventSourceContext<CIFederatedIdentity> context) {
    var identities = context.getPrimaryCache();
    identities.addIndexer(ISSUER_INDEX, identity -> List.of(identity.getSpec().getIssuerRef()));
    var issuers =
        InformerEventSourceConfiguration.from(CIIssuer.class, CIFederatedIdentity.class)
            // issuers are cluster-scoped: one cluster-wide informer, whatever namespaces identities
            // are watched in
            .withWatchAllNamespaces()
            .withSecondaryToPrimaryMapper(
                issuer ->
                    identities.byIndex(ISSUER_INDEX, issuer.getMetadata().getName()).stream()
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .withPrimaryToSecondaryMapper(
                (CIFederatedIdentity identity) ->
                    Set.of(new ResourceID(identity.getSpec().getIssuerRef())))
            // the issuer's spec matters here, not its health status (written every check)
            .withOnUpdateFilter(
                (newer, older) ->
                    !Objects.equals(
                        newer.getMetadata().getGeneration(), older.getMetadata().getGeneration()))
            .build();
    return List.of(new InformerEventSource<>(issuers, context));
  }

  @Override
  public UpdateControl<CIFederatedIdentity> reconcile(
      CIFederatedIdentity identity, Context<CIFederatedIdentity> context) {
    CIFederatedIdentitySpec spec = identity.getSpec();
    var status = new CIFederatedIdentityStatus();
    var conditions = new ConditionBook(previousConditions(identity), generation(identity), clock);

    Optional<CIIssuer> issuer = context.getSecondaryResource(CIIssuer.class);
    if (issuer.isEmpty()) {
      conditions.set(
          ConditionType.Ready,
          False,
          ReadyReason.IssuerNotFound,
          "CIIssuer " + spec.getIssuerRef() + " does not exist; create it or fix spec.issuerRef");
      return finish(identity, status, conditions);
    }

    IssuerInfo issuerInfo = IssuerInfo.from(issuer.get().getSpec());
    CompiledTrust trust;
    try {
      trust =
          compiler.compile(
              issuerInfo,
              identity.getMetadata().getNamespace(),
              identity.getMetadata().getName(),
              spec);
    } catch (TrustCompilationException e) {
      conditions.set(ConditionType.Ready, False, ReadyReason.InvalidSpec, e.getMessage());
      return finish(identity, status, conditions);
    }
    status.setSubject(trust.subject());
    status.setWhoCanAssume(trust.whoCanAssume());

    Optional<Duration> retry = reconcileClouds(identity, trust, status, conditions);
    publishSnippets(identity, issuerInfo, trust, status);
    summarise(conditions);
    UpdateControl<CIFederatedIdentity> control = finish(identity, status, conditions);
    return retry.map(control::rescheduleAfter).orElse(control);
  }

  /**
   * Each configured cloud goes to its adapter; a cloud without an adapter in this build says so
   * rather than pretending. Returns the earliest retry any adapter asked for.
   */
  private Optional<Duration> reconcileClouds(
      CIFederatedIdentity identity,
      CompiledTrust trust,
      CIFederatedIdentityStatus status,
      ConditionBook conditions) {
    Optional<Duration> retry = Optional.empty();
    Map<Cloud, LiveTrust> liveTrust = new EnumMap<>(Cloud.class);
    for (Cloud cloud : Cloud.values()) {
      if (!cloud.isConfigured(identity.getSpec())) {
        retry = earliest(retry, releaseRemovedCloud(identity, trust, cloud, status, conditions));
        continue;
      }
      CloudReconciler adapter = adapters.get(cloud);
      if (adapter == null) {
        conditions.set(
            cloud.condition(),
            Unknown,
            CloudReason.NotImplemented,
            cloud
                + " is declared but this operator version does not manage "
                + cloud
                + " objects yet");
        continue;
      }
      CloudOutcome outcome = adapter.reconcile(new CloudRequest(identity, trust));
      outcome.liveTrust().ifPresent(live -> liveTrust.put(cloud, live));
      conditions.set(cloud.condition(), outcome.status(), outcome.reason(), outcome.message());
      outcome.statusWriter().accept(status);
      status.getFindings().addAll(outcome.findings());
      recordCloudEvents(identity, cloud, outcome, status, conditions);
      retry = earliest(retry, outcome.retryAfter());
    }
    status.setWhoCanAssume(whoCanAssume(trust, liveTrust));
    return retry;
  }

  /**
   * Who can assume the identity, from the trust each configured cloud has live (read by its adapter
   * in this pass), so a hand edit that widens it shows within one resync; a cloud whose trust was
   * not read is described from the spec and says so.
   */
  private static String whoCanAssume(CompiledTrust trust, Map<Cloud, LiveTrust> liveTrust) {
    List<WhoCanAssume.View> views = new ArrayList<>();
    for (LiveTrust specified : trust.liveTrusts()) {
      Cloud cloud =
          specified instanceof LiveTrust.Aws
              ? Cloud.AWS
              : specified instanceof LiveTrust.Gcp ? Cloud.GCP : Cloud.Azure;
      views.add(new WhoCanAssume.View(cloud.toString(), liveTrust.get(cloud), specified));
    }
    return views.isEmpty() ? trust.whoCanAssume() : WhoCanAssume.summarise(views);
  }

  /**
   * Events for {@code kubectl describe}: the cloud's objects first in place (created or adopted),
   * each drift correction, and each new failure reason of the cloud (Conflict, Unauthorized, …) —
   * the Ready transition alone would hide a second cloud failing while Ready is already False.
   */
  private void recordCloudEvents(
      CIFederatedIdentity identity,
      Cloud cloud,
      CloudOutcome outcome,
      CIFederatedIdentityStatus status,
      ConditionBook conditions) {
    if (outcome.status() == True
        && !cloud.isRecordedIn(identity.getStatus())
        && cloud.isRecordedIn(status)) {
      events.record(
          identity, EventRecorder.Type.Normal, "Created", cloud + ": " + outcome.message());
    }
    outcome
        .corrections()
        .forEach(c -> events.record(identity, EventRecorder.Type.Warning, "DriftCorrected", c));
    driftCorrections.ifPresent(d -> d.record(cloud.name(), outcome.corrections().size()));
    boolean sameAsBefore =
        conditions
            .previous(cloud.condition())
            .map(
                before ->
                    before.getReason().equals(outcome.reason().name())
                        && before.getStatus().equals(outcome.status().name()))
            .orElse(false);
    if (outcome.status() == False && !sameAsBefore) {
      events.record(
          identity,
          EventRecorder.Type.Warning,
          outcome.reason().name(),
          cloud + ": " + outcome.message());
    }
  }

  /**
   * The ready-to-paste CI configuration for this identity, as a ConfigMap named in status. A
   * failure to write it is reported as an Event and never fails the reconcile.
   */
  private void publishSnippets(
      CIFederatedIdentity identity,
      IssuerInfo issuer,
      CompiledTrust trust,
      CIFederatedIdentityStatus status) {
    if (snippets.isEmpty()) {
      return;
    }
    try {
      status.setWorkflowSnippets(
          snippets
              .get()
              .publish(identity, WorkflowSnippets.render(identity, issuer, trust, status)));
    } catch (SnippetPublisher.NotPublished e) {
      log.warn("Workflow snippets not published: {}", e.getMessage());
      events.record(identity, EventRecorder.Type.Warning, "SnippetsNotPublished", e.getMessage());
    }
  }

  /**
   * A cloud block removed from the spec takes the cloud's objects with it (per deletionPolicy):
   * otherwise removing and re-adding a block with another account would leave a role nobody
   * manages. Until the adapter is done, the cloud's status block and a False condition stay, so the
   * leftover stays visible.
   */
  private Optional<Duration> releaseRemovedCloud(
      CIFederatedIdentity identity,
      CompiledTrust trust,
      Cloud cloud,
      CIFederatedIdentityStatus status,
      ConditionBook conditions) {
    CloudReconciler adapter = adapters.get(cloud);
    if (adapter == null || !cloud.isRecordedIn(identity.getStatus())) {
      return Optional.empty();
    }
    CloudOutcome outcome = adapter.cleanup(new CloudRequest(identity, trust));
    if (outcome.done()) {
      events.record(
          identity,
          EventRecorder.Type.Normal,
          "CloudRemoved",
          cloud + " block removed from the spec: " + outcome.message());
      return Optional.empty();
    }
    cloud.carryStatus(identity.getStatus(), status);
    conditions.set(
        cloud.condition(),
        False,
        outcome.reason(),
        cloud + " block removed from the spec; removing its objects: " + outcome.message());
    return outcome.retryAfter().or(() -> Optional.of(CLEANUP_RETRY));
  }

  /**
   * Deletion: every configured cloud's adapter removes or releases what it created; the finalizer
   * goes only when all are done. Cleanup must work when the issuer is gone, so the trust may be
   * absent (adapters then use derived names).
   */
  @Override
  public DeleteControl cleanup(CIFederatedIdentity identity, Context<CIFederatedIdentity> context) {
    CompiledTrust trust = compileQuietly(identity, context.getSecondaryResource(CIIssuer.class));
    Optional<Duration> retry = Optional.empty();
    boolean done = true;
    for (Cloud cloud : Cloud.values()) {
      CloudReconciler adapter = adapters.get(cloud);
      if (adapter == null
          || !(cloud.isConfigured(identity.getSpec())
              || cloud.isRecordedIn(identity.getStatus()))) {
        continue;
      }
      CloudOutcome outcome = adapter.cleanup(new CloudRequest(identity, trust));
      if (!outcome.done()) {
        done = false;
        retry = earliest(retry, outcome.retryAfter().or(() -> Optional.of(CLEANUP_RETRY)));
        events.record(
            identity,
            EventRecorder.Type.Warning,
            "CleanupPending",
            cloud + ": " + outcome.message());
      }
    }
    if (done) {
      log.info(
          "Cleaned up {}/{}",
          identity.getMetadata().getNamespace(),
          identity.getMetadata().getName());
      return DeleteControl.defaultDelete();
    }
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(retry.orElse(CLEANUP_RETRY));
  }

  private CompiledTrust compileQuietly(CIFederatedIdentity identity, Optional<CIIssuer> issuer) {
    if (issuer.isEmpty()) {
      return null;
    }
    try {
      return compiler.compile(
          IssuerInfo.from(issuer.get().getSpec()),
          identity.getMetadata().getNamespace(),
          identity.getMetadata().getName(),
          identity.getSpec());
    } catch (TrustCompilationException e) {
      return null;
    }
  }

  private static Optional<Duration> earliest(Optional<Duration> a, Optional<Duration> b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    return Optional.of(a.get().compareTo(b.get()) <= 0 ? a.get() : b.get());
  }

  /**
   * Ready is False when any cloud failed, Unknown while any is pending, True when all are in sync.
   */
  private static void summarise(ConditionBook conditions) {
    List<Condition> clouds = new ArrayList<>();
    for (Cloud cloud : Cloud.values()) {
      conditions.get(cloud.condition()).ifPresent(clouds::add);
    }
    Optional<Condition> failed =
        clouds.stream().filter(c -> False.name().equals(c.getStatus())).findFirst();
    if (failed.isPresent()) {
      conditions.set(ConditionType.Ready, False, ReadyReason.CloudNotReady, describe(failed.get()));
      return;
    }
    List<Condition> pending =
        clouds.stream().filter(c -> Unknown.name().equals(c.getStatus())).toList();
    if (!pending.isEmpty()) {
      boolean allNotImplemented =
          pending.stream().allMatch(c -> CloudReason.NotImplemented.name().equals(c.getReason()));
      conditions.set(
          ConditionType.Ready,
          Unknown,
          allNotImplemented ? ReadyReason.NotImplemented : ReadyReason.CloudNotReady,
          pending.stream().map(IdentityReconciler::describe).collect(Collectors.joining("; ")));
      return;
    }
    conditions.set(
        ConditionType.Ready, True, ReadyReason.Ready, "Every configured cloud is in sync");
  }

  private static String describe(Condition condition) {
    return condition.getType() + " " + condition.getReason() + ": " + condition.getMessage();
  }

  private UpdateControl<CIFederatedIdentity> finish(
      CIFederatedIdentity identity, CIFederatedIdentityStatus status, ConditionBook conditions) {
    status.setObservedGeneration(generation(identity));
    status.setConditions(conditions.conditions());
    recordReadyTransition(identity, conditions);
    if (StatusDiff.same(identity.getStatus(), status)) {
      return UpdateControl.noUpdate();
    }
    log.info(
        "Status of {}/{}: {}",
        identity.getMetadata().getNamespace(),
        identity.getMetadata().getName(),
        conditions.get(ConditionType.Ready).map(IdentityReconciler::describe).orElse("-"));
    // A fresh object carrying only identity and status: server-side apply then owns nothing but the
    // status.
    var patch = new CIFederatedIdentity();
    patch.setMetadata(
        new ObjectMetaBuilder()
            .withName(identity.getMetadata().getName())
            .withNamespace(identity.getMetadata().getNamespace())
            .build());
    patch.setStatus(status);
    return UpdateControl.patchStatus(patch);
  }

  private void recordReadyTransition(CIFederatedIdentity identity, ConditionBook conditions) {
    Optional<Condition> ready = conditions.get(ConditionType.Ready);
    Optional<Condition> before = conditions.previous(ConditionType.Ready);
    if (ready.isEmpty()
        || before.map(b -> b.getReason().equals(ready.get().getReason())).orElse(false)) {
      return;
    }
    Condition now = ready.get();
    events.record(
        identity,
        False.name().equals(now.getStatus())
            ? EventRecorder.Type.Warning
            : EventRecorder.Type.Normal,
        now.getReason(),
        now.getMessage());
  }

  private static List<Condition> previousConditions(CIFederatedIdentity identity) {
    return identity.getStatus() == null ? List.of() : identity.getStatus().getConditions();
  }

  private static Long generation(CIFederatedIdentity identity) {
    return identity.getMetadata().getGeneration();
  }
}
