package dev.cifederation.operator.cloud;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cifederation.operator.api.v1alpha1.CloudIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one shape every cloud adapter has. A pass for one identity:
 *
 * <ol>
 *   <li><b>observe</b> — read what the cloud has for the identity ({@code L}, the live state);
 *   <li><b>plan</b> — compare it with the compiled trust: a pure function, no cloud call ({@code
 *       P});
 *   <li><b>apply</b> — make the plan's writes, unless the identity only observes;
 *   <li><b>report</b> — the outcome: condition, the cloud's status block, corrections, findings and
 *       the live trust, returned, never written into the resource.
 * </ol>
 *
 * A revoked identity takes {@link #withdraw} instead (the trust is taken away in place, never
 * created), a deleted one {@link #release}. Around all three, once for every cloud: the calls are
 * made in the identity's scope (its account, project or subscription, for the breakers), a failure
 * classified at the adapter's edge as a {@link CloudFailure} becomes a failed outcome that keeps
 * the status block the last pass recorded, and when to retry is decided by {@link RetryPolicy}.
 *
 * @param <S> the cloud's status block
 * @param <L> what observe reads
 * @param <P> what plan decides
 */
public abstract class CloudAdapter<S extends CloudIdentityStatus, L, P> implements CloudReconciler {

  private static final Logger log = LoggerFactory.getLogger(CloudAdapter.class);
  private static final ObjectMapper BLOCKS = new ObjectMapper();

  /** One call of the adapter for one identity: the request and what the last pass left. */
  public record Attempt<S extends CloudIdentityStatus>(
      CloudRequest request, PreviousPass previous, Optional<S> previousBlock) {

    /** A difference found now is drift: the last pass left this generation in sync. */
    public boolean differenceIsDrift() {
      return previous.syncedAtGeneration();
    }

    /** Corrections counted in the status block: the previous count plus this pass's writes. */
    public long correctionsAfter(List<String> writes) {
      return previous.driftCorrections() + (differenceIsDrift() ? writes.size() : 0);
    }
  }

  private final Cloud cloud;
  private final Class<S> blockType;
  protected final RetryPolicy retries;
  protected final Clock clock;

  protected CloudAdapter(Cloud cloud, Class<S> blockType, RetryPolicy retries, Clock clock) {
    this.cloud = Objects.requireNonNull(cloud, "cloud");
    this.blockType = Objects.requireNonNull(blockType, "blockType");
    this.retries = Objects.requireNonNull(retries, "retries");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public final Cloud cloud() {
    return cloud;
  }

  @Override
  public final CloudOutcome reconcile(CloudRequest request) {
    Attempt<S> attempt = attempt(request);
    try {
      ScopeBreakers.enter(cloud, scopeOf(request));
      if (request.revoked()) {
        // before anything else: a revoked identity acts only on what its status records
        CloudOutcome withdrawn = withdraw(attempt);
        return keepSyncTimeUnlessChanged(attempt, withdrawn, !withdrawn.corrections().isEmpty());
      }
      Optional<String> notCompiled = trustMissing(request);
      if (notCompiled.isPresent()) {
        return CloudOutcome.failed(CloudReason.TrustNotCompiled, notCompiled.get())
            .block(attempt.previousBlock().orElse(null))
            .build();
      }
      return aroundPass(attempt, () -> pass(attempt));
    } catch (CloudFailure failure) {
      return failed(attempt, failure);
    }
  }

  @Override
  public final CloudOutcome cleanup(CloudRequest request) {
    Attempt<S> attempt = attempt(request);
    try {
      ScopeBreakers.enter(cloud, scopeOf(request));
      return release(attempt);
    } catch (CloudFailure failure) {
      return failed(attempt, failure);
    }
  }

  private CloudOutcome pass(Attempt<S> attempt) {
    L live = observe(attempt);
    P plan = plan(attempt, live);
    List<String> writes = attempt.request().observeOnly() ? List.of() : apply(attempt, plan);
    return keepSyncTimeUnlessChanged(
        attempt, report(attempt, live, plan, writes), !writes.isEmpty());
  }

  /**
   * {@code lastSyncTime} is when a pass last changed something: wrote to the cloud, or found it
   * other than the status records (another block, another condition reason). A pass that finds
   * everything as recorded keeps the recorded time, so a steady resync leaves the status as it is
   * and writes nothing to the API server; that passes still run shows in {@code
   * cifed_cloud_passes_total}. The adapters stamp every block they build with {@link #now}; this is
   * the one place that decides whether the stamp stays.
   */
  private CloudOutcome keepSyncTimeUnlessChanged(
      Attempt<S> attempt, CloudOutcome outcome, boolean wrote) {
    Optional<S> recorded = attempt.previousBlock();
    Optional<CloudIdentityStatus> block = outcome.block();
    if (wrote
        || recorded.isEmpty()
        || block.isEmpty()
        || block.get() == recorded.get()
        || !attempt.previous().ended(outcome.reason())) {
      return outcome;
    }
    String stamped = block.get().getLastSyncTime();
    block.get().setLastSyncTime(recorded.get().getLastSyncTime());
    if (!BLOCKS.valueToTree(block.get()).equals(BLOCKS.valueToTree(recorded.get()))) {
      block.get().setLastSyncTime(stamped);
    }
    return outcome;
  }

  /**
   * Runs one pass, observe to report. An adapter whose identities share a cloud object overrides it
   * to hold its locks for the whole pass (AWS: an account's OIDC provider is read and written under
   * one lock, and a cleanup never deletes it between a pass's read and its writes); released in a
   * {@code finally}, whatever the pass throws. The default runs the pass as it is.
   */
  protected CloudOutcome aroundPass(Attempt<S> attempt, Supplier<CloudOutcome> pass) {
    return pass.get();
  }

  /** The account, project or subscription the identity's calls go to; null when unknown. */
  protected abstract String scopeOf(CloudRequest request);

  /** Why the compiled trust has nothing for this cloud, if it has not. */
  protected abstract Optional<String> trustMissing(CloudRequest request);

  /** Reads the cloud's objects for the identity. */
  protected abstract L observe(Attempt<S> attempt);

  /** Decides the writes that bring the live state to the compiled trust; no cloud call. */
  protected abstract P plan(Attempt<S> attempt, L live);

  /** Makes the plan's writes; returns what was written, in words, for Events and logs. */
  protected abstract List<String> apply(Attempt<S> attempt, P plan);

  /** The outcome of the pass; {@code writes} is empty when the identity only observes. */
  protected abstract CloudOutcome report(Attempt<S> attempt, L live, P plan, List<String> writes);

  /** Withdraws the trust of what the status records, in place; creates nothing. */
  protected abstract CloudOutcome withdraw(Attempt<S> attempt);

  /** Deletes (or, with deletionPolicy Orphan, unmarks) what the operator made for the identity. */
  protected abstract CloudOutcome release(Attempt<S> attempt);

  /**
   * A failed pass: the condition says why, the status block keeps what the last pass recorded, and
   * the retry follows the one policy.
   */
  protected CloudOutcome failed(Attempt<S> attempt, CloudFailure failure) {
    log.warn(
        "{} {} for {}: {}",
        cloud,
        failure.reason(),
        attempt.request().owner(),
        failure.getMessage());
    return CloudOutcome.failed(failure, retries)
        .block(attempt.previousBlock().orElse(null))
        .build();
  }

  /** Now, to the second, for {@code lastSyncTime} (kept unless the pass changed something). */
  protected String now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private Attempt<S> attempt(CloudRequest request) {
    PreviousPass previous = request.previous(cloud);
    return new Attempt<>(request, previous, previous.status(blockType));
  }
}
