package dev.cifederation.operator.cloud.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.management.exception.ManagementError;
import com.azure.core.management.exception.ManagementException;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.observe.CloudCalls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class ArmRetryTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final CloudCalls calls = new CloudCalls(registry, "Azure");
  private final List<Duration> waits = new ArrayList<>();
  private final ArmRetry retry =
      new ArmRetry(
          calls,
          new ArmRetry.Policy(4, Duration.ofMillis(200), Duration.ofSeconds(10)),
          waits::add);

  @Test
  void throttlingIsRetriedAfterTheServersRetryAfter() {
    Supplier<String> call =
        script(
            error(429, "TooManyRequests", Map.of("Retry-After", "3")),
            error(429, "TooManyRequests", Map.of("retry-after-ms", "1500")));
    assertThat(retry.call("identities.get", call)).isEqualTo("ok");
    assertThat(waits).containsExactly(Duration.ofSeconds(3), Duration.ofMillis(1500));
    assertThat(calls.count("identities.get")).as("every attempt is counted").isEqualTo(3);
  }

  @Test
  void serverErrorsAndConcurrentCredentialWritesBackOffExponentially() {
    Supplier<String> call =
        script(
            error(503, "ServiceUnavailable", Map.of()),
            error(
                409,
                "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity",
                Map.of()),
            new UncheckedIOException(new ConnectException("refused")));
    assertThat(retry.call("federatedCredentials.createOrUpdate", call)).isEqualTo("ok");
    assertThat(waits).hasSize(3);
    assertThat(waits.get(0)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
    assertThat(waits.get(1)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
    assertThat(waits.get(2)).isBetween(Duration.ofMillis(400), Duration.ofMillis(800));
  }

  @Test
  void givingUpReportsTheTypedReasonAndLeavesWhenToTryAgainToThePolicy() {
    Supplier<String> call =
        script(
            error(500, "InternalServerError", Map.of()),
            error(500, "InternalServerError", Map.of()),
            error(500, "InternalServerError", Map.of()),
            error(500, "InternalServerError", Map.of()));
    assertThatThrownBy(() -> retry.call("identities.get", call))
        .isInstanceOfSatisfying(
            AzureFailure.class,
            f -> {
              assertThat(f.reason()).isEqualTo(CloudReason.Transient);
              assertThat(f.retryHint()).as("ARM said no Retry-After").isEmpty();
              assertThat(f.getMessage()).contains("gave up after 4 attempts");
            });
    assertThat(calls.count("identities.get")).isEqualTo(4);
  }

  @Test
  void aLongRetryAfterIsNotWaitedInTheReconcileThread() {
    Supplier<String> call = script(error(429, "TooManyRequests", Map.of("Retry-After", "120")));
    assertThatThrownBy(() -> retry.call("roleAssignments.create", call))
        .isInstanceOfSatisfying(
            AzureFailure.class,
            f -> {
              assertThat(f.reason()).isEqualTo(CloudReason.Throttled);
              assertThat(f.retryHint()).as("ARM's Retry-After").contains(Duration.ofSeconds(120));
            });
    assertThat(waits).isEmpty();
  }

  @Test
  void clientErrorsAreNotRetriedAndKeepTheirArmCode() {
    assertFailure(error(400, "InvalidTagNameCharacters", Map.of()), CloudReason.InvalidSpec);
    assertFailure(error(401, "InvalidAuthenticationToken", Map.of()), CloudReason.Unauthorized);
    assertFailure(error(403, "AuthorizationFailed", Map.of()), CloudReason.Unauthorized);
    assertFailure(error(404, "ResourceGroupNotFound", Map.of()), CloudReason.NotFound);
    assertFailure(error(409, "RoleAssignmentExists", Map.of()), CloudReason.Conflict);
    assertThat(waits).isEmpty();
  }

  private void assertFailure(RuntimeException error, CloudReason reason) {
    assertThatThrownBy(() -> retry.call("op", script(error)))
        .isInstanceOfSatisfying(
            AzureFailure.class,
            f -> {
              assertThat(f.reason()).isEqualTo(reason);
              assertThat(f.retryHint()).isEmpty();
              String code = ((ManagementException) error).getValue().getCode();
              assertThat(f.is(((ManagementException) error).getResponse().getStatusCode(), code))
                  .isTrue();
            });
  }

  /** Fails with each error in turn, then answers "ok". */
  private static Supplier<String> script(RuntimeException... errors) {
    Deque<RuntimeException> pending = new ArrayDeque<>(List.of(errors));
    return () -> {
      if (!pending.isEmpty()) {
        throw pending.pop();
      }
      return "ok";
    };
  }

  private static ManagementException error(int status, String code, Map<String, String> headers) {
    return new ManagementException(
        code, new Response(status, headers), new ManagementError(code, "message of " + code));
  }

  private static final class Response extends HttpResponse {
    private final int status;
    private final HttpHeaders headers = new HttpHeaders();

    Response(int status, Map<String, String> headers) {
      super(new HttpRequest(HttpMethod.GET, "https://management.azure.com/x"));
      this.status = status;
      headers.forEach(this.headers::set);
    }

    @Override
    public int getStatusCode() {
      return status;
    }

    @Override
    @Deprecated
    public String getHeaderValue(String name) {
      return headers.getValue(name);
    }

    @Override
    public HttpHeaders getHeaders() {
      return headers;
    }

    @Override
    public Flux<ByteBuffer> getBody() {
      return Flux.empty();
    }

    @Override
    public Mono<byte[]> getBodyAsByteArray() {
      return Mono.empty();
    }

    @Override
    public Mono<String> getBodyAsString() {
      return Mono.empty();
    }

    @Override
    public Mono<String> getBodyAsString(Charset charset) {
      return Mono.empty();
    }
  }
}
