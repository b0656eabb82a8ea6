package dev.cifederation.operator.trust;

/**
 * A spec that cannot be expressed for the issuer's dialect or for one of the clouds. The message
 * names the offending field and the rule it breaks. Terminal: retrying the same spec cannot
 * succeed, the user has to change it.
 */
public class TrustCompilationException extends Exception {

  private static final long serialVersionUID = 1L;

  public TrustCompilationException(String message) {
    super(message);
  }
}
