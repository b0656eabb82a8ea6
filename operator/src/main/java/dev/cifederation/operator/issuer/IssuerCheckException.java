package dev.cifederation.operator.issuer;

import dev.cifederation.operator.api.v1alpha1.IssuerReachableReason;

/** Why an issuer check failed, as a closed reason plus a message for people. */
public final class IssuerCheckException extends Exception {

  private final IssuerReachableReason reason;

  public IssuerCheckException(IssuerReachableReason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public IssuerCheckException(IssuerReachableReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public IssuerReachableReason reason() {
    return reason;
  }
}
