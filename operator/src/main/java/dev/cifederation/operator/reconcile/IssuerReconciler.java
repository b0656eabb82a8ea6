package dev.cifederation.operator.reconcile;

import static dev.cifederation.operator.api.v1alpha1.ConditionStatus.False;
import static dev.cifederation.operator.api.v1alpha1.ConditionStatus.True;
import static dev.cifederation.operator.api.v1alpha1.ConditionStatus.Unknown;

import dev.cifederation.operator.api.v1alpha1.AwsProviderStatus;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicy;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.api.v1alpha1.CIIssuerSpec;
import dev.cifederation.operator.api.v1alpha1.CIIssuerStatus;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.ConditionType;
import dev.cifederation.operator.api.v1alpha1.HostThumbprint;
import dev.cifederation.operator.api.v1alpha1.IssuerReachableReason;
import dev.cifederation.operator.api.v1alpha1.IssuerReadyReason;
import dev.cifederation.operator.api.v1alpha1.ThumbprintsReason;
import dev.cifederation.operator.cloud.OidcProviders;
import dev.cifederation.operator.cloud.ProviderReport;
import dev.cifederation.operator.guard.PolicyEvaluator;
import dev.cifederation.operator.guard.PolicyVerdict;
import dev.cifederation.operator.issuer.HostChain;
import dev.cifederation.operator.issuer.IssuerCheckException;
import dev.cifederation.operator.issuer.IssuerHealth;
import dev.cifederation.operator.issuer.IssuerProbe;
import dev.cifederation.operator.issuer.KnownThumbprints;
import dev.cifederation.operator.issuer.ThumbprintPlan;
import dev.cifederation.operator.issuer.ThumbprintPlan.Policy;
import dev.cifederation.operator.observe.CertificateExpiry;
import dev.cifederation.operator.trust.IssuerInfo;
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
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a CIIssuer: observe (OIDC discovery, JWKS and the TLS chains of both hosts) → decide
 * (the thumbprints each AWS provider of the issuer should list) → keep the providers in the
 * accounts its identities use → status, Events and the expiry metric.
 *
 * <p>Fails closed: when the check fails nothing is written anywhere — registered thumbprints and
 * roles stay as they are — and the check is retried with a backoff that doubles while the failure
 * lasts (bounded by the resync interval). A CIIssuer is not deleted while identities reference it.
 */
@ControllerConfiguration(name = IssuerReconciler.NAME)
public class IssuerReconciler implements Reconciler<CIIssuer>, Cleaner<CIIssuer> {

  public static final String NAME = "ciissuer";
  private static final Logger log = LoggerFactory.getLogger(IssuerReconciler.class);
  private static final Duration MIN_BACKOFF = Duration.ofSeconds(5);

  private final IssuerProbe probe;
  private final Optional<OidcProviders> aws;
  private final KnownThumbprints known;
  private final CertificateExpiry expiry;
  private final EventRecorder events;
  private final Duration resyncInterval;
  private final Tenancy tenancy;
  private final Clock clock;

  /** The last "deletion blocked" message per issuer, so that each new one is recorded once. */
  private final Map<String, String> blockedDeletions = new ConcurrentHashMap<>();

  public IssuerReconciler(
      IssuerProbe probe,
      Optional<OidcProviders> aws,
      KnownThumbprints known,
      CertificateExpiry expiry,
      EventRecorder events,
      Duration resyncInterval,
      Clock clock) {
    this(probe, aws, known, expiry, events, resyncInterval, Tenancy.SINGLE_TEAM, clock);
  }

  /**
   * @param tenancy decides which identities' AWS accounts the issuer may touch: only those of
   *     identities that comply with the policies selecting their namespace
   */
  public IssuerReconciler(
      IssuerProbe probe,
      Optional<OidcProviders> aws,
      KnownThumbprints known,
      CertificateExpiry expiry,
      EventRecorder events,
      Duration resyncInterval,
      Tenancy tenancy,
      Clock clock) {
    this.probe = probe;
    this.aws = aws;
    this.known = known;
    this.expiry = expiry;
    this.events = events;
    this.resyncInterval = resyncInterval;
    this.tenancy = tenancy;
    this.clock = clock;
  }

