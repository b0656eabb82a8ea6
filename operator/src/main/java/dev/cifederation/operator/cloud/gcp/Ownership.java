package dev.cifederation.operator.cloud.gcp;

import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.trust.Wildcard;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How GCP stores the ownership marks. Pools and providers have no labels, so the operator writes
 * its marks into the description (at most 256 characters), as whitespace-separated {@code
 * key=value} tokens:
 *
 * <ul>
 *   <li>a provider: {@code cifederation.dev/owner=<namespace>/<name> cifederation.dev/uid=<uid>
 *       cifederation.dev/cluster=<cluster>} — or, when that would exceed 256 characters, {@code
 *       cifederation.dev/owner-sha256=<32 hex digits of sha256(namespace/name)>} in place of the
 *       owner, the uid and the cluster still written in full;
 *   <li>a pool the operator created: {@code cifederation.dev/managed-by=cifederation-operator
 *       cifederation.dev/cluster=<cluster> cifederation.dev/issuer=<issuer URL>} (or {@code
 *       issuer-sha256} when long): it may be deleted once no provider uses it, and it serves that
 *       issuer only.
 * </ul>
 *
 * Whose a provider is follows from its marks by the one rule of every cloud, {@link Owner#judge};
 * this class only reads them back ({@link #marksOf}). A pool without this cluster's marks is used,
 * but never changed or deleted.
 */
final class Ownership {

  static final String OWNER = "cifederation.dev/owner";
  static final String OWNER_HASH = "cifederation.dev/owner-sha256";
  static final String UID = "cifederation.dev/uid";
  static final String CLUSTER = "cifederation.dev/cluster";
  static final String MANAGED_BY = "cifederation.dev/managed-by";
  static final String ISSUER = "cifederation.dev/issuer";
  static final String ISSUER_HASH = "cifederation.dev/issuer-sha256";
  static final String OPERATOR = "cifederation-operator";
  static final int DESCRIPTION_MAX = 256;

  private Ownership() {}

  /** The description that marks a provider as {@code owner}'s. */
  static String providerDescription(Owner owner) {
    String uidMark = owner.uid().isEmpty() ? "" : " " + UID + "=" + owner.uid();
    String clusterMark = " " + CLUSTER + "=" + owner.cluster();
    String readable = OWNER + "=" + owner.owner() + uidMark + clusterMark;
    if (readable.length() <= DESCRIPTION_MAX) {
      return readable;
    }
    return OWNER_HASH + "=" + hash(owner.owner()) + uidMark + clusterMark;
  }

  /**
   * The marks a provider's description carries, as {@code of} would compare them: a hashed owner
   * reads as {@code of}'s owner when the hashes match, and as something no owner can be otherwise.
   */
  static Owner.Marks marksOf(String description, Owner of) {
    Map<String, String> marks = marks(description);
    String owner = marks.get(OWNER);
    String hashed = marks.get(OWNER_HASH);
    if (owner == null && hashed != null) {
      owner = hashed.equals(hash(of.owner())) ? of.owner() : OWNER_HASH + "=" + hashed;
    }
    return new Owner.Marks(owner, marks.get(CLUSTER), marks.get(UID));
  }

  static String poolDescription(String cluster, String issuerUri) {
    String base = MANAGED_BY + "=" + OPERATOR + " " + CLUSTER + "=" + cluster;
    return withIssuer(base, issuerUri);
  }

  /** The description with this pool's issuer mark appended (nothing else changed). */
  static String withIssuer(String description, String issuerUri) {
    String base = description == null ? "" : description.trim();
    String sep = base.isEmpty() ? "" : " ";
    String readable = base + sep + ISSUER + "=" + issuerUri;
    if (readable.length() <= DESCRIPTION_MAX
        && issuerUri.chars().noneMatch(Character::isWhitespace)) {
      return readable;
    }
    return base + sep + ISSUER_HASH + "=" + hash(issuerUri);
  }

  /**
   * Whether a pool's issuer mark names another issuer than this one; empty when the pool has no
   * issuer mark.
   */
  static Optional<Boolean> poolServesOther(String description, String issuerUri) {
    Map<String, String> marks = marks(description);
    if (marks.containsKey(ISSUER)) {
      return Optional.of(!marks.get(ISSUER).equals(issuerUri));
    }
    if (marks.containsKey(ISSUER_HASH)) {
      return Optional.of(!marks.get(ISSUER_HASH).equals(hash(issuerUri)));
    }
    return Optional.empty();
  }

  /**
   * The first adoption grant (a provider-name pattern; {@code *} matches any run of characters)
   * that matches the provider's full name.
   */
  static Optional<String> adoptionGrant(List<String> patterns, String providerName) {
    return patterns.stream().filter(p -> Wildcard.starsOnly(p).matches(providerName)).findFirst();
  }

  static boolean hasIssuerMark(String description) {
    Map<String, String> marks = marks(description);
    return marks.containsKey(ISSUER) || marks.containsKey(ISSUER_HASH);
  }

  /** The issuer a pool's mark names, for messages (the hash when only that is known). */
  static String markedIssuer(String description) {
    Map<String, String> marks = marks(description);
    if (marks.containsKey(ISSUER)) {
      return marks.get(ISSUER);
    }
    return marks.containsKey(ISSUER_HASH)
        ? "the issuer of sha256 prefix " + marks.get(ISSUER_HASH)
        : null;
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

  static String hash(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
