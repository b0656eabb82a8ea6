package dev.cifederation.operator.cloud.azure;

import dev.cifederation.operator.trust.Wildcard;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Ownership of a managed identity, carried by three tags: the owning resource's namespace/name, the
 * operator's cluster name, and the owning resource's UID.
 *
 * <p>The project's tag names are {@code cifederation.dev/owner}, {@code cifederation.dev/cluster}
 * and {@code cifederation.dev/uid}, but Azure rejects tag names containing {@code /} (400
 * InvalidTagNameCharacters), so on Azure the {@code /} becomes {@code _}. The UID is what a
 * resource re-created under the same namespace/name cannot have, so it cannot inherit what an
 * earlier one left. An Azure tag value holds at most 256 characters, so a longer value is cut and
 * suffixed with a hash of the whole, which keeps it unique.
 *
 * @param owner the value of the owner tag for this resource
 * @param cluster the value of the cluster tag for this operator
 * @param uid the value of the UID tag: this resource's metadata.uid
 */
record Ownership(String owner, String cluster, String uid) {

  static final String OWNER_TAG = "cifederation.dev_owner";
  static final String CLUSTER_TAG = "cifederation.dev_cluster";
  static final String UID_TAG = "cifederation.dev_uid";
  static final int TAG_VALUE_MAX = 256;

  /** How an existing identity relates to this resource. */
  enum Verdict {
    /** All three tags say this resource, this cluster and this UID. */
    OWNED,
    /**
     * Ours, but a tag was removed or emptied out of band: the UID tag is ours (no other tag says
     * otherwise), or no tag is left and the principal is the one this resource recorded.
     */
    OWNED_TAGS_DRIFTED,
    /**
     * Made by the previous version (owner and cluster tags, no UID tag) and recorded in this
     * resource's status: ours; the UID tag is written once.
     */
    LEGACY,
    /**
     * Owner and cluster tags say this namespace/name, but the UID is another's (or missing and the
     * principal not recorded): made for an earlier resource of the same name. Adoptable by grant.
     */
    EARLIER_NAMESAKE,
    /** No ownership tag at all and no record of ours. Adoptable by grant. */
    UNMARKED,
    /** Another resource's in this cluster: never modified, never adopted. */
    OTHER_OWNER,
    /** Another cluster's operator's: never modified, never adopted. */
    OTHER_CLUSTER;

    /** Whether the operator may act on the identity for this resource. */
    boolean ours() {
      return this == OWNED || this == OWNED_TAGS_DRIFTED || this == LEGACY;
    }

    /** Whether an administrator's grant may let this resource take the identity over. */
    boolean adoptable() {
      return this == UNMARKED || this == EARLIER_NAMESAKE;
    }
  }

  Ownership {
    owner = tagValue(Objects.requireNonNull(owner, "owner"));
    cluster = tagValue(Objects.requireNonNull(cluster, "cluster"));
    Objects.requireNonNull(uid, "uid");
    if (uid.isBlank()) {
      throw new IllegalArgumentException("an owner without a UID cannot mark what it owns");
    }
    uid = tagValue(uid);
  }

  /** The three ownership tags. */
  Map<String, String> tags() {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(OWNER_TAG, owner);
    tags.put(CLUSTER_TAG, cluster);
    tags.put(UID_TAG, uid);
    return tags;
  }

  /**
   * @param recordedPrincipalId the principal ID this resource's status recorded, or null
   */
  Verdict judge(Map<String, String> liveTags, String livePrincipalId, String recordedPrincipalId) {
    String liveOwner = tag(liveTags, OWNER_TAG);
    String liveCluster = tag(liveTags, CLUSTER_TAG);
    String liveUid = tag(liveTags, UID_TAG);
    if (liveCluster != null && !cluster.equals(liveCluster)) {
      return Verdict.OTHER_CLUSTER;
    }
    if (liveOwner != null && !owner.equals(liveOwner)) {
      return Verdict.OTHER_OWNER;
    }
    if (liveUid != null && !uid.equals(liveUid)) {
      return Verdict.EARLIER_NAMESAKE;
    }
    // every tag present is ours
    if (liveOwner != null && liveCluster != null && liveUid != null) {
      return Verdict.OWNED;
    }
    if (liveUid != null) {
      return Verdict.OWNED_TAGS_DRIFTED;
    }
    boolean recorded =
        recordedPrincipalId != null && recordedPrincipalId.equalsIgnoreCase(livePrincipalId);
    if (liveOwner != null && liveCluster != null) {
      return recorded ? Verdict.LEGACY : Verdict.EARLIER_NAMESAKE;
    }
    if (recorded) {
      return Verdict.OWNED_TAGS_DRIFTED;
    }
    return liveOwner == null && liveCluster == null ? Verdict.UNMARKED : Verdict.EARLIER_NAMESAKE;
  }

  /** The live tags with ours set, everyone else's kept. */
  Map<String, String> withOwnership(Map<String, String> liveTags) {
    Map<String, String> merged = withoutOwnership(liveTags);
    merged.putAll(tags());
    return merged;
  }

  /** The live tags without ours (Azure tag names are case-insensitive). */
  static Map<String, String> withoutOwnership(Map<String, String> liveTags) {
    Map<String, String> kept = new LinkedHashMap<>();
    liveTags.forEach(
        (name, value) -> {
          if (!name.equalsIgnoreCase(OWNER_TAG)
              && !name.equalsIgnoreCase(CLUSTER_TAG)
              && !name.equalsIgnoreCase(UID_TAG)) {
            kept.put(name, value);
          }
        });
    return kept;
  }

  static String tag(Map<String, String> tags, String name) {
    return tags.entrySet().stream()
        .filter(e -> e.getKey().equalsIgnoreCase(name))
        .map(Map.Entry::getValue)
        .filter(value -> value != null && !value.isEmpty())
        .findFirst()
        .orElse(null);
  }

  /**
   * The adoptable pattern (from the selecting policies) that the identity's resource ID matches, if
   * any: {@code *} matches any run of characters; ARM IDs compare case-insensitively.
   */
  static Optional<String> grantedAdoption(List<String> patterns, String resourceId) {
    if (resourceId == null) {
      return Optional.empty();
    }
    return patterns.stream()
        .filter(pattern -> Wildcard.starsOnly(pattern.strip()).ignoringCase().matches(resourceId))
        .findFirst();
  }

  static String tagValue(String value) {
    if (value.length() <= TAG_VALUE_MAX) {
      return value;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      String hash = HexFormat.of().formatHex(digest).substring(0, 8);
      return value.substring(0, TAG_VALUE_MAX - 9) + "~" + hash;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