  /**
   * The identities that reference an issuer are its secondaries: they name the AWS accounts whose
   * providers it keeps, and they block its deletion. Only changes that matter wake the issuer (a
   * reference or an account changed, an identity appeared or went), not their status writes.
   */
  @Override
  public List<EventSource<?, CIIssuer>> prepareEventSources(EventSourceContext<CIIssuer> context) {
    var identities =
        InformerEventSourceConfiguration.from(CIFederatedIdentity.class, CIIssuer.class)
            .withWatchAllNamespaces()
            // a second cache of every identity: names and spec are all this reconciler reads
            .withItemStore(TrimmedItemStore.identitiesWithoutStatus())
            .withInformerListLimit(IdentityReconciler.LIST_PAGE)
            .withSecondaryToPrimaryMapper(
                (CIFederatedIdentity identity) ->
                    Set.of(new ResourceID(identity.getSpec().getIssuerRef())))
            .withOnUpdateFilter(
                (newer, older) ->
                    !Objects.equals(newer.getSpec().getIssuerRef(), older.getSpec().getIssuerRef())
                        || !Objects.equals(accountOf(newer), accountOf(older)))
            .build();
    return List.of(new InformerEventSource<>(identities, context));
  }

  @Override
  public UpdateControl<CIIssuer> reconcile(CIIssuer issuer, Context<CIIssuer> context) {
    return CachedStatusWrite.apply(issuer, check(issuer, context), context);
  }

  /**
   * One check of the issuer: its outcome is the status to write when it changed, and the next
   * check.
   */
  private UpdateControl<CIIssuer> check(CIIssuer issuer, Context<CIIssuer> context) {
    CIIssuerSpec spec = issuer.getSpec();
    String name = issuer.getMetadata().getName();
    CIIssuerStatus previous =
        issuer.getStatus() == null ? new CIIssuerStatus() : issuer.getStatus();
    var conditions = new ConditionBook(previous.getConditions(), generation(issuer), clock);
    var status = new CIIssuerStatus();
    status.setLastCheckedTime(now());

    IssuerHealth health;
    try {
      health = probe.check(spec.getUrl(), spec.getCaBundle());
    } catch (IssuerCheckException e) {
      return unreachable(issuer, previous, status, conditions, e);
    }

    status.setJwksUri(health.jwksUri());
    status.setThumbprints(health.hosts().stream().map(IssuerReconciler::hostThumbprint).toList());
    recordRotations(issuer, previous, health);
    expiry.record(
        name,
        health.hosts().stream()
            .collect(
                Collectors.toMap(
                    HostChain::host, HostChain::earliestExpiry, (a, b) -> a, LinkedHashMap::new)));
    conditions.set(
        ConditionType.IssuerReachable,
        True,
        IssuerReachableReason.Reachable,
        "discovery at "
            + spec.getUrl()
            + " names the issuer; JWKS at "
            + health.jwksUri()
            + " lists keys; thumbprints "
            + describe(health));

    Policy policy = ThumbprintPlan.policy(spec.getThumbprints(), spec.getUrl());
    List<String> pinned = pinned(spec);
    Set<String> live = health.thumbprints();
    known.put(spec.getUrl(), ThumbprintPlan.forNewProvider(policy, pinned, live));
    Set<String> previouslyLive = new TreeSet<>();
    previous.getThumbprints().forEach(t -> previouslyLive.add(t.getSha1()));

    List<ProviderReport> reports = new ArrayList<>();
    String audience = IssuerInfo.from(spec).awsAudience();
    for (String account : accounts(context, tenancy)) {
      if (aws.isEmpty()) {
        continue;
      }
      ProviderReport report =
          aws.get()
              .keepThumbprints(
                  account,
                  spec.getUrl(),
                  registered ->
                      ThumbprintPlan.next(policy, pinned, live, previouslyLive, registered));
      if (report.written()) {
        log.info("CIIssuer {}: {}", name, report.message());
        events.record(issuer, EventRecorder.Type.Normal, "ThumbprintsUpdated", report.message());
      }
      reports.add(report);
      status.getAws().add(providerStatus(report, policy, pinned, live, audience));
    }

    thumbprintsCondition(issuer, policy, pinned, health, reports, conditions);
    boolean current =
        conditions
            .get(ConditionType.ThumbprintsCurrent)
            .map(c -> True.name().equals(c.getStatus()))
            .orElse(false);
    if (current || policy == Policy.Off) {
      conditions.set(
          ConditionType.Ready,
          True,
          IssuerReadyReason.Ready,
          current
              ? "the issuer is reachable and its thumbprints are current"
              : "the issuer is reachable; thumbprints are not managed (mode Off)");
    } else {
      conditions.set(
          ConditionType.Ready,
          False,
          IssuerReadyReason.ThumbprintsNotCurrent,
          conditions.get(ConditionType.ThumbprintsCurrent).map(Condition::getMessage).orElse(""));
    }
    UpdateControl<CIIssuer> control = finish(issuer, status, conditions);
    boolean awsFailed = reports.stream().anyMatch(r -> r.state() == ProviderReport.State.Failed);
    return awsFailed ? control.rescheduleAfter(backoff(Duration.ofSeconds(30))) : control;
  }

