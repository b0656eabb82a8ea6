package dev.cifederation.operator.cloud.azure;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpResponse;
import com.azure.core.management.exception.ManagementException;
import dev.cifederation.operator.api.v1alpha1.AzureIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.ScopeBreakers;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * An Azure error reduced to what decides handling: the typed reason, the HTTP status and ARM's
 * machine-readable error code (never the free-text message), whether a retry of the same call can
 * help, and the server's {@code Retry-After}. Classifying is this package's (it knows the SDK);
 * when a failed pass is tried again is the shared {@code RetryPolicy}'s.
 *
 * @param status the HTTP status, 0 when no response came back
 * @param code ARM's {@code error.code}, empty when there was none
 * @param detail for people: status, code and ARM's message
 */
record ArmError(
    CloudReason reason,
    int status,
    String code,
    boolean retryable,
    Optional<Duration> retryAfter,
    String detail) {

  static final String CONCURRENT_CREDENTIAL_WRITES =
      "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity";
  static final String ROLE_ASSIGNMENT_EXISTS = "RoleAssignmentExists";
  static final String RESOURCE_NOT_FOUND = "ResourceNotFound";

  boolean is(int expectedStatus, String expectedCode) {
    return status == expectedStatus && expectedCode.equalsIgnoreCase(code);
  }

  /** The failure of a call that ended with this error; {@code what} says which call and why. */
  AzureFailure failure(String what) {
    return new AzureFailure(reason, what, retryAfter, this);
  }

  static ArmError classify(Throwable error) {
    if (error instanceof ScopeBreakers.ScopeUnavailable paused) {
      // breaker hook: not sent; ArmRetry waits the pause inline when short, else reports it
      return new ArmError(
          paused.failure() == ScopeBreakers.Failure.THROTTLED
              ? CloudReason.Throttled
              : CloudReason.Transient,
          0,
          "",
          true,
          Optional.of(paused.retryAfter()),
          "not sent: " + paused.getMessage());
    }
    if (error instanceof ClientAuthenticationException auth && auth.getResponse() == null) {
      // DefaultAzureCredential found no usable credential, or the token request failed
      return new ArmError(
          CloudReason.Unauthorized,
          0,
          "",
          false,
          Optional.empty(),
          "no Azure token: " + auth.getMessage());
    }
    if (error instanceof HttpResponseException http && http.getResponse() != null) {
      return fromResponse(http);
    }
    if (error instanceof ClientAuthenticationException auth) {
      return new ArmError(
          CloudReason.Unauthorized,
          0,
          "",
          false,
          Optional.empty(),
          "no Azure token: " + auth.getMessage());
    }
    if (hasCause(error, IOException.class) || hasCause(error, TimeoutException.class)) {
      return new ArmError(
          CloudReason.Transient,
          0,
          "",
          true,
          Optional.empty(),
          "no response from ARM: " + rootMessage(error));
    }
    return new ArmError(
        CloudReason.Transient,
        0,
        "",
        false,
        Optional.empty(),
        "unexpected error: " + rootMessage(error));
  }

  // --- breaker hook (cloud.ScopeBreakers): per-subscription breakers and what an SDK exception
  // says about the subscription's availability

  static ScopeBreakers breakers(Duration resyncInterval, MeterRegistry registry, Clock clock) {
    return new ScopeBreakers(Cloud.Azure, resyncInterval, ArmError::availability, registry, clock);
  }

  /** The scope of an identity's ARM calls: its subscription. */
  static String scopeOf(CloudRequest request) {
    CIFederatedIdentitySpec spec = request.identity().getSpec();
    AzureIdentitySpec azure = spec == null ? null : spec.getAzure();
    return azure == null ? null : azure.getSubscriptionId();
  }

  static Optional<ScopeBreakers.Verdict> availability(RuntimeException error) {
    if (error instanceof ClientAuthenticationException) {
      return Optional.empty();
    }
    if (error instanceof HttpResponseException http && http.getResponse() != null) {
      int status = http.getResponse().getStatusCode();
      Optional<Duration> retryAfter = retryAfter(http.getResponse());
      if (status == 429) {
        return Optional.of(new ScopeBreakers.Verdict(ScopeBreakers.Failure.THROTTLED, retryAfter));
      }
      if (status >= 500) {
        return Optional.of(
            new ScopeBreakers.Verdict(
                retryAfter.isPresent()
                    ? ScopeBreakers.Failure.THROTTLED
                    : ScopeBreakers.Failure.UNAVAILABLE,
                retryAfter));
      }
      return Optional.empty();
    }
    return hasCause(error, IOException.class) || hasCause(error, TimeoutException.class)
        ? Optional.of(ScopeBreakers.Verdict.of(ScopeBreakers.Failure.UNAVAILABLE))
        : Optional.empty();
  }

  // --- end of the breaker hook

  private static ArmError fromResponse(HttpResponseException http) {
    HttpResponse response = http.getResponse();
    int status = response.getStatusCode();
    String code = "";
    String message = http.getMessage();
    if (http instanceof ManagementException management && management.getValue() != null) {
      code = management.getValue().getCode() == null ? "" : management.getValue().getCode();
      message = management.getValue().getMessage();
    }
    Optional<Duration> retryAfter = retryAfter(response);
    String detail = "HTTP " + status + (code.isEmpty() ? "" : " " + code) + ": " + message;
    CloudReason reason;
    boolean retryable = false;
    if (status == 401 || status == 403) {
      reason = CloudReason.Unauthorized;
    } else if (status == 404) {
      reason = CloudReason.NotFound;
    } else if (status == 409 && CONCURRENT_CREDENTIAL_WRITES.equalsIgnoreCase(code)) {
      // someone else is writing a credential of this identity: it passes
      reason = CloudReason.Transient;
      retryable = true;
    } else if (status == 409) {
      reason = CloudReason.Conflict;
    } else if (status == 429) {
      reason = CloudReason.Throttled;
      retryable = true;
    } else if (status == 408 || status >= 500) {
      reason = CloudReason.Transient;
      retryable = true;
    } else {
      reason = CloudReason.InvalidSpec;
    }
    return new ArmError(reason, status, code, retryable, retryAfter, detail);
  }

  /**
   * {@code retry-after-ms}, {@code x-ms-retry-after-ms}, or {@code Retry-After} (seconds or date).
   */
  static Optional<Duration> retryAfter(HttpResponse response) {
    for (HttpHeaderName name :
        new HttpHeaderName[] {HttpHeaderName.RETRY_AFTER_MS, HttpHeaderName.X_MS_RETRY_AFTER_MS}) {
      String millis = response.getHeaderValue(name);
      if (millis != null && millis.strip().matches("\\d+")) {
        return Optional.of(Duration.ofMillis(Long.parseLong(millis.strip())));
      }
    }
    String value = response.getHeaderValue(HttpHeaderName.RETRY_AFTER);
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    if (value.strip().matches("\\d+")) {
      return Optional.of(Duration.ofSeconds(Long.parseLong(value.strip())));
    }
    try {
      Instant at =
          ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration wait = Duration.between(Instant.now(), at);
      return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }
}
