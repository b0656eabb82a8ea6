package dev.cifederation.operator.cloud;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The identity a cloud call is made for, in the one form every cloud's audit trail can carry: the
 * label {@code cifed.<namespace>.<name>}, e.g. {@code cifed.team-a.deploy}. The adapters put it in
 * the AWS role session name of a write and in the User-Agent of the identity's calls, so a change
 * found in CloudTrail, Cloud Audit Logs or ARM leads back to the {@code namespace/name} that caused
 * it.
 *
 * <p>The label is readable when the namespace is a DNS label, the name a DNS subdomain (what
 * Kubernetes allows) and it fits in {@link #MAX_LENGTH}. A namespace has no {@code .}, so the first
 * {@code .} after the prefix ends it: distinct identities have distinct readable labels. Otherwise
 * every character outside {@code [a-z0-9.-]} becomes {@code -}, the result is cut to fit, and
 * {@code _} plus the first {@value #DIGEST_HEX_DIGITS} hex digits of sha256("namespace/name") end
 * it: a hashed label never equals a readable one (no Kubernetes name contains {@code _}), and two
 * hashed labels are equal only if 64 bits of SHA-256 collide.
 *
 * <p>Names come from users; whatever they hold, a label has only {@code [a-z0-9._-]}: legal in a
 * role session name ({@code [\w+=,.@-]}, 2-64) and in an HTTP header token, with no CR/LF or space
 * to inject a header or fake another User-Agent product.
 */
public record Attribution(String namespace, String name) {

  /** AWS role session names hold at most 64 characters; the label fits every cloud. */
  public static final int MAX_LENGTH = 64;

  /** The User-Agent product that carries the label: {@code cifed-identity/<label>}. */
  public static final String USER_AGENT_PRODUCT = "cifed-identity";

  static final String PREFIX = "cifed.";
  static final int DIGEST_HEX_DIGITS = 16;

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  public Attribution {
    // never an exception: a cleanup must be attributable whatever the names hold
    namespace = namespace == null ? "" : namespace;
    name = name == null ? "" : name;
  }

  public static Attribution of(CloudRequest request) {
    return new Attribution(request.namespace(), request.name());
  }

  /** {@code namespace/name}, as the ownership tags and the operator's logs write it. */
  public String owner() {
    return namespace + "/" + name;
  }

  /** The label: {@code cifed.<namespace>.<name>}, or its hashed form (see the class comment). */
  public String label() {
    String readable = PREFIX + namespace + "." + name;
    if (readable.length() <= MAX_LENGTH
        && DNS_LABEL.matcher(namespace).matches()
        && DNS_SUBDOMAIN.matcher(name).matches()) {
      return readable;
    }
    String kept = sanitised(namespace + "." + name);
    int room = MAX_LENGTH - PREFIX.length() - 1 - DIGEST_HEX_DIGITS;
    return PREFIX + kept.substring(0, Math.min(kept.length(), room)) + "_" + digest();
  }

  /** The first 16 hex digits of sha256("namespace/name"): what a hashed label ends in. */
  public String digest() {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(owner().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash).substring(0, DIGEST_HEX_DIGITS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** {@code cifed-identity/<label>}: one product token to append to a User-Agent. */
  public String userAgentToken() {
    return USER_AGENT_PRODUCT + "/" + label();
  }

  private static String sanitised(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean kept = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
      out.append(kept ? c : '-');
    }
    return out.toString();
  }
}
