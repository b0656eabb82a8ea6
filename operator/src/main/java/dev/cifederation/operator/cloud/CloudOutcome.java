package dev.cifederation.operator.cloud;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CloudIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.trust.LiveTrust;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of one adapter call: the cloud's condition (status, typed reason, message), the
 * cloud's status block to record, the drift corrections made (each becomes an Event), findings on
 * the live state, the live trust read (for the trust lint and "who can assume this"), and when to
 * try again. Built with {@link #synced}, {@link #failed} or {@link #of} and the {@link Builder}'s
 * setters.
 *
 * @param block the cloud's status block after this pass; empty: the cloud has none (nothing made)
 * @param done for cleanup: whether nothing is left to do in this cloud
 * @param liveTrust the trust as the cloud had it in this pass, when it was read
 */
public record CloudOutcome(
    ConditionStatus status,
    CloudReason reason,
    String message,
    Optional<CloudIdentityStatus> block,
    List<String> corrections,
    List<Finding> findings,
    Optional<Duration> retryAfter,
    boolean done,
    Optional<LiveTrust> liveTrust) {

  public CloudOutcome {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(block, "block");
    corrections = List.copyOf(corrections);
    findings = List.copyOf(findings);
    Objects.requireNonNull(retryAfter, "retryAfter");
    Objects.requireNonNull(liveTrust, "liveTrust");
  }

  /** In sync (or, in a cleanup, nothing left): condition True, reason Synced, done. */
  public static Builder synced(String message) {
    return new Builder(ConditionStatus.True, CloudReason.Synced, message).done(true);
  }

  /**
   * Not in sync: condition False ({@code Unknown} while objects are still being made), not done.
   */
  public static Builder failed(CloudReason reason, String message) {
    return new Builder(
        reason == CloudReason.Reconciling ? ConditionStatus.Unknown : ConditionStatus.False,
        reason,
        message);
  }

  /** A failure as classified at the adapter's edge, retried as {@code retries} says. */
  public static Builder failed(CloudFailure failure, RetryPolicy retries) {
    return failed(failure.reason(), failure.getMessage()).retryAfter(retries.after(failure));
  }

  /** Any condition; done when it is True. */
  public static Builder of(ConditionStatus status, CloudReason reason, String message) {
    return new Builder(status, reason, message).done(status == ConditionStatus.True);
  }

  public Builder toBuilder() {
    Builder builder = new Builder(status, reason, message);
    builder.block = block;
    builder.corrections = corrections;
    builder.findings = findings;
    builder.retryAfter = retryAfter;
    builder.done = done;
    builder.liveTrust = liveTrust;
    return builder;
  }

  public CloudOutcome withCorrections(List<String> corrections) {
    return toBuilder().corrections(corrections).build();
  }

  public CloudOutcome withFindings(List<Finding> findings) {
    return toBuilder().findings(findings).build();
  }

  public CloudOutcome withLiveTrust(LiveTrust liveTrust) {
    return toBuilder().liveTrust(liveTrust).build();
  }

  /** Writes the cloud's block into the identity's new status (none: the cloud has no block). */
  public void writeBlock(Cloud cloud, CIFederatedIdentityStatus status) {
    cloud.putBlock(status, block.orElse(null));
  }

  /** Assembles an outcome; every part but the condition is optional. */
  public static final class Builder {
    private final ConditionStatus status;
    private final CloudReason reason;
    private final String message;
    private Optional<CloudIdentityStatus> block = Optional.empty();
    private List<String> corrections = List.of();
    private List<Finding> findings = List.of();
    private Optional<Duration> retryAfter = Optional.empty();
    private boolean done;
    private Optional<LiveTrust> liveTrust = Optional.empty();

    private Builder(ConditionStatus status, CloudReason reason, String message) {
      this.status = status;
      this.reason = reason;
      this.message = message;
    }

    /** The cloud's status block to record; null records none. */
    public Builder block(CloudIdentityStatus block) {
      this.block = Optional.ofNullable(block);
      return this;
    }

    public Builder corrections(List<String> corrections) {
      this.corrections = corrections;
      return this;
    }

    public Builder findings(List<Finding> findings) {
      this.findings = findings;
      return this;
    }

    public Builder retryAfter(Optional<Duration> retryAfter) {
      this.retryAfter = retryAfter;
      return this;
    }

    public Builder done(boolean done) {
      this.done = done;
      return this;
    }

    public Builder liveTrust(LiveTrust liveTrust) {
      this.liveTrust = Optional.ofNullable(liveTrust);
      return this;
    }

    public Builder liveTrust(Optional<? extends LiveTrust> liveTrust) {
      this.liveTrust = liveTrust.map(LiveTrust.class::cast);
      return this;
    }

    public CloudOutcome build() {
      return new CloudOutcome(
          status, reason, message, block, corrections, findings, retryAfter, done, liveTrust);
    }
  }
}
