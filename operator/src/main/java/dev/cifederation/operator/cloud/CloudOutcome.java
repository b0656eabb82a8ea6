package dev.cifederation.operator.cloud;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentityStatus;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.ConditionStatus;
import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.trust.LiveTrust;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The result of one adapter call: the cloud's condition (status, typed reason, message), what to
 * write into the cloud's status block, the drift corrections made (each becomes an Event), findings
 * on the live state, the live trust read (for the trust lint and "who can assume this"), and when
 * to try again if the failure is transient.
 *
 * @param done for cleanup: whether nothing is left to do in this cloud
 * @param liveTrust the trust as the cloud had it in this pass, when it was read
 */
public record CloudOutcome(
    ConditionStatus status,
    CloudReason reason,
    String message,
    Consumer<CIFederatedIdentityStatus> statusWriter,
    List<String> corrections,
    List<Finding> findings,
    Optional<Duration> retryAfter,
    boolean done,
    Optional<LiveTrust> liveTrust) {

  public CloudOutcome(
      ConditionStatus status,
      CloudReason reason,
      String message,
      Consumer<CIFederatedIdentityStatus> statusWriter,
      List<String> corrections,
      List<Finding> findings,
      Optional<Duration> retryAfter,
      boolean done) {
    this(
        status,
        reason,
        message,
        statusWriter,
        corrections,
        findings,
        retryAfter,
        done,
        Optional.empty());
  }

  public static CloudOutcome synced(
      String message, Consumer<CIFederatedIdentityStatus> statusWriter) {
    return new CloudOutcome(
        ConditionStatus.True,
        CloudReason.Synced,
        message,
        statusWriter,
        List.of(),
        List.of(),
        Optional.empty(),
        true);
  }

  public static CloudOutcome failed(
      CloudReason reason, String message, Optional<Duration> retryAfter) {
    return new CloudOutcome(
        ConditionStatus.False, reason, message, s -> {}, List.of(), List.of(), retryAfter, false);
  }

  public CloudOutcome withCorrections(List<String> corrections) {
    return new CloudOutcome(
        status,
        reason,
        message,
        statusWriter,
        List.copyOf(corrections),
        findings,
        retryAfter,
        done,
        liveTrust);
  }

  public CloudOutcome withFindings(List<Finding> findings) {
    return new CloudOutcome(
        status,
        reason,
        message,
        statusWriter,
        corrections,
        List.copyOf(findings),
        retryAfter,
        done,
        liveTrust);
  }

  public CloudOutcome withLiveTrust(LiveTrust liveTrust) {
    return new CloudOutcome(
        status,
        reason,
        message,
        statusWriter,
        corrections,
        findings,
        retryAfter,
        done,
        Optional.of(liveTrust));
  }
}
