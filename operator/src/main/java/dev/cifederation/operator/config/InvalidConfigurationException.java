package dev.cifederation.operator.config;

/**
 * A variable with a bad value, or a required one missing: the message names the variable and the
 * rule, and is all the operator prints before it exits (no stack trace to dig it out of).
 */
public final class InvalidConfigurationException extends IllegalArgumentException {

  InvalidConfigurationException(String message) {
    super(message);
  }
}
