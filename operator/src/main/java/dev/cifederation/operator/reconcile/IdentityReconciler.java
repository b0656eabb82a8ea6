package dev.cifederation.operator.reconcile;

import static dev.cifederation.operator.api.v1alpha1.ConditionStatus.False;
import static dev.cifederation.operator.api.v1alpha1.ConditionStatus.True;
import static dev.cifederation.operator.api.v1alpha1.ConditionStatus.Unknown;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicy;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionType;
import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.api.v1alpha1.PolicyCompliantReason;
import dev.cifederation.operator.api.v1alpha1.ReadyReason;
import dev.cifederation.operator.api.v1alpha1.SubjectMigrationPhase;
import dev.cifederation.operator.api.v1alpha1.TrustActiveReason;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.CloudRequest.Revocation;
import dev.cifederation.operator.guard.DeclaredSubjects;
import dev.cifederation.operator.guard.PolicyEvaluator;
import dev.cifederation.operator.guard.PolicyVerdict;
import dev.cifederation.operator.guard.TrustGuard;
import dev.cifederation.operator.guard.TrustLint;
import dev.cifederation.operator.observe.CloudPasses;
import dev.cifederation.operator.observe.DriftCorrections;
import dev.cifederation.operator.observe.FindingsGauge;
import dev.cifederation.operator.observe.ReadinessGauge;
import dev.cifederation.operator.snippets.WorkflowSnippets;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.IssuerInfo;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.TrustCompilationException;
import dev.cifederation.operator.trust.TrustCompiler;
import dev.cifederation.operator.trust.WhoCanAssume;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
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
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a CIFederatedIdentity: observe (resolve its CIIssuer) → validate (compile the trust,
 * check the CIFederationPolicies that select its namespace) → reconcile each configured cloud →
 * guard (lint the compiled and the live trust) → status. A policy violation stops before any cloud
 * call. Status is computed afresh on every pass and written only when it changed.
 */
// the identities' cache without managedFields: it holds every identity for the operator's lifetime
@ControllerConfiguration(
    name = IdentityReconciler.NAME,
    informer =
        @Informer(
            itemStore = TrimmedItemStore.class,
            informerListLimit = IdentityReconciler.LIST_PAGE))