  /**
   * Fail closed: nothing is written to any cloud, the last known thumbprints and providers stay in
   * status, and the check is retried with backoff.
   */
  private UpdateControl<CIIssuer> unreachable(
      CIIssuer issuer,
      CIIssuerStatus previous,
      CIIssuerStatus status,
      ConditionBook conditions,
      IssuerCheckException e) {
    status.setJwksUri(previous.getJwksUri());
    status.setThumbprints(previous.getThumbprints());
    status.setAws(previous.getAws());
    conditions.set(ConditionType.IssuerReachable, False, e.reason(), e.getMessage());
    conditions.set(
        ConditionType.ThumbprintsCurrent,
        Unknown,
        ThumbprintsReason.NotChecked,
        "the issuer could not be checked; the AWS providers' thumbprints and every role are left"
            + " as they are");
    conditions.set(
        ConditionType.Ready,
        False,
        IssuerReadyReason.IssuerUnreachable,
        e.reason() + ": " + e.getMessage());
    boolean wasFailing =
        conditions
            .previous(ConditionType.IssuerReachable)
            .map(c -> False.name().equals(c.getStatus()) && e.reason().name().equals(c.getReason()))
            .orElse(false);
    if (!wasFailing) {
      log.warn(
          "CIIssuer {} unreachable ({}): {}",
          issuer.getMetadata().getName(),
          e.reason(),
          e.getMessage());
    }
    Instant since =
        conditions
            .get(ConditionType.IssuerReachable)
            .map(c -> Instant.parse(c.getLastTransitionTime()))
            .orElse(clock.instant());
    return finish(issuer, status, conditions)
        .rescheduleAfter(backoff(Duration.between(since, clock.instant())));
  }

  private void thumbprintsCondition(
      CIIssuer issuer,
      Policy policy,
      List<String> pinned,
      IssuerHealth health,
      List<ProviderReport> reports,
      ConditionBook conditions) {
    Set<String> live = health.thumbprints();
    List<String> unpinned = ThumbprintPlan.unpinned(pinned, live);
    List<ProviderReport> failed =
        reports.stream().filter(r -> r.state() == ProviderReport.State.Failed).toList();
    List<ProviderReport> outdated =
        reports.stream()
            .filter(
                r ->
                    (r.state() == ProviderReport.State.Present
                            || r.state() == ProviderReport.State.NotOwned)
                        && !ThumbprintPlan.current(policy, pinned, live, r.thumbprints()))
            .toList();
    if (policy == Policy.Pinned && !unpinned.isEmpty()) {
      String message =
          "the live chain presents "
              + hostsServing(health, unpinned)
              + ", which spec.thumbprints.pinned "
              + pinned
              + " does not list; the providers are kept at the pinned thumbprints, and tokens fail"
              + " verification where AWS checks them";
      setAndReport(
          issuer,
          conditions,
          False,
          ThumbprintsReason.PinnedMismatch,
          message,
          "PinnedThumbprintMismatch");
    } else if (!failed.isEmpty()) {
      setAndReport(
          issuer,
          conditions,
          False,
          ThumbprintsReason.AwsError,
          failed.stream()
              .map(r -> "account " + r.accountId() + ": " + r.failure() + ": " + r.message())
              .collect(Collectors.joining("; ")),
          "ThumbprintsNotUpdated");
    } else if (policy == Policy.NotRequired) {
      conditions.set(
          ConditionType.ThumbprintsCurrent,
          True,
          ThumbprintsReason.NotRequired,
          "AWS validates this issuer with its own library of trusted CAs and ignores thumbprints;"
              + " live thumbprints "
              + describe(health));
    } else if (!outdated.isEmpty()) {
      setAndReport(
          issuer,
          conditions,
          False,
          ThumbprintsReason.Outdated,
          outdated.stream()
                  .map(
                      r ->
                          r.state() == ProviderReport.State.NotOwned
                              ? r.message()
                              : r.providerArn() + " lists " + r.thumbprints())
                  .collect(Collectors.joining("; "))
              + "; live: "
              + describe(health)
              + (policy == Policy.Off ? " (mode Off: the operator leaves them alone)" : ""),
          "ThumbprintsOutdated");
    } else {
      long present =
          reports.stream().filter(r -> r.state() == ProviderReport.State.Present).count();
      conditions.set(
          ConditionType.ThumbprintsCurrent,
          True,
          ThumbprintsReason.Current,
          present == 0
              ? "no AWS provider of this issuer exists yet; new ones get " + describe(health)
              : present + " AWS provider(s) list the live thumbprints " + describe(health));
    }
  }

