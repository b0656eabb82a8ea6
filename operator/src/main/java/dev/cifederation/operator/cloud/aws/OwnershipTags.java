package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.Owner.Verdict;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the AWS adapter stores the ownership marks of {@link Owner} on what it creates: as IAM tags.
 * A role carries its identity ({@code cifederation.dev/owner=<namespace>/<name>}), the cluster and
 * the identity object's UID; a shared OIDC provider carries {@value #SHARED_OWNER} and the cluster
 * (no UID: every identity of the account that trusts the issuer uses it). Whose an object is, is
 * then {@link Owner#judge}'s one rule; this class only reads and writes the tags and words the
 * verdicts for messages.
 */
final class OwnershipTags {

  static final String OWNER_TAG = "cifederation.dev/owner";
  static final String CLUSTER_TAG = "cifederation.dev/cluster";
  static final String UID_TAG = "cifederation.dev/uid";

  /** Every mark, for releasing an object (deletionPolicy Orphan). */
  static final List<String> MARKS = List.of(OWNER_TAG, CLUSTER_TAG, UID_TAG);

  /**
   * The owner tag value of an OIDC provider, shared by every identity of the account that trusts
   * the issuer; an identity's owner is always {@code <namespace>/<name>}, so the two cannot clash.
   */
  static final String SHARED_OWNER = "shared";

  private OwnershipTags() {}

  /** The owner of the account's OIDC providers made by this cluster's operator. */
  static Owner ofProvider(String cluster) {
    return new Owner(SHARED_OWNER, cluster, "");
  }

  /** The tags that mark an object as {@code owner}'s (no UID tag for a shared owner). */
  static Map<String, String> tags(Owner owner) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(OWNER_TAG, owner.owner());
    tags.put(CLUSTER_TAG, owner.cluster());
    if (!owner.uid().isEmpty()) {
      tags.put(UID_TAG, owner.uid());
    }
    return tags;
  }

  static Owner.Marks marks(Map<String, String> tags) {
    return new Owner.Marks(tags.get(OWNER_TAG), tags.get(CLUSTER_TAG), tags.get(UID_TAG));
  }

  /** Whether every mark on the object is {@code owner}'s. */
  static boolean owns(Owner owner, Map<String, String> tags) {
    return owner.judge(marks(tags), false) == Verdict.OURS;
  }

  /**
   * Whose a role is for {@code owner}, whose status records {@code recordedRoleArn} (may be null).
   * An IAM role's ARN is made from its name, which whoever creates a role chooses, so a recorded
   * ARN vouches only for a role that still carries one of our marks: a role with none at all, even
   * at the recorded ARN, may have been re-created by someone else and is not taken as ours.
   */
  static Verdict judge(Owner owner, LiveRole role, String recordedRoleArn) {
    Owner.Marks found = marks(role.tags());
    boolean recorded = role.arn().equals(recordedRoleArn) && !found.isEmpty();
    return owner.judge(found, recorded);
  }

  /** The marks of {@code owner} that the tags lack or contradict: what re-marking writes. */
  static Map<String, String> missing(Owner owner, Map<String, String> tags) {
    Map<String, String> missing = new LinkedHashMap<>();
    tags(owner)
        .forEach(
            (key, value) -> {
              if (!value.equals(tags.get(key))) {
                missing.put(key, value);
              }
            });
    return missing;
  }

  /** For Events: marks written on a role that is ours ({@link Verdict#needsMarks}), and why. */
  static String marksWritten(String roleArn, Verdict verdict, Map<String, String> marks) {
    StringBuilder written = new StringBuilder();
    marks.forEach(
        (key, value) ->
            written.append(written.isEmpty() ? "" : ", ").append(key).append('=').append(value));
    return "IAM role "
        + roleArn
        + (marks.size() == 1 ? ": ownership mark " : ": ownership marks ")
        + written
        + (verdict == Verdict.LEGACY
            ? " written (the role predates UID marks; this identity's status records it)"
            : " written again (they were removed out of band)");
  }

  /** For messages: why an object is not this identity's, and what its tags say instead. */
  static String explain(Owner owner, Verdict verdict, Map<String, String> tags) {
    return switch (verdict) {
      case OURS, MARKS_DRIFTED, LEGACY -> "it is managed by this identity";
      case EARLIER_NAMESAKE -> earlierNamesake(owner, tags);
      case OTHER_OWNER, OTHER_CLUSTER, UNMARKED -> describe(tags);
    };
  }

  private static String earlierNamesake(Owner owner, Map<String, String> tags) {
    if (tags.get(UID_TAG) != null) {
      return "it was made for an earlier object of the same name ("
          + UID_TAG
          + "="
          + tags.get(UID_TAG)
          + ", this identity is "
          + owner.uid()
          + ")";
    }
    if (owner.owner().equals(tags.get(OWNER_TAG))
        && owner.cluster().equals(tags.get(CLUSTER_TAG))) {
      return "it is tagged "
          + OWNER_TAG
          + "="
          + owner.owner()
          + " without "
          + UID_TAG
          + " and this identity's status does not record it: it was made for an earlier object"
          + " of the same name, or by an earlier operator version whose record is lost";
    }
    return describe(tags);
  }

  /** For messages: what the object's ownership tags say. */
  static String describe(Map<String, String> tags) {
    String owner = tags.get(OWNER_TAG);
    String cluster = tags.get(CLUSTER_TAG);
    if (owner == null && cluster == null) {
      return "it has no cifederation.dev ownership tags";
    }
    return "it is tagged " + OWNER_TAG + "=" + owner + ", " + CLUSTER_TAG + "=" + cluster;
  }
}