public class IdentityReconciler
    implements Reconciler<CIFederatedIdentity>, Cleaner<CIFederatedIdentity> {

  public static final String NAME = "cifederatedidentity";

  /**
   * Items per page of an informer's list: at a start or a relist the API server's answer for
   * thousands of identities is never held in memory at once (measured: 516 MiB RSS during the
   * start-up pass at 5,000 identities with one unpaged list per informer).
   */
  static final long LIST_PAGE = 500;

  static final String ISSUER_INDEX = "spec.issuerRef";
  static final String CRD_NAME = "cifederatedidentities.cifederation.dev";
  private static final Logger log = LoggerFactory.getLogger(IdentityReconciler.class);

  private static final Duration CLEANUP_RETRY = Duration.ofSeconds(30);

  private final TrustCompiler compiler;
  private final Map<Cloud, CloudReconciler> adapters = new EnumMap<>(Cloud.class);
  private final EventRecorder events;
  private final Optional<SnippetPublisher> snippets;
  private final Optional<DriftCorrections> driftCorrections;
  private final FindingsGauge findingsGauge;
  private final ReadinessGauge readiness;
  private final CloudPasses cloudPasses;
  private final Tenancy tenancy;
  private final Clock clock;
  // a pass's second and third cloud: as many threads as passes need at once, idle ones end
  private final AtomicInteger cloudPassThreadCount = new AtomicInteger();
  private final Executor cloudPassThreads =
      Executors.newCachedThreadPool(
          task -> {
            Thread thread =
                new Thread(task, "cloud-pass-" + cloudPassThreadCount.incrementAndGet());
            thread.setDaemon(true);
            return thread;
          });

  /**
   * Without workflow-snippet ConfigMaps, drift metrics or a shared registry for the findings gauge,
   * in single-team mode (tests of the cloud flow).
   */
  public IdentityReconciler(
      TrustCompiler compiler, List<CloudReconciler> adapters, EventRecorder events, Clock clock) {
    this(
        compiler,
        adapters,
        events,
        Optional.empty(),
        Optional.empty(),
        new FindingsGauge(new SimpleMeterRegistry()),
        clock);
  }

  /** In single-team mode (tests of the cloud flow that need no policy). */
  public IdentityReconciler(
      TrustCompiler compiler,
      List<CloudReconciler> adapters,
      EventRecorder events,
      Optional<SnippetPublisher> snippets,
      Optional<DriftCorrections> driftCorrections,
      FindingsGauge findingsGauge,
      Clock clock) {
    this(
        compiler,
        adapters,
        events,
        snippets,
        driftCorrections,
        findingsGauge,
        Tenancy.SINGLE_TEAM,
        clock);
  }

  /** With a readiness gauge of its own (tests, which read none). */
  public IdentityReconciler(
      TrustCompiler compiler,
      List<CloudReconciler> adapters,
      EventRecorder events,
      Optional<SnippetPublisher> snippets,
      Optional<DriftCorrections> driftCorrections,
      FindingsGauge findingsGauge,
      Tenancy tenancy,
      Clock clock) {
    this(
        compiler,
        adapters,
        events,
        snippets,
        driftCorrections,
        findingsGauge,
        new ReadinessGauge(new SimpleMeterRegistry()),
        new CloudPasses(new SimpleMeterRegistry(), clock),
        tenancy,
        clock);
  }

  /**
   * @param snippets publishes the workflow snippets ConfigMap; empty when disabled
   * @param driftCorrections counts corrections per cloud
   * @param findingsGauge exports the current findings by rule and severity
   * @param readiness exports how many identities are Ready, not Ready, unknown
   * @param cloudPasses counts the passes per cloud, changed or not (a steady resync writes nothing)
   * @param tenancy default deny or single-team mode, and the never-delete switch
   */
  public IdentityReconciler(
      TrustCompiler compiler,
      List<CloudReconciler> adapters,
      EventRecorder events,
      Optional<SnippetPublisher> snippets,
      Optional<DriftCorrections> driftCorrections,
      FindingsGauge findingsGauge,
      ReadinessGauge readiness,
      CloudPasses cloudPasses,
      Tenancy tenancy,
      Clock clock) {
    this.readiness = readiness;
    this.cloudPasses = cloudPasses;
    this.compiler = compiler;
    adapters.forEach(adapter -> this.adapters.put(adapter.cloud(), adapter));
    this.events = events;
    this.snippets = snippets;
    this.driftCorrections = driftCorrections;
    this.findingsGauge = findingsGauge;
    this.tenancy = tenancy;
    this.clock = clock;
  }

  /**
   * Identities are re-reconciled when the CIIssuer they reference appears, changes or goes away;
   * when any CIFederationPolicy changes (each identity then finds the policies that select it); and
   * when their namespace's labels change (which decide the selection); when a cloud's scheduled
   * scan of their account, pool or resource group finds their objects changed; and when their
   * workflow-snippet ConfigMap is edited or deleted.
   */
  @Override
  public List<EventSource<?, CIFederatedIdentity>> prepareEventSources(
      EventSourceContext<CIFederatedIdentity> context) {
    var identities = context.getPrimaryCache();
    identities.addIndexer(ISSUER_INDEX, identity -> List.of(identity.getSpec().getIssuerRef()));
    var issuers =
        InformerEventSourceConfiguration.from(CIIssuer.class, CIFederatedIdentity.class)
            .withItemStore(new TrimmedItemStore<>())
            .withInformerListLimit(LIST_PAGE)
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
    // every identity may be selected by every policy: a policy event re-evaluates them all, and
    // each identity sees every policy (policies are few and change rarely)
    AtomicReference<InformerEventSource<CIFederationPolicy, CIFederatedIdentity>> policySource =
        new AtomicReference<>();
    var policies =
        InformerEventSourceConfiguration.from(CIFederationPolicy.class, CIFederatedIdentity.class)
            .withItemStore(new TrimmedItemStore<>())
            .withInformerListLimit(LIST_PAGE)
            .withWatchAllNamespaces()
            .withSecondaryToPrimaryMapper(
                policy ->
                    identities.list().map(ResourceID::fromResource).collect(Collectors.toSet()))
            .withPrimaryToSecondaryMapper(
                (CIFederatedIdentity identity) ->
                    policySource.get() == null
                        ? Set.of()
                        : policySource
                            .get()
                            .list()
                            .map(ResourceID::fromResource)
                            .collect(Collectors.toSet()))
            .build();
    policySource.set(new InformerEventSource<>(policies, context));
    var namespaces =
        InformerEventSourceConfiguration.from(Namespace.class, CIFederatedIdentity.class)
            .withItemStore(new TrimmedItemStore<>())
            .withInformerListLimit(LIST_PAGE)
            .withWatchAllNamespaces()
            .withSecondaryToPrimaryMapper(
                namespace ->
                    identities
                        .list(namespace.getMetadata().getName())
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .withPrimaryToSecondaryMapper(
                (CIFederatedIdentity identity) ->
                    Set.of(new ResourceID(identity.getMetadata().getNamespace())))
            .build();
    // each cloud reads its scopes on a schedule; drift a scan finds reconciles the identity at once
    var scans = new ScanDriftSource();
    adapters.values().forEach(adapter -> adapter.scanScopes(scans));
    List<EventSource<?, CIFederatedIdentity>> sources = new ArrayList<>();
    sources.add(new InformerEventSource<>(issuers, context));
    sources.add(policySource.get());
    sources.add(new InformerEventSource<>(namespaces, context));
    sources.add(scans);
    // the snippet ConfigMaps: compared from this cache, and restored when edited or deleted
    snippets.ifPresent(publisher -> sources.add(publisher.eventSource(context)));
    return sources;
  }

  @Override
  public UpdateControl<CIFederatedIdentity> reconcile(
      CIFederatedIdentity identity, Context<CIFederatedIdentity> context) {
    return CachedStatusWrite.apply(identity, pass(identity, context), context);
  }

  /**
   * One pass over the identity: every cloud call it needs, its events, and the outcome — the status
   * to write when it changed, and when to come back. Nothing is written to the identity itself.
   */
  UpdateControl<CIFederatedIdentity> pass(
      CIFederatedIdentity identity, Context<CIFederatedIdentity> context) {
    CIFederatedIdentitySpec spec = identity.getSpec();
    var status = new CIFederatedIdentityStatus();
    var conditions = new ConditionBook(previousConditions(identity), generation(identity), clock);

    PolicyVerdict verdict =
        PolicyEvaluator.evaluate(
            spec,
            identity.getMetadata().getNamespace(),
            namespaceLabels(identity, context),
            policies(context),
            tenancy.ungoverned());
    conditions.set(
        ConditionType.PolicyCompliant,
        verdict.compliant() ? True : False,
        verdict.reason(),
        verdict.message());
    Optional<Revocation> revocation = revocation(spec, verdict);

    // the trust, when the issuer exists and the spec compiles; a revocation does not need it
    Optional<CIIssuer> issuer = context.getSecondaryResource(CIIssuer.class);
    IssuerInfo issuerInfo = issuer.map(i -> IssuerInfo.from(i.getSpec())).orElse(null);
    CompiledTrust trust = null;
    String notCompiled = null;
    ReadyReason notCompiledReason = null;
    if (issuerInfo == null) {
      notCompiledReason = ReadyReason.IssuerNotFound;
      notCompiled =
          "CIIssuer " + spec.getIssuerRef() + " does not exist; create it or fix spec.issuerRef";
    } else {
      try {
        trust =
            compiler.compile(
                issuerInfo,
                identity.getMetadata().getNamespace(),
                identity.getMetadata().getName(),
                spec);
        status.setSubject(trust.subject());
        status.setSubjectMigrationPhase(trust.migrationPhase());
        status.setWhoCanAssume(trust.whoCanAssume());
      } catch (TrustCompilationException e) {
        notCompiledReason = ReadyReason.InvalidSpec;
        notCompiled = e.getMessage();
      }
    }
    var limits = new TrustLint.Limits(verdict.sessionCap());
    if (trust != null) {
      // live trusts of this issuer are held against the subjects it declares
      limits = limits.declaring(DeclaredSubjects.of(issuerInfo, spec, trust.migrationPhase()));
    }

    if (!verdict.compliant() && !recordsAnyCloud(identity)) {
      // fail closed: nothing was ever granted here, so no cloud is called at all
      conditions.set(
          ConditionType.TrustActive,
          False,
          TrustActiveReason.Revoked,
          "Nothing is granted while PolicyCompliant is False");
      if (trust != null) {
        guard(identity, trust, status, conditions, new Passes(), limits);
      }
      conditions.set(
          ConditionType.Ready,
          False,
          ReadyReason.PolicyViolation,
          verdict.message() + "; no cloud is called until the identity complies");
      return finish(identity, status, conditions);
    }
    if (revocation.isPresent()) {
      return revoke(identity, trust, verdict, revocation.get(), status, conditions, limits);
    }
    if (trust == null) {
      carryRecordedClouds(identity, status);
      conditions.set(ConditionType.Ready, False, notCompiledReason, notCompiled);
      return finish(identity, status, conditions);
    }

    conditions.set(
        ConditionType.TrustActive, True, TrustActiveReason.Active, "The clouds trust the subject");
    Passes passes = new Passes();
    Optional<Duration> retry =
        reconcileClouds(identity, trust, verdict, Optional.empty(), status, conditions, passes);
    publishSnippets(identity, issuerInfo, trust, status);
    guard(identity, trust, status, conditions, passes, limits);
    summarise(conditions);
    refusedByCloud(passes, conditions);
    UpdateControl<CIFederatedIdentity> control = finish(identity, status, conditions);
    return earliest(retry, migrationWindowEnd(trust, spec))
        .map(control::rescheduleAfter)
        .orElse(control);
  }

  /** During a subject migration, come back when the window ends to drop the old subject. */
  private static Optional<Duration> migrationWindowEnd(
      CompiledTrust trust, CIFederatedIdentitySpec spec) {
    if (trust.migrationPhase() != SubjectMigrationPhase.BothSubjects) {
      return Optional.empty();
    }
    Duration left =
        Duration.between(
            java.time.Instant.now(),
            java.time.Instant.parse(spec.getSubjectMigration().getDropNamesAfter()));
    return Optional.of(left.isNegative() ? Duration.ZERO : left.plusSeconds(1));
  }

  /**
   * Why the trust must be withdrawn, if it must: the identity no longer complies (Revoked), or a
   * selecting policy or the identity itself suspends it. An administrator's suspend is named before
   * the identity's own.
   */
  private static Optional<Revocation> revocation(
      CIFederatedIdentitySpec spec, PolicyVerdict verdict) {
    if (!verdict.compliant()) {
      return Optional.of(
          new Revocation(
              TrustActiveReason.Revoked,
              "the identity no longer complies with policy (" + verdict.reason() + ")",
              true));
    }
    if (verdict.suspendedBy().isPresent()) {
      return Optional.of(
          new Revocation(
              TrustActiveReason.Suspended,
              verdict.suspendedBy().get() + " suspends every identity it selects",
              true));
    }
    if (spec.isSuspend()) {
      return Optional.of(new Revocation(TrustActiveReason.Suspended, "spec.suspend is true"));
    }
    return Optional.empty();
  }

  /**
   * The incident button: every cloud the status records withdraws its trust in place, keeping the
   * objects so that ids come back unchanged; a cloud block removed from the spec is released as
   * usual; nothing is created. Works without a compiled trust, so a spec broken on purpose cannot
   * dodge it.
   */
  private UpdateControl<CIFederatedIdentity> revoke(
      CIFederatedIdentity identity,
      CompiledTrust trust,
      PolicyVerdict verdict,
      Revocation revocation,
      CIFederatedIdentityStatus status,
      ConditionBook conditions,
      TrustLint.Limits limits) {
    Passes passes = new Passes();
    Optional<Duration> retry =
        reconcileClouds(
            identity, trust, verdict, Optional.of(revocation), status, conditions, passes);
    boolean withdrawn =
        Arrays.stream(Cloud.values())
            .map(cloud -> conditions.get(cloud.condition()))
            .flatMap(Optional::stream)
            .allMatch(c -> CloudReason.Revoked.name().equals(c.getReason()));
    String message =
        (withdrawn ? "Trust withdrawn in place, objects kept: " : "Withdrawing the trust: ")
            + revocation.message();
    conditions.set(ConditionType.TrustActive, False, revocation.reason(), message);
    if (trust != null) {
      guard(identity, trust, status, conditions, passes, limits);
    }
    if (revocation.reason() == TrustActiveReason.Revoked) {
      conditions.set(
          ConditionType.Ready,
          False,
          ReadyReason.Revoked,
          verdict.message()
              + "; "
              + message.substring(0, 1).toLowerCase(Locale.ROOT)
              + message.substring(1));
    } else {
      conditions.set(ConditionType.Ready, False, ReadyReason.Suspended, message);
    }
    if (!conditions
        .previous(ConditionType.TrustActive)
        .map(c -> c.getReason().equals(revocation.reason().name()))
        .orElse(false)) {
      events.record(identity, EventRecorder.Type.Warning, revocation.reason().name(), message);
    }
    UpdateControl<CIFederatedIdentity> control = finish(identity, status, conditions);
    return retry.map(control::rescheduleAfter).orElse(control);
  }

  /**
   * A refusal only the cloud could decide (an Azure role given by a GUID that resolves to a
   * forbidden role, or resolves to nothing) is a policy refusal too.
   */
  private static void refusedByCloud(Passes passes, ConditionBook conditions) {
    for (Cloud cloud : Cloud.values()) {
      Optional<Condition> condition = conditions.get(cloud.condition());
      if (condition.isPresent()
          && CloudReason.ForbiddenByPolicy.name().equals(condition.get().getReason())) {
        conditions.set(
            ConditionType.PolicyCompliant,
            False,
            PolicyCompliantReason.ForbiddenRole,
            condition.get().getMessage());
        conditions.set(
            ConditionType.Ready,
            False,
            ReadyReason.PolicyViolation,
            cloud + ": " + condition.get().getMessage());
        return;
      }
    }
  }

  private static boolean recordsAnyCloud(CIFederatedIdentity identity) {
    return Arrays.stream(Cloud.values()).anyMatch(c -> c.isRecordedIn(identity.getStatus()));
  }

  /** Keeps what earlier passes recorded in status, for a later revocation or cleanup. */
  private static void carryRecordedClouds(
      CIFederatedIdentity identity, CIFederatedIdentityStatus status) {
    for (Cloud cloud : Cloud.values()) {
      if (cloud.isRecordedIn(identity.getStatus())) {
        cloud.carryStatus(identity.getStatus(), status);
      }
    }
  }

  /** What the adapters handed back in this pass for the guardrails. */
  private static final class Passes {
    /** The trust each cloud had live in this pass, for the lint and for who can assume it. */
    final Map<Cloud, LiveTrust> live = new EnumMap<>(Cloud.class);

    final List<Finding> findings = new ArrayList<>();
  }

  /**
   * The trust lint over the compiled trust and the live trust the adapters read, plus what the
   * adapters found: status.findings, TrustHealthy (reason: the worst rule), a Warning Event for
   * each finding that is new since the last status, and the findings gauge.
   */
  private void guard(
      CIFederatedIdentity identity,
      CompiledTrust trust,
      CIFederatedIdentityStatus status,
      ConditionBook conditions,
      Passes passes,
      TrustLint.Limits limits) {
    List<Finding> findings =
        TrustGuard.review(
            trust, identity.getSpec(), List.copyOf(passes.live.values()), passes.findings, limits);
    status.setFindings(findings);
    if (findings.isEmpty()) {
      conditions.set(
          ConditionType.TrustHealthy,
          True,
          TrustGuard.reason(findings),
          "No unsafe trust condition in the spec or the live clouds");
    } else {
      Finding worst = findings.get(0);
      conditions.set(
          ConditionType.TrustHealthy,
          False,
          TrustGuard.reason(findings),
          findings.size()
              + " finding(s), worst "
              + worst.getSeverity()
              + " in "
              + worst.getCloud()
              + ": "
              + worst.getMessage());
    }
    Set<String> known = new HashSet<>();
    if (identity.getStatus() != null && identity.getStatus().getFindings() != null) {
      identity.getStatus().getFindings().forEach(f -> known.add(TrustGuard.key(f)));
    }
    findings.stream()
        .filter(f -> !known.contains(TrustGuard.key(f)))
        .forEach(
            f ->
                events.record(
                    identity,
                    EventRecorder.Type.Warning,
                    f.getRule(),
                    f.getSeverity() + " (" + f.getCloud() + "): " + f.getMessage()));
    findingsGauge.record(key(identity), findings);
  }

  private static String key(CIFederatedIdentity identity) {
    return identity.getMetadata().getNamespace() + "/" + identity.getMetadata().getName();
  }

  /**
   * The labels of the identity's namespace, which decide which policies select it: from the
   * informer, else read (a namespace created a moment ago may not be in the cache yet, and guessing
   * "no labels" could let the default apply where a policy should).
   */
  private static Map<String, String> namespaceLabels(
      CIFederatedIdentity identity, Context<CIFederatedIdentity> context) {
    Optional<Namespace> namespace = context.getSecondaryResource(Namespace.class);
    if (namespace.isEmpty()) {
      namespace =
          Optional.ofNullable(
              context
                  .getClient()
                  .namespaces()
                  .withName(identity.getMetadata().getNamespace())
                  .get());
    }
    return namespace
        .map(n -> n.getMetadata().getLabels())
        .map(labels -> (Map<String, String>) labels)
        .orElse(Map.of());
  }

  private static List<CIFederationPolicy> policies(Context<CIFederatedIdentity> context) {
    return List.copyOf(context.getSecondaryResources(CIFederationPolicy.class));
  }

  /**
   * Each configured cloud goes to its adapter; a cloud without an adapter in this build says so
   * rather than pretending. Returns the earliest retry any adapter asked for.
   */
  private Optional<Duration> reconcileClouds(
      CIFederatedIdentity identity,
      CompiledTrust trust,
      PolicyVerdict verdict,
      Optional<Revocation> revocation,
      CIFederatedIdentityStatus status,
      ConditionBook conditions,
      Passes passes) {
    Map<Cloud, Future<CloudOutcome>> passed = passClouds(identity, trust, verdict, revocation);
    Optional<Duration> retry = Optional.empty();
    for (Cloud cloud : Cloud.values()) {
      if (!cloud.isConfigured(identity.getSpec())) {
        retry = earliest(retry, releaseRemovedCloud(identity, trust, cloud, status, conditions));
        continue;
      }
      if (revocation.isPresent() && !cloud.isRecordedIn(identity.getStatus())) {
        // withdrawn before it was ever created: nothing to call
        conditions.set(
            cloud.condition(),
            False,
            CloudReason.Revoked,
            "Nothing is created while the trust is withdrawn: " + revocation.get().message());
        continue;
      }
      if (!adapters.containsKey(cloud)) {
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
      CloudOutcome outcome = outcomeOf(passed.get(cloud));
      conditions.set(cloud.condition(), outcome.status(), outcome.reason(), outcome.message());
      outcome.writeBlock(cloud, status);
      passes.findings.addAll(outcome.findings());
      outcome.liveTrust().ifPresent(live -> passes.live.put(cloud, live));
      recordCloudEvents(identity, cloud, outcome, status, conditions);
      retry = earliest(retry, outcome.retryAfter());
    }
    if (trust != null) {
      status.setWhoCanAssume(whoCanAssume(trust, passes.live));
    }
    return retry;
  }

  /**
   * Runs the pass of every cloud the identity declares and an adapter manages, unless the trust is
   * withdrawn before that cloud was ever created. The clouds share nothing but the identity, so
   * they run side by side and a pass takes as long as its slowest cloud, not the sum (each waits
   * for its cloud's calls, and GCP's and Azure's for the passes they join). The first runs on this
   * thread, and all are done when this returns: no cloud's pass outlives its reconcile.
   */
  private Map<Cloud, Future<CloudOutcome>> passClouds(
      CIFederatedIdentity identity,
      CompiledTrust trust,
      PolicyVerdict verdict,
      Optional<Revocation> revocation) {
    Map<Cloud, FutureTask<CloudOutcome>> passes = new EnumMap<>(Cloud.class);
    for (Cloud cloud : Cloud.values()) {
      CloudReconciler adapter = adapters.get(cloud);
      if (adapter != null
          && cloud.isConfigured(identity.getSpec())
          && (revocation.isEmpty() || cloud.isRecordedIn(identity.getStatus()))) {
        CloudRequest request = request(identity, trust, cloud, verdict, revocation);
        passes.put(cloud, new FutureTask<>(() -> adapter.reconcile(request)));
      }
    }
    List<FutureTask<CloudOutcome>> tasks = List.copyOf(passes.values());
    for (int i = 1; i < tasks.size(); i++) {
      cloudPassThreads.execute(tasks.get(i));
    }
    if (!tasks.isEmpty()) {
      tasks.get(0).run();
    }
    boolean interrupted = false;
    for (FutureTask<CloudOutcome> task : tasks) {
      while (!task.isDone()) {
        try {
          task.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          // read with the outcome
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return Map.copyOf(passes);
  }

  /** The outcome of a cloud's finished pass; its failure as it was thrown. */
  private static CloudOutcome outcomeOf(Future<CloudOutcome> pass) {
    try {
      return pass.get();
    } catch (InterruptedException e) {
      throw new IllegalStateException("a finished pass does not wait", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private CloudRequest request(
      CIFederatedIdentity identity,
      CompiledTrust trust,
      Cloud cloud,
      PolicyVerdict verdict,
      Optional<Revocation> revocation) {
    PolicyEvaluator.Target target =
        switch (cloud) {
          case AWS -> PolicyEvaluator.Target.aws;
          case GCP -> PolicyEvaluator.Target.gcp;
          case Azure -> PolicyEvaluator.Target.azure;
        };
    return new CloudRequest(
        identity,
        trust,
        revocation,
        tenancy.deletionPolicy(identity.getSpec().getDeletionPolicy()),
        new CloudRequest.Grants(
            verdict.adoptable(target),
            cloud == Cloud.Azure ? verdict.forbiddenRoles() : List.of()));
  }

  /** A request for cleanup: no grants are needed to remove what the identity has. */
  private CloudRequest cleanupRequest(CIFederatedIdentity identity, CompiledTrust trust) {
    return new CloudRequest(
        identity,
        trust,
        Optional.empty(),
        tenancy.deletionPolicy(identity.getSpec().getDeletionPolicy()),
        CloudRequest.Grants.NONE);
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
      // under Observe nothing was created: the cloud's objects were found and recorded
      String reason = outcome.reason() == CloudReason.Observed ? "Observed" : "Created";
      events.record(identity, EventRecorder.Type.Normal, reason, cloud + ": " + outcome.message());
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
    // the block's lastSyncTime moves whenever the pass wrote, so an equal block means no write
    boolean blockAsBefore =
        identity.getStatus() != null
            && StatusDiff.same(
                cloud.blockIn(identity.getStatus()).orElse(null), outcome.block().orElse(null));
    cloudPasses.record(cloud.name(), !(sameAsBefore && blockAsBefore));
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
    CloudOutcome outcome = adapter.cleanup(cleanupRequest(identity, trust));
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
    if (crdBeingDeleted(context)) {
      // `kubectl delete crd` takes every identity with it; that must not wipe every role, pool
      // provider and managed identity in every cloud. The objects stay, marked as they are.
      log.warn(
          "The CIFederatedIdentity CRD is being deleted: {} released, its cloud objects retained",
          key(identity));
      events.record(
          identity,
          EventRecorder.Type.Warning,
          "Retained",
          "The CIFederatedIdentity CRD is being deleted: the cloud objects are kept as they are");
      findingsGauge.forget(key(identity));
      return DeleteControl.defaultDelete();
    }
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
      CloudOutcome outcome = adapter.cleanup(cleanupRequest(identity, trust));
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
      findingsGauge.forget(key(identity));
      readiness.forget(key(identity));
      log.info(
          "Cleaned up {}/{}",
          identity.getMetadata().getNamespace(),
          identity.getMetadata().getName());
      return DeleteControl.defaultDelete();
    }
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(retry.orElse(CLEANUP_RETRY));
  }

  /**
   * Whether the CIFederatedIdentity CRD itself is being deleted. When it cannot be read, cleanup
   * follows the deletion policy as usual.
   */
  private static boolean crdBeingDeleted(Context<CIFederatedIdentity> context) {
    try {
      var crd =
          context
              .getClient()
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .withName(CRD_NAME)
              .get();
      return crd != null && crd.getMetadata().getDeletionTimestamp() != null;
    } catch (RuntimeException e) {
      // forbidden, unreachable, or a client that cannot say: follow the deletion policy
      log.warn("Could not read CRD {}: {}; cleanup follows deletionPolicy", CRD_NAME, e.toString());
      return false;
    }
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
    readiness.record(
        key(identity), conditions.get(ConditionType.Ready).map(Condition::getStatus).orElse(null));
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
