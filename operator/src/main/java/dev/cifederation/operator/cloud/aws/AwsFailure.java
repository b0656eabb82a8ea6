package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudFailure;
import dev.cifederation.operator.cloud.ScopeBreakers;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * An IAM or STS call that failed, classified once (after the SDK's own retries) into a {@link Kind}
 * and so into the {@link CloudReason} the condition shows; when to try again is {@link
 * dev.cifederation.operator.cloud.RetryPolicy}'s, as for every cloud. The AWS error code and
 * message are kept for people; no decision is ever taken on message text.
 */
public final class AwsFailure extends CloudFailure {

  /** What went wrong, as far as the operator's decisions go. */
  public enum Kind {
    /** Throttling / 429. */
    THROTTLED(CloudReason.Throttled),
    /** 5xx, timeouts, connection errors, concurrent modification. */
    TRANSIENT(CloudReason.Transient),
    /** MalformedPolicyDocument, ValidationError, InvalidInput…: the spec must change. */
    INVALID(CloudReason.InvalidSpec),
    /** AccessDenied, bad or expired credentials, or credentials for another account. */
    DENIED(CloudReason.Unauthorized),
    /** NoSuchEntity: the named role, policy or provider does not exist. */
    NO_SUCH_ENTITY(CloudReason.NotFound),
    /** EntityAlreadyExists: the caller decides whether it may adopt the object. */
    ALREADY_EXISTS(CloudReason.Conflict),
    /** DeleteConflict, UnmodifiableEntity: something the operator does not own is in the way. */
    CONFLICT(CloudReason.Conflict),
    /** LimitExceeded: an account quota. */
    LIMIT(CloudReason.LimitExceeded);

    private final CloudReason reason;

    Kind(CloudReason reason) {
      this.reason = reason;
    }

    public CloudReason reason() {
      return reason;
    }
  }

  private final Kind kind;
  private final String operation;
  private final String errorCode;

  public AwsFailure(Kind kind, String operation, String errorCode, String message) {
    super(Objects.requireNonNull(kind, "kind").reason(), message);
    this.kind = kind;
    this.operation = operation;
    this.errorCode = errorCode;
  }

  public Kind kind() {
    return kind;
  }

  /** The IAM/STS operation that failed, e.g. {@code PutRolePolicy}. */
  public String operation() {
    return operation;
  }

  /** AWS's error code (e.g. {@code MalformedPolicyDocument}), or null for client-side errors. */
  public String errorCode() {
    return errorCode;
  }

  /** The same failure, its message completed for people. */
  AwsFailure withMessage(String message) {
    return new AwsFailure(kind, operation, errorCode, message);
  }

  /** Classifies an SDK exception thrown by {@code operation}. */
  public static AwsFailure of(String operation, SdkException exception) {
    AwsServiceException service = serviceCause(exception);
    if (service == null) {
      // connection refused, timeouts, unreadable responses: nothing says the request was wrong
      return new AwsFailure(
          Kind.TRANSIENT,
          operation,
          null,
          operation + " did not complete: " + clientMessage(exception));
    }
    String code = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
    String awsMessage =
        service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorMessage();
    Kind kind = kindOf(code, service.statusCode(), service.isThrottlingException());
    String message =
        operation
            + " failed: "
            + (code == null ? "HTTP " + service.statusCode() : code)
            + (awsMessage == null || awsMessage.isBlank() ? "" : ": " + awsMessage);
    return new AwsFailure(kind, operation, code, message);
  }

  // --- breaker hook (cloud.ScopeBreakers): what an SDK exception says about the account's
  // availability, and the failure an adapter reports for a call the breaker did not make

  /** The per-account breakers of IAM and STS calls. */
  static ScopeBreakers breakers(Duration resyncInterval, MeterRegistry registry, Clock clock) {
    return new ScopeBreakers(Cloud.AWS, resyncInterval, AwsFailure::availability, registry, clock);
  }

  static Optional<ScopeBreakers.Verdict> availability(RuntimeException exception) {
    if (!(exception instanceof SdkException sdk)) {
      return Optional.empty();
    }
    AwsServiceException service = serviceCause(sdk);
    if (service == null) {
      return Optional.of(ScopeBreakers.Verdict.of(ScopeBreakers.Failure.UNAVAILABLE));
    }
    String code = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
    if (kindOf(code, service.statusCode(), service.isThrottlingException()) == Kind.THROTTLED) {
      return Optional.of(ScopeBreakers.Verdict.of(ScopeBreakers.Failure.THROTTLED));
    }
    return service.statusCode() >= 500
        ? Optional.of(ScopeBreakers.Verdict.of(ScopeBreakers.Failure.UNAVAILABLE))
        : Optional.empty();
  }

  static AwsFailure paused(String operation, ScopeBreakers.ScopeUnavailable unavailable) {
    return new AwsFailure(
        unavailable.failure() == ScopeBreakers.Failure.THROTTLED ? Kind.THROTTLED : Kind.TRANSIENT,
        operation,
        null,
        operation + " not sent: " + unavailable.getMessage());
  }

  // --- end of the breaker hook

  /**
   * Classifies a failure to resolve credentials (before any IAM call): an AWS error (e.g.
   * AssumeRole refused) as usual, an I/O error as transient, anything else means there are no
   * usable credentials.
   */
  public static AwsFailure ofCredentials(SdkException exception) {
    AwsFailure failure = of("ResolveCredentials", exception);
    if (failure.errorCode() != null || ioCause(exception)) {
      return failure;
    }
    return new AwsFailure(
        Kind.DENIED,
        "ResolveCredentials",
        null,
        "no usable AWS credentials: " + clientMessage(exception));
  }

  private static boolean ioCause(Throwable exception) {
    for (Throwable t = exception; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof java.io.IOException || t instanceof java.io.UncheckedIOException) {
        return true;
      }
    }
    return false;
  }

  static Kind kindOf(String code, int status, boolean throttling) {
    if (throttling || status == 429) {
      return Kind.THROTTLED;
    }
    if (code != null) {
      switch (code) {
        case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests" -> {
          return Kind.THROTTLED;
        }
        case "NoSuchEntity", "NoSuchEntityException" -> {
          return Kind.NO_SUCH_ENTITY;
        }
        case "EntityAlreadyExists", "EntityAlreadyExistsException" -> {
          return Kind.ALREADY_EXISTS;
        }
        case "MalformedPolicyDocument",
            "MalformedPolicyDocumentException",
            "ValidationError",
            "ValidationException",
            "InvalidInput",
            "InvalidParameterValue",
            "PolicyNotAttachable",
            "PackedPolicyTooLarge" -> {
          return Kind.INVALID;
        }
        case "AccessDenied",
            "AccessDeniedException",
            "UnauthorizedOperation",
            "InvalidClientTokenId",
            "SignatureDoesNotMatch",
            "ExpiredToken",
            "ExpiredTokenException",
            "UnrecognizedClientException",
            "IncompleteSignature",
            "MissingAuthenticationToken",
            "RegionDisabledException" -> {
          return Kind.DENIED;
        }
        case "DeleteConflict", "UnmodifiableEntity" -> {
          return Kind.CONFLICT;
        }
        case "LimitExceeded", "LimitExceededException" -> {
          return Kind.LIMIT;
        }
        case "ConcurrentModification",
            "ServiceFailure",
            "ServiceUnavailable",
            "InternalFailure" -> {
          return Kind.TRANSIENT;
        }
        default -> {
          // fall through to the HTTP status
        }
      }
    }
    if (status >= 500) {
      return Kind.TRANSIENT;
    }
    if (status == 401 || status == 403) {
      return Kind.DENIED;
    }
    if (status == 404) {
      return Kind.NO_SUCH_ENTITY;
    }
    // An unknown 4xx: retrying later is safer than declaring the spec invalid on a guess.
    return Kind.TRANSIENT;
  }

  private static AwsServiceException serviceCause(Throwable exception) {
    // credential providers (e.g. AssumeRole) wrap the STS error in an SdkClientException
    for (Throwable t = exception; t != null; t = t.getCause()) {
      if (t instanceof AwsServiceException service) {
        return service;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  private static String clientMessage(SdkException exception) {
    String message = exception.getMessage();
    if (exception instanceof SdkClientException && exception.getCause() != null) {
      message = message + " (" + exception.getCause().getClass().getSimpleName() + ")";
    }
    return message;
  }
}
