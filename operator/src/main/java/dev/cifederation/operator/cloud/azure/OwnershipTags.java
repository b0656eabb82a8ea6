package dev.cifederation.operator.cloud.azure;

import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.cloud.CloudFailure;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.Owner.Verdict;
import dev.cifederation.operator.cloud.azure.ArmClient.LiveIdentity;
import dev.cifederation.operator.trust.Wildcard;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How the Azure adapter stores the ownership marks of {@link Owner} on a managed identity: as three
 * ARM tags, the owning resource's namespace/name, the operator's cluster name and the owning
 * resource's UID. Whose an identity is, is then {@link Owner#judge}'s one rule; this class only
 * reads and writes the tags.
 *
 * <p>The project's mark names are {@code cifederation.dev/owner}, {@code cifederation.dev/cluster}
 * and {@code cifederation.dev/uid}, but Azure rejects tag names containing {@code /} (400
 * InvalidTagNameCharacters), so on Azure the {@code /} becomes {@code _}; Azure compares tag names
 * case-insensitively, and so does this class. An Azure tag value holds at most 256 characters, so a
 * longer value is cut and suffixed with a hash of the whole, which keeps it unique: the {@link
 * Owner} of a resource carries its marks in that form, so that they compare equal to what Azure
 * stores.
 */
final class OwnershipTags {

  static final String OWNER_TAG = "cifederation.dev_owner";
  static final String CLUSTER_TAG = "cifederation.dev_cluster";
  static final String UID_TAG = "cifederation.dev_uid";
  static final int TAG_VALUE_MAX = 256;

  private OwnershipTags() {}

  /**
   * The owner of what the operator makes in Azure for a resource, its marks as Azure tag values.
   *
   * @throws CloudFailure InvalidSpec when the resource has no UID to mark its objects with
   */
  static Owner ownerOf(CloudRequest request, String cluster) {
    if (request.uid().isBlank()) {
      throw new CloudFailure(
          CloudReason.InvalidSpec,
          "The resource has no metadata.uid, which the operator marks its Azure objects with");
    }
    return new Owner(tagValue(request.owner()), tagValue(cluster), tagValue(request.uid()));
  }

  /** The three ownership tags. */
  static Map<String, String> tags(Owner owner) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(OWNER_TAG, owner.owner());
    tags.put(CLUSTER_TAG, owner.cluster());
    tags.put(UID_TAG, owner.uid());
    return tags;
  }

  /** The marks an identity's tags carry (names compared case-insensitively). */
  static Owner.Marks marks(Map<String, String> tags) {
    return new Owner.Marks(tag(tags, OWNER_TAG), tag(tags, CLUSTER_TAG), tag(tags, UID_TAG));
  }

  /**
   * Whose an identity is for {@code owner}, whose status records {@code recordedPrincipalId} (may
   * be null): the principal ID is Azure's, which no one can choose, so it vouches for the very
   * identity the resource made.
   */
  static Verdict judge(Owner owner, LiveIdentity identity, String recordedPrincipalId) {
    boolean recorded =
        recordedPrincipalId != null && recordedPrincipalId.equalsIgnoreCase(identity.principalId());
    return owner.judge(marks(identity.tags()), recorded);
  }

  /** The live tags with the owner's set, everyone else's kept. */
  static Map<String, String> withOwnership(Map<String, String> liveTags, Owner owner) {
    Map<String, String> merged = withoutOwnership(liveTags);
    merged.putAll(tags(owner));
    return merged;
  }

  /** The live tags without the ownership tags. */
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

  /** For messages: why an identity is not the resource {@code owner}'s (namespace/name). */
  static String describe(Verdict verdict, String owner, String cluster) {
    return switch (verdict) {
      case UNMARKED -> "it carries no ownership tags of this operator";
      case EARLIER_NAMESAKE ->
          "it was made for an earlier object named "
              + owner
              + ", not this one; adoption must be granted by a CIFederationPolicy";
      case OTHER_OWNER -> "it belongs to another resource of cluster " + cluster;
      case OTHER_CLUSTER -> "it is managed by the operator of another cluster";
      case OURS, MARKS_DRIFTED, LEGACY -> "owned";
    };
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

  private static String tag(Map<String, String> tags, String name) {
    return tags.entrySet().stream()
        .filter(e -> e.getKey().equalsIgnoreCase(name))
        .map(Map.Entry::getValue)
        .filter(value -> value != null && !value.isEmpty())
        .findFirst()
        .orElse(null);
  }
}
