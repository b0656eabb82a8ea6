package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.cloud.RetryPolicy;
import dev.cifederation.operator.cloud.aws.AwsFailure.Kind;
import java.io.IOException;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.sts.model.StsException;

/** SDK errors become a closed set of reasons, decided on codes and status, never on text. */
class AwsFailureTest {

  private static final RetryPolicy RETRIES = RetryPolicy.forResync(Duration.ofMinutes(10));

  static Stream<Arguments> serviceErrors() {
    return Stream.of(
        Arguments.of("Throttling", 400, Kind.THROTTLED, CloudReason.Throttled, true),
        Arguments.of(null, 429, Kind.THROTTLED, CloudReason.Throttled, true),
        Arguments.of("ServiceFailure", 500, Kind.TRANSIENT, CloudReason.Transient, true),
        Arguments.of(null, 503, Kind.TRANSIENT, CloudReason.Transient, true),
        Arguments.of("MalformedPolicyDocument", 400, Kind.INVALID, CloudReason.InvalidSpec, false),
        Arguments.of("ValidationError", 400, Kind.INVALID, CloudReason.InvalidSpec, false),
        Arguments.of("AccessDenied", 403, Kind.DENIED, CloudReason.Unauthorized, false),
        Arguments.of("InvalidClientTokenId", 403, Kind.DENIED, CloudReason.Unauthorized, false),
        Arguments.of("NoSuchEntity", 404, Kind.NO_SUCH_ENTITY, CloudReason.NotFound, false),
        Arguments.of("EntityAlreadyExists", 409, Kind.ALREADY_EXISTS, CloudReason.Conflict, false),
        Arguments.of("DeleteConflict", 409, Kind.CONFLICT, CloudReason.Conflict, false),
        Arguments.of("LimitExceeded", 409, Kind.LIMIT, CloudReason.LimitExceeded, false),
        Arguments.of("ConcurrentModification", 409, Kind.TRANSIENT, CloudReason.Transient, true),
        Arguments.of("SomethingNew", 400, Kind.TRANSIENT, CloudReason.Transient, true));
  }

  @ParameterizedTest(name = "{0} / HTTP {1} -> {2}")
  @MethodSource
  void serviceErrors(String code, int status, Kind kind, CloudReason reason, boolean retryable) {
    AwsServiceException e =
        IamException.builder()
            .statusCode(status)
            .awsErrorDetails(
                AwsErrorDetails.builder()
                    .errorCode(code)
                    .errorMessage("text is for people")
                    .build())
            .build();

    AwsFailure failure = AwsFailure.of("PutRolePolicy", e);

    assertThat(failure.kind()).isEqualTo(kind);
    assertThat(failure.reason()).isEqualTo(reason);
    assertThat(RETRIES.after(failure).isPresent())
        .as("retried before the resync")
        .isEqualTo(retryable);
    assertThat(failure.errorCode()).isEqualTo(code);
    assertThat(failure.getMessage())
        .startsWith("PutRolePolicy failed: ")
        .endsWith("text is for people");
  }

  @Test
  void connectionErrorsAreTransient() {
    AwsFailure failure =
        AwsFailure.of(
            "ListRoles",
            SdkClientException.builder()
                .message("Unable to execute HTTP request")
                .cause(new IOException("Connection refused"))
                .build());

    assertThat(failure.kind()).isEqualTo(Kind.TRANSIENT);
    assertThat(failure.errorCode()).isNull();
  }

  @Test
  void aRefusedAssumeRoleWrappedByTheCredentialsProviderIsUnauthorized() {
    StsException denied =
        (StsException)
            StsException.builder()
                .statusCode(403)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied").build())
                .build();
    SdkClientException wrapped =
        SdkClientException.builder().message("Unable to load credentials").cause(denied).build();

    assertThat(AwsFailure.of("GetCallerIdentity", wrapped).kind()).isEqualTo(Kind.DENIED);
  }

  @Test
  void noCredentialsAtAllIsUnauthorizedButAnUnreachableStsIsTransient() {
    SdkClientException none =
        SdkClientException.builder()
            .message("Unable to load credentials from any of the providers in the chain")
            .build();
    SdkClientException unreachable =
        SdkClientException.builder()
            .message("Unable to execute HTTP request")
            .cause(new IOException("Connection refused"))
            .build();

    assertThat(AwsFailure.ofCredentials(none).kind()).isEqualTo(Kind.DENIED);
    assertThat(AwsFailure.ofCredentials(none).getMessage()).startsWith("no usable AWS credentials");
    assertThat(AwsFailure.ofCredentials(unreachable).kind()).isEqualTo(Kind.TRANSIENT);
  }
}
