package dev.cifederation.operator.trust;

import java.util.Objects;

/**
 * Whether one cloud's trust would let a token in, and why (or why not), in words a person can act
 * on: the statement, condition or credential that decided it and the claim values it compared.
 */
public record Admission(boolean admitted, String reason) {

  public Admission {
    Objects.requireNonNull(reason, "reason");
  }

  static Admission admitted(String reason) {
    return new Admission(true, reason);
  }

  static Admission refused(String reason) {
    return new Admission(false, reason);
  }
}