  /** Sets a False condition; a new or changed one is logged and becomes a Warning Event. */
  private void setAndReport(
      CIIssuer issuer,
      ConditionBook conditions,
      ConditionStatus status,
      ThumbprintsReason reason,
      String message,
      String eventReason) {
    conditions.set(ConditionType.ThumbprintsCurrent, status, reason, message);
    boolean same =
        conditions
            .previous(ConditionType.ThumbprintsCurrent)
            .map(c -> reason.name().equals(c.getReason()) && message.equals(c.getMessage()))
            .orElse(false);
    if (!same) {
      log.warn("CIIssuer {}: {}: {}", issuer.getMetadata().getName(), reason, message);
      events.record(issuer, EventRecorder.Type.Warning, eventReason, message);
    }
  }

  /** A host whose thumbprint differs from the last check's: a rotation. */
  private void recordRotations(CIIssuer issuer, CIIssuerStatus previous, IssuerHealth health) {
    Map<String, String> before = new LinkedHashMap<>();
    previous.getThumbprints().forEach(t -> before.put(t.getHost(), t.getSha1()));
    for (HostChain host : health.hosts()) {
      String old = before.get(host.host());
      if (old != null && !old.equals(host.sha1())) {
        String message =
            "host "
                + host.host()
                + " now presents thumbprint "
                + host.sha1()
                + " (was "
                + old
                + "), valid until "
                + host.notAfter();
        log.info("CIIssuer {}: {}", issuer.getMetadata().getName(), message);
        events.record(issuer, EventRecorder.Type.Normal, "ThumbprintChanged", message);
      }
    }
  }

  // ------------------------------------------------------------------------------------ cleanup

  /**
   * The issuer stays while identities reference it: their roles trust it and their own cleanup
   * needs it. The Event names them; the informer wakes this again as they go.
   */
  @Override
  public DeleteControl cleanup(CIIssuer issuer, Context<CIIssuer> context) {
    String name = issuer.getMetadata().getName();
    SortedSet<String> users = new TreeSet<>();
    context
        .getSecondaryResources(CIFederatedIdentity.class)
        .forEach(i -> users.add(i.getMetadata().getNamespace() + "/" + i.getMetadata().getName()));
    if (!users.isEmpty()) {
      String message =
          "CIIssuer "
              + name
              + " is still referenced by "
              + users.size()
              + " identit"
              + (users.size() == 1 ? "y" : "ies")
              + ": "
              + String.join(", ", users)
              + "; it is deleted once they are deleted or point to another issuer";
      if (!message.equals(blockedDeletions.put(name, message))) {
        log.info(message);
        events.record(issuer, EventRecorder.Type.Warning, "DeletionBlocked", message);
      }
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(resyncInterval);
    }
    blockedDeletions.remove(name);
    expiry.forget(name);
    known.forget(issuer.getSpec().getUrl());
    log.info("CIIssuer {} deleted: no identity references it", name);
    return DeleteControl.defaultDelete();
  }

  // ---------------------------------------------------------------------------------- helpers

  /**
   * The accounts of the identities that use this issuer in AWS and comply with policy, each once,
   * sorted: an account only a non-compliant identity names is never touched, not even read. The
   * policies and namespace labels are read afresh (issuers are few and checked once a resync).
   */
  private static SortedSet<String> accounts(Context<CIIssuer> context, Tenancy tenancy) {
    SortedSet<String> accounts = new TreeSet<>();
    List<CIFederatedIdentity> identities =
        context.getSecondaryResources(CIFederatedIdentity.class).stream()
            .filter(i -> accountOf(i) != null)
            .toList();
    if (identities.isEmpty()) {
      return accounts;
    }
    var client = context.getClient();
    List<CIFederationPolicy> policies =
        client.resources(CIFederationPolicy.class).list().getItems();
    Map<String, Map<String, String>> labels = new HashMap<>();
    for (CIFederatedIdentity identity : identities) {
      String namespace = identity.getMetadata().getNamespace();
      Map<String, String> namespaceLabels =
          labels.computeIfAbsent(
              namespace,
              n ->
                  Optional.ofNullable(client.namespaces().withName(n).get())
                      .map(ns -> ns.getMetadata().getLabels())
                      .map(l -> (Map<String, String>) l)
                      .orElse(Map.of()));
      PolicyVerdict verdict =
          PolicyEvaluator.evaluate(
              identity.getSpec(), namespace, namespaceLabels, policies, tenancy.ungoverned());
      if (verdict.compliant()) {
        accounts.add(accountOf(identity));
      }
    }
    return accounts;
  }

