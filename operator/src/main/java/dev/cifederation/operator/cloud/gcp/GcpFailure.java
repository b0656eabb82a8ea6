package dev.cifederation.operator.cloud.gcp;

import com.google.api.client.googleapis.json.GoogleJsonError;
import com.google.api.client.googleapis.json.GoogleJsonResponseException;
import com.google.api.client.http.HttpResponseException;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.GcpIdentitySpec;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudFailure;
import dev.cifederation.operator.cloud.ScopeBreakers;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * A GCP call that did not succeed: a {@link CloudFailure} with its typed {@link CloudReason} and
 * Google's canonical status, which the adapter reads to tell a taken ID or a concurrent policy
 * change from a failure. Every SDK exception becomes one of these in {@link IamGateway}; nothing
 * else leaves the adapter. The reason comes from the canonical status (the {@code status} of
 * Google's error JSON, or the gRPC code of a failed operation), never from the message text; when
 * to retry is the shared {@link dev.cifederation.operator.cloud.RetryPolicy}'s decision.
 */
final class GcpFailure extends CloudFailure {

  /** Google's canonical error codes (google.rpc.Code), by gRPC number. */
  enum RpcStatus {
    OK(0),
    CANCELLED(1),
    UNKNOWN(2),
    INVALID_ARGUMENT(3),
    DEADLINE_EXCEEDED(4),
    NOT_FOUND(5),
    ALREADY_EXISTS(6),
    PERMISSION_DENIED(7),
    RESOURCE_EXHAUSTED(8),
    FAILED_PRECONDITION(9),
    ABORTED(10),
    OUT_OF_RANGE(11),
    UNIMPLEMENTED(12),
    INTERNAL(13),
    UNAVAILABLE(14),
    DATA_LOSS(15),
    UNAUTHENTICATED(16);

    private final int code;

    RpcStatus(int code) {
      this.code = code;
    }

    static RpcStatus ofCode(Integer code) {
      if (code != null) {
        for (RpcStatus status : values()) {
          if (status.code == code) {
            return status;
          }
        }
      }
      return UNKNOWN;
    }

    static RpcStatus ofName(String name) {
      if (name != null) {
        for (RpcStatus status : values()) {
          if (status.name().equals(name)) {
            return status;
          }
        }
      }
      return null;
    }

    /** The canonical status Google maps an HTTP status to, when the body does not say. */
    static RpcStatus ofHttp(int http) {
      return switch (http) {
        case 400 -> INVALID_ARGUMENT;
        case 401 -> UNAUTHENTICATED;
        case 403 -> PERMISSION_DENIED;
        case 404 -> NOT_FOUND;
        case 409 -> ABORTED;
        case 412 -> FAILED_PRECONDITION;
        case 429 -> RESOURCE_EXHAUSTED;
        case 499 -> CANCELLED;
        case 501 -> UNIMPLEMENTED;
        case 503 -> UNAVAILABLE;
        case 504 -> DEADLINE_EXCEEDED;
        default -> http >= 500 ? INTERNAL : UNKNOWN;
      };
    }
  }

  private final RpcStatus status;

  GcpFailure(CloudReason reason, RpcStatus status, String message) {
    this(reason, status, message, null);
  }

  GcpFailure(CloudReason reason, RpcStatus status, String message, Throwable cause) {
    super(reason, message, Optional.empty(), cause);
    this.status = status;
  }

  RpcStatus status() {
    return status;
  }

  /** An operation that is still running when the adapter stops waiting for it. */
  static GcpFailure stillRunning(String message) {
    return new GcpFailure(CloudReason.Reconciling, RpcStatus.DEADLINE_EXCEEDED, message);
  }

  /** A failed SDK call: the HTTP answer's canonical status, or Transient for I/O failures. */
  static GcpFailure of(String operation, Exception e) {
    if (e instanceof GcpFailure failure) {
      return failure;
    }
    if (e instanceof ScopeBreakers.ScopeUnavailable paused) {
      // breaker hook: the call was not sent; retried after the pause, like throttling or an outage
      return new GcpFailure(
          paused.failure() == ScopeBreakers.Failure.THROTTLED
              ? CloudReason.Throttled
              : CloudReason.Transient,
          RpcStatus.UNAVAILABLE,
          operation + " not sent: " + paused.getMessage(),
          e);
    }
    if (e instanceof GoogleJsonResponseException json) {
      GoogleJsonError details = json.getDetails();
      RpcStatus status = null;
      String message = json.getStatusMessage();
      if (details != null) {
        Object named = details.get("status");
        status = RpcStatus.ofName(named instanceof String s ? s : null);
        message = details.getMessage() == null ? message : details.getMessage();
      }
      if (status == null) {
        status = RpcStatus.ofHttp(json.getStatusCode());
      }
      return new GcpFailure(
          reasonOf(status, false),
          status,
          operation + ": HTTP " + json.getStatusCode() + " " + status + ": " + message,
          e);
    }
    if (e instanceof HttpResponseException http) {
      RpcStatus status = RpcStatus.ofHttp(http.getStatusCode());
      return new GcpFailure(
          reasonOf(status, false),
          status,
          operation + ": HTTP " + http.getStatusCode() + " " + http.getStatusMessage(),
          e);
    }
    if (e instanceof IOException) {
      return new GcpFailure(
          CloudReason.Transient,
          RpcStatus.UNAVAILABLE,
          operation + ": " + e.getClass().getSimpleName() + ": " + e.getMessage(),
          e);
    }
    if (e instanceof IllegalArgumentException) {
      // the SDK checks resource names against the API's patterns before sending anything
      return new GcpFailure(
          CloudReason.InvalidSpec,
          RpcStatus.INVALID_ARGUMENT,
          operation + ": " + e.getMessage(),
          e);
    }
    return new GcpFailure(CloudReason.Transient, RpcStatus.UNKNOWN, operation + ": " + e, e);
  }

  // --- breaker hook (cloud.ScopeBreakers): per-project breakers and what an SDK exception says
  // about the project's availability

  static ScopeBreakers breakers(Duration resyncInterval, MeterRegistry registry, Clock clock) {
    return new ScopeBreakers(Cloud.GCP, resyncInterval, GcpFailure::availability, registry, clock);
  }

  /** The scope of an identity's GCP calls: its project number. */
  static String scopeOf(CIFederatedIdentity identity) {
    GcpIdentitySpec gcp = identity.getSpec() == null ? null : identity.getSpec().getGcp();
    return gcp == null ? null : gcp.getProjectNumber();
  }

  static Optional<ScopeBreakers.Verdict> availability(RuntimeException raw) {
    Throwable e =
        raw instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : raw;
    if (e instanceof HttpResponseException http) {
      int code = http.getStatusCode();
      if (code == 429) {
        return Optional.of(ScopeBreakers.Verdict.of(ScopeBreakers.Failure.THROTTLED));
      }
      return code >= 500
          ? Optional.of(ScopeBreakers.Verdict.of(ScopeBreakers.Failure.UNAVAILABLE))
          : Optional.empty();
    }
    // no HTTP answer: refused, reset, timed out
    return e instanceof IOException
        ? Optional.of(ScopeBreakers.Verdict.of(ScopeBreakers.Failure.UNAVAILABLE))
        : Optional.empty();
  }

  // --- end of the breaker hook

  /** A long-running operation that finished with an error (a google.rpc.Status). */
  static GcpFailure ofOperation(String operation, Integer code, String message) {
    RpcStatus status = RpcStatus.ofCode(code);
    return new GcpFailure(
        reasonOf(status, true),
        status,
        operation + " failed in its long-running operation: " + status + ": " + message);
  }

  /**
   * The typed reason of a canonical status. RESOURCE_EXHAUSTED is throttling when it answers a
   * request (HTTP 429) and a quota on the number of resources when an operation ends with it.
   */
  static CloudReason reasonOf(RpcStatus status, boolean inOperation) {
    return switch (status) {
      case INVALID_ARGUMENT, OUT_OF_RANGE, UNIMPLEMENTED -> CloudReason.InvalidSpec;
      case UNAUTHENTICATED, PERMISSION_DENIED -> CloudReason.Unauthorized;
      case NOT_FOUND -> CloudReason.NotFound;
      case ALREADY_EXISTS -> CloudReason.Conflict;
      case RESOURCE_EXHAUSTED -> inOperation ? CloudReason.LimitExceeded : CloudReason.Throttled;
        // FAILED_PRECONDITION here means a race (a pool deleted or undeleted meanwhile): retry
      case FAILED_PRECONDITION,
              ABORTED,
              UNAVAILABLE,
              INTERNAL,
              DEADLINE_EXCEEDED,
              UNKNOWN,
              CANCELLED,
              DATA_LOSS,
              OK ->
          CloudReason.Transient;
    };
  }
}
