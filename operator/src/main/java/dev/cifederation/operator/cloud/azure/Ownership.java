package dev.cifederation.operator.cloud.azure;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Ownership of a managed identity, carried by two tags.
 *
 * <p>The project's tag names are {@code cifederation.dev/owner} and {@code
 * cifederation.dev/cluster}, but Azure rejects tag names containing {@code /} (400
 * InvalidTagNameCharacters), so on Azure the {@code /} becomes {@code _}: {@code
 * cifederation.dev_owner} and {@code cifederation.dev_cluster}. Values are {@code
 * <namespace>/<name>} and the cluster name; an Azure tag value holds at most 256 characters, so a
 * longer value is cut and suffixed with a hash of the whole, which keeps it unique.
 *
 * @param owner the value of the owner tag for this resource
 * @param cluster the value of the cluster tag for this operator
 */
record Ownership(String owner, String cluster) {

  static final String OWNER_TAG = "cifederation.dev_owner";
  static final String CLUSTER_TAG = "cifederation.dev_cluster";
  static final int TAG_VALUE_MAX = 256;

  /** How an existing identity relates to this resource. */
  enum Verdict {
    /** Both tags say this resource and this cluster. */
    OWNED,
    /**
     * Ours, but a tag was removed or emptied out of band: the owner tag is ours with the cluster
     * tag missing, or the identity's principal is the one this resource recorded in its status.
     */
    OWNED_TAGS_DRIFTED,
    /** Another owner, another cluster, or no tags and no record of ours: never modified. */
    FOREIGN
  }

  Ownership {
    owner = tagValue(Objects.requireNonNull(owner, "owner"));
    cluster = tagValue(Objects.requireNonNull(cluster, "cluster"));
  }

  /** The two ownership tags. */
  Map<String, String> tags() {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(OWNER_TAG, owner);
    tags.put(CLUSTER_TAG, cluster);
    return tags;
  }

  /**
   * @param recordedPrincipalId the principal ID this resource's status recorded, or null
   */
  Verdict judge(Map<String, String> liveTags, String livePrincipalId, String recordedPrincipalId) {
    String liveOwner = tag(liveTags, OWNER_TAG);
    String liveCluster = tag(liveTags, CLUSTER_TAG);
    if (owner.equals(liveOwner) && cluster.equals(liveCluster)) {
      return Verdict.OWNED;
    }
    if ((liveOwner != null && !owner.equals(liveOwner))
        || (liveCluster != null && !cluster.equals(liveCluster))) {
      return Verdict.FOREIGN;
    }
    boolean recorded =
        recordedPrincipalId != null && recordedPrincipalId.equalsIgnoreCase(livePrincipalId);
    return owner.equals(liveOwner) || recorded ? Verdict.OWNED_TAGS_DRIFTED : Verdict.FOREIGN;
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
          if (!name.equalsIgnoreCase(OWNER_TAG) && !name.equalsIgnoreCase(CLUSTER_TAG)) {
            kept.put(name, value);
          }
        });
    return kept;
  }

  static String tag(Map<String, String> tags, String name) {
    return tags.entrySet().stream()
        .filter(e -> e.getKey().equalsIgnoreCase(name))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElse(null);
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