  private static String accountOf(CIFederatedIdentity identity) {
    var aws = identity.getSpec() == null ? null : identity.getSpec().getAws();
    return aws == null ? null : aws.getAccountId();
  }

  private static AwsProviderStatus providerStatus(
      ProviderReport report,
      Policy policy,
      List<String> pinned,
      Set<String> live,
      String audience) {
    var status = new AwsProviderStatus();
    status.setAccountId(report.accountId());
    status.setProviderArn(report.providerArn());
    status.setThumbprints(report.thumbprints());
    status.setClientIds(report.clientIds());
    status.setInSync(
        (report.state() == ProviderReport.State.Present
                || report.state() == ProviderReport.State.NotOwned)
            && report.clientIds().contains(audience)
            && ThumbprintPlan.current(policy, pinned, live, report.thumbprints()));
    return status;
  }

  private static HostThumbprint hostThumbprint(HostChain chain) {
    var thumbprint = new HostThumbprint();
    thumbprint.setHost(chain.host());
    thumbprint.setSha1(chain.sha1());
    thumbprint.setNotAfter(chain.notAfter().truncatedTo(ChronoUnit.SECONDS).toString());
    return thumbprint;
  }

  private static List<String> pinned(CIIssuerSpec spec) {
    return spec.getThumbprints() == null || spec.getThumbprints().getPinned() == null
        ? List.of()
        : spec.getThumbprints().getPinned();
  }

  private static String describe(IssuerHealth health) {
    return health.hosts().stream()
        .map(h -> h.host() + "=" + h.sha1())
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /** E.g. {@code 4860… (127.0.0.1:8443, 127.0.0.1:9443)}: each thumbprint once, with its hosts. */
  private static String hostsServing(IssuerHealth health, List<String> thumbprints) {
    return thumbprints.stream()
        .map(
            t ->
                t
                    + health.hosts().stream()
                        .filter(h -> h.sha1().equals(t))
                        .map(HostChain::host)
                        .collect(Collectors.joining(", ", " (", ")")))
        .collect(Collectors.joining(", "));
  }

  /**
   * As long as the failure has lasted so far (so each retry roughly doubles the wait), at least 5
   * s, at most the resync interval, plus up to a quarter of jitter.
   */
  private Duration backoff(Duration failingFor) {
    Duration base = failingFor.compareTo(MIN_BACKOFF) < 0 ? MIN_BACKOFF : failingFor;
    if (base.compareTo(resyncInterval) > 0) {
      base = resyncInterval;
    }
    return base.plusMillis(ThreadLocalRandom.current().nextLong(base.toMillis() / 4 + 1));
  }

  private String now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private UpdateControl<CIIssuer> finish(
      CIIssuer issuer, CIIssuerStatus status, ConditionBook conditions) {
    status.setObservedGeneration(generation(issuer));
    status.setConditions(conditions.conditions());
    recordReadyTransition(issuer, conditions);
    // lastCheckedTime moves with every check: one small write per issuer and resync, which is
    // what tells a reader that the check ran
    if (StatusDiff.same(issuer.getStatus(), status)) {
      return UpdateControl.noUpdate();
    }
    var patch = new CIIssuer();
    patch.setMetadata(new ObjectMetaBuilder().withName(issuer.getMetadata().getName()).build());
    patch.setStatus(status);
    return UpdateControl.patchStatus(patch);
  }

  private void recordReadyTransition(CIIssuer issuer, ConditionBook conditions) {
    Optional<Condition> ready = conditions.get(ConditionType.Ready);
    Optional<Condition> before = conditions.previous(ConditionType.Ready);
    if (ready.isEmpty()
        || before.map(b -> b.getReason().equals(ready.get().getReason())).orElse(false)) {
      return;
    }
    Condition now = ready.get();
    log.info(
        "CIIssuer {} Ready {}: {}",
        issuer.getMetadata().getName(),
        now.getReason(),
        now.getMessage());
    events.record(
        issuer,
        False.name().equals(now.getStatus())
            ? EventRecorder.Type.Warning
            : EventRecorder.Type.Normal,
        now.getReason(),
        now.getMessage());
  }

  private static Long generation(CIIssuer issuer) {
    return issuer.getMetadata().getGeneration();
  }
}
