package dev.cifederation.operator.cloud.gcp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * Ownership markers. GCP pools and providers have no labels, so the operator writes its marks into
 * the description (at most 256 characters), as whitespace-separated {@code key=value} tokens:
 *
 * <ul>
 *   <li>a provider: {@code cifederation.dev/owner=<namespace>/<name>
 *       cifederation.dev/cluster=<cluster>} — or, when that would exceed 256 characters, {@code
 *       cifederation.dev/owner-sha256=<32 hex digits of sha256(namespace/name)>};
 *   <li>a pool the operator created: {@code cifederation.dev/managed-by=cifederation-operator
 *       cifederation.dev/cluster=<cluster>}: it may be deleted once no provider uses it.
 * </ul>
 *
 * A same-ID provider without the marks of this identity and cluster is someone else's and is never
 * changed; a pool without them is used, but never changed or deleted.
 */
final class Ownership {

  static final String OWNER = "cifederation.dev/owner";
  static final String OWNER_HASH = "cifederation.dev/owner-sha256";
  static final String CLUSTER = "cifederation.dev/cluster";
  static final String MANAGED_BY = "cifederation.dev/managed-by";
  static final String OPERATOR = "cifederation-operator";
  static final int DESCRIPTION_MAX = 256;

  /** Who a provider belongs to, as far as its description says. */
  enum Verdict {
    /** Marked for this identity by this cluster's operator. */
    OURS,
    /** No ownership marks: created by someone else, or released (deletionPolicy Orphan). */
    UNMARKED,
    /** Marked for another identity. */
    OTHER_OWNER,
    /** Marked for this identity by the operator of another cluster. */
    OTHER_CLUSTER
  }

  private Ownership() {}

  static String providerDescription(String owner, String cluster) {
    String readable = OWNER + "=" + owner + " " + CLUSTER + "=" + cluster;
    if (readable.length() <= DESCRIPTION_MAX) {
      return readable;
    }
    return OWNER_HASH + "=" + ownerHash(owner) + " " + CLUSTER + "=" + cluster;
  }

  static String poolDescription(String cluster) {
    return MANAGED_BY + "=" + OPERATOR + " " + CLUSTER + "=" + cluster;
  }

  static Verdict provider(String description, String owner, String cluster) {
    Map<String, String> marks = marks(description);
    String markedOwner = marks.get(OWNER);
    String markedHash = marks.get(OWNER_HASH);
    if (markedOwner == null && markedHash == null) {
      return Verdict.UNMARKED;
    }
    boolean sameOwner =
        markedOwner != null ? markedOwner.equals(owner) : markedHash.equals(ownerHash(owner));
    if (!sameOwner) {
      return Verdict.OTHER_OWNER;
    }
    return cluster.equals(marks.get(CLUSTER)) ? Verdict.OURS : Verdict.OTHER_CLUSTER;
  }

  /** Whether any provider marks of this cluster are present (whatever the owner). */
  static boolean markedByCluster(String description, String cluster) {
    Map<String, String> marks = marks(description);
    return (marks.containsKey(OWNER) || marks.containsKey(OWNER_HASH))
        && cluster.equals(marks.get(CLUSTER));
  }

  /** Whether this cluster's operator created the pool. */
  static boolean poolCreatedByUs(String description, String cluster) {
    Map<String, String> marks = marks(description);
    return OPERATOR.equals(marks.get(MANAGED_BY)) && cluster.equals(marks.get(CLUSTER));
  }

  /** What the marks say, for messages: the owner, or "nobody". */
  static String describe(String description) {
    Map<String, String> marks = marks(description);
    if (marks.containsKey(OWNER)) {
      return marks.get(OWNER) + " (cluster " + marks.getOrDefault(CLUSTER, "?") + ")";
    }
    if (marks.containsKey(OWNER_HASH)) {
      return "owner hash "
          + marks.get(OWNER_HASH)
          + " (cluster "
          + marks.getOrDefault(CLUSTER, "?")
          + ")";
    }
    return "no cifederation.dev ownership marks";
  }

  private static Map<String, String> marks(String description) {
    Map<String, String> marks = new HashMap<>();
    if (description == null) {
      return marks;
    }
    for (String token : description.trim().split("\\s+")) {
      int eq = token.indexOf('=');
      if (eq > 0 && token.startsWith("cifederation.dev/")) {
        marks.putIfAbsent(token.substring(0, eq), token.substring(eq + 1));
      }
    }
    return marks;
  }

  static String ownerHash(String owner) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(owner.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
