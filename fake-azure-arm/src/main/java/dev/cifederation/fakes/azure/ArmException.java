package dev.cifederation.fakes.azure;

import java.util.Map;

/**
 * An ARM error response: an HTTP status and the body {@code {"error":{"code","message"}}}, with
 * optional extra headers (e.g. {@code Retry-After}).
 */
public final class ArmException extends RuntimeException {

  private final int status;
  private final String code;
  private final Map<String, String> headers;

  public ArmException(int status, String code, String message) {
    this(status, code, message, Map.of());
  }

  public ArmException(int status, String code, String message, Map<String, String> headers) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = Map.copyOf(headers);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public Map<String, String> headers() {
    return headers;
  }

  static ArmException badRequest(String code, String message) {
    return new ArmException(400, code, message);
  }

  static ArmException notFound(String code, String message) {
    return new ArmException(404, code, message);
  }

  static ArmException conflict(String code, String message) {
    return new ArmException(409, code, message);
  }
}
