package dev.cifederation.operator.cloud.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.cloud.gcp.GcpFailure.RpcStatus;
import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GcpFailureTest {

  @ParameterizedTest
  @CsvSource({
    "INVALID_ARGUMENT, InvalidSpec",
    "UNAUTHENTICATED, Unauthorized",
    "PERMISSION_DENIED, Unauthorized",
    "NOT_FOUND, NotFound",
    "ALREADY_EXISTS, Conflict",
    "RESOURCE_EXHAUSTED, Throttled",
    "ABORTED, Transient",
    "FAILED_PRECONDITION, Transient",
    "UNAVAILABLE, Transient",
    "INTERNAL, Transient",
  })
  void requestErrorsHaveTypedReasons(RpcStatus status, CloudReason reason) {
    assertThat(GcpFailure.reasonOf(status, false)).isEqualTo(reason);
  }

  @Test
  void quotaInsideAnOperationIsALimitNotThrottling() {
    GcpFailure failure = GcpFailure.ofOperation("creating pool p", 8, "Quota exceeded");

    assertThat(failure.reason()).isEqualTo(CloudReason.LimitExceeded);
    assertThat(failure.status()).isEqualTo(RpcStatus.RESOURCE_EXHAUSTED);
    assertThat(failure.getMessage()).contains("creating pool p").contains("Quota exceeded");
  }

  @Test
  void unknownOperationCodesAreTransient() {
    assertThat(GcpFailure.ofOperation("x", 99, "?").reason()).isEqualTo(CloudReason.Transient);
    assertThat(GcpFailure.ofOperation("x", null, "?").status()).isEqualTo(RpcStatus.UNKNOWN);
  }

  @Test
  void ioFailuresAreTransientAndClientSideValidationIsInvalidSpec() {
    assertThat(GcpFailure.of("pools.get", new ConnectException("refused")).reason())
        .isEqualTo(CloudReason.Transient);
    assertThat(GcpFailure.of("pools.get", new IOException("reset")).reason())
        .isEqualTo(CloudReason.Transient);
    assertThat(GcpFailure.of("pools.get", new IllegalArgumentException("bad name")).reason())
        .isEqualTo(CloudReason.InvalidSpec);
  }

  @Test
  void httpStatusesWithoutABodyMapAsGoogleDocuments() {
    assertThat(RpcStatus.ofHttp(429)).isEqualTo(RpcStatus.RESOURCE_EXHAUSTED);
    assertThat(RpcStatus.ofHttp(409)).isEqualTo(RpcStatus.ABORTED);
    assertThat(RpcStatus.ofHttp(502)).isEqualTo(RpcStatus.INTERNAL);
  }
}
