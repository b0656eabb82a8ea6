package dev.cifederation.fakes.gcp;

/**
 * An error the fake answers with, in Google's shape: {@code {"error": {"code": 409, "message":
 * "...", "status": "ALREADY_EXISTS"}}}. {@link Code} carries the canonical gRPC code, its HTTP
 * status and its name, so operations can report the same error as a {@code google.rpc.Status}.
 */
public final class ApiError extends RuntimeException {

  /** The canonical codes the IAM API uses, with the HTTP status Google maps each to. */
  public enum Code {
    INVALID_ARGUMENT(3, 400),
    FAILED_PRECONDITION(9, 400),
    UNAUTHENTICATED(16, 401),
    PERMISSION_DENIED(7, 403),
    NOT_FOUND(5, 404),
    ALREADY_EXISTS(6, 409),
    ABORTED(10, 409),
    RESOURCE_EXHAUSTED(8, 429),
    INTERNAL(13, 500),
    UNAVAILABLE(14, 503),
    DEADLINE_EXCEEDED(4, 504);

    private final int grpc;
    private final int http;

    Code(int grpc, int http) {
      this.grpc = grpc;
      this.http = http;
    }

    public int grpc() {
      return grpc;
    }

    public int http() {
      return http;
    }

    /** The code Google answers a bare HTTP status with (for fault injection by status). */
    public static Code forHttp(int http) {
      return switch (http) {
        case 400 -> INVALID_ARGUMENT;
        case 401 -> UNAUTHENTICATED;
        case 403 -> PERMISSION_DENIED;
        case 404 -> NOT_FOUND;
        case 409 -> ABORTED;
        case 429 -> RESOURCE_EXHAUSTED;
        case 500 -> INTERNAL;
        case 503 -> UNAVAILABLE;
        case 504 -> DEADLINE_EXCEEDED;
        default -> throw new IllegalArgumentException("no canonical code for HTTP " + http);
      };
    }

    public static Code forGrpc(int grpc) {
      for (Code code : values()) {
        if (code.grpc == grpc) {
          return code;
        }
      }
      throw new IllegalArgumentException("unknown gRPC code " + grpc);
    }
  }

  private final Code code;

  public ApiError(Code code, String message) {
    super(message);
    this.code = code;
  }

  public Code code() {
    return code;
  }

  static ApiError invalid(String message) {
    return new ApiError(Code.INVALID_ARGUMENT, message);
  }

  static ApiError notFound() {
    return new ApiError(Code.NOT_FOUND, "Requested entity was not found.");
  }

  static ApiError alreadyExists() {
    return new ApiError(Code.ALREADY_EXISTS, "Requested entity already exists");
  }

  static ApiError precondition(String message) {
    return new ApiError(Code.FAILED_PRECONDITION, message);
  }
}
