package dev.cifederation.operator.cloud.aws;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The ownership tags the operator puts on what it creates: a role carries its identity ({@code
 * cifederation.dev/owner=<namespace>/<name>}), the cluster and the identity object's UID ({@code
 * cifederation.dev/uid}), so an identity re-created under the same namespace/name cannot inherit
 * what an earlier one left; a shared OIDC provider carries {@value #SHARED_OWNER} and the cluster
 * (no UID: every identity of the account that trusts the issuer uses it). Objects without our marks
 * are never modified or deleted, except when adopted by grant.
 *
 * @param uid the identity object's UID; empty for the shared provider (and for identities never
 *     stored, in unit tests), which then carries no UID mark and is not checked for one
 */
public record Ownership(String owner, String cluster, String uid) {

  public static final String OWNER_TAG = "cifederation.dev/owner";
  public static final String CLUSTER_TAG = "cifederation.dev/cluster";
  public static final String UID_TAG = "cifederation.dev/uid";

  /** Every mark, for releasing an object (deletionPolicy Orphan). */
  public static final List<String> MARKS = List.of(OWNER_TAG, CLUSTER_TAG, UID_TAG);

  /**
   * The owner tag value of an OIDC provider, shared by every identity of the account that trusts
   * the issuer; an identity's owner is always {@code <namespace>/<name>}, so the two cannot clash.
   */
  public static final String SHARED_OWNER = "shared";

  public Ownership {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(uid, "uid");
  }

  public static Ownership ofProvider(String cluster) {
    return new Ownership(SHARED_OWNER, cluster, "");
  }

  public Map<String, String> tags() {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(OWNER_TAG, owner);
    tags.put(CLUSTER_TAG, cluster);
    if (!uid.isEmpty()) {
      tags.put(UID_TAG, uid);
    }
    return tags;
  }

  /** Whether an object's tags say it is this owner's, in this cluster (and of this UID). */
  public boolean owns(Map<String, String> tags) {
    return verdict(tags, false) == Verdict.OURS;
  }

  /**
   * What an object's tags make of it for this owner.
   *
   * @param recorded whether the identity's status records this very object: only then is a legacy
   *     object (owner and cluster marks, no UID mark) this identity's
   */
  public Verdict verdict(Map<String, String> tags, boolean recorded) {
    String taggedOwner = tags.get(OWNER_TAG);
    String taggedCluster = tags.get(CLUSTER_TAG);
    if (taggedCluster != null && !taggedCluster.equals(cluster)) {
      return Verdict.OTHER_CLUSTER;
    }
    if (owner.equals(taggedOwner) && cluster.equals(taggedCluster)) {
      String taggedUid = tags.get(UID_TAG);
      if (uid.isEmpty() || uid.equals(taggedUid)) {
        return Verdict.OURS;
      }
      if (taggedUid == null) {
        return recorded ? Verdict.LEGACY_RECORDED : Verdict.LEGACY_UNRECORDED;
      }
      return Verdict.EARLIER_NAMESAKE;
    }
    if (taggedOwner != null && taggedCluster != null) {
      return Verdict.OTHER_IDENTITY;
    }
    return Verdict.UNMARKED;
  }

  /** Whose an object is, as far as this owner is concerned. */
  public enum Verdict {
    /** Owner, cluster and UID are this identity's. */
    OURS,
    /**
     * Made by the version before the UID mark, and recorded in this identity's status: ours; the
     * UID mark is written once.
     */
    LEGACY_RECORDED,
    /** Owner and cluster marks without a UID, not recorded in status: maybe an earlier namesake. */
    LEGACY_UNRECORDED,
    /** Owner and cluster are this identity's, the UID an earlier object's of the same name. */
    EARLIER_NAMESAKE,
    /** Marked by another identity of this cluster. */
    OTHER_IDENTITY,
    /** Marked by the operator of another cluster: never modified, deleted or adopted. */
    OTHER_CLUSTER,
    /** No complete ownership marks. */
    UNMARKED;

    /** Whether this identity acts on the object as its own. */
    public boolean isOurs() {
      return this == OURS || this == LEGACY_RECORDED;
    }

    /** Whether a policy's grant may let this identity adopt the object. */
    public boolean isAdoptable() {
      return !isOurs() && this != OTHER_CLUSTER;
    }
  }

  /** For messages: why an object is not this identity's, and what the marks say instead. */
  public String explain(Verdict verdict, Map<String, String> tags) {
    return switch (verdict) {
      case OURS, LEGACY_RECORDED -> "it is managed by this identity";
      case LEGACY_UNRECORDED ->
          "it is tagged "
              + OWNER_TAG
              + "="
              + owner
              + " without "
              + UID_TAG
              + " and this identity's status does not record it: it was made for an earlier object"
              + " of the same name, or by an earlier operator version whose record is lost";
      case EARLIER_NAMESAKE ->
          "it was made for an earlier object of the same name ("
              + UID_TAG
              + "="
              + tags.get(UID_TAG)
              + ", this identity is "
              + uid
              + ")";
      case OTHER_IDENTITY, OTHER_CLUSTER, UNMARKED -> describe(tags);
    };
  }

  /** For messages: what the object's ownership tags say instead. */
  public static String describe(Map<String, String> tags) {
    String owner = tags.get(OWNER_TAG);
    String cluster = tags.get(CLUSTER_TAG);
    if (owner == null && cluster == null) {
      return "it has no cifederation.dev ownership tags";
    }
    return "it is tagged " + OWNER_TAG + "=" + owner + ", " + CLUSTER_TAG + "=" + cluster;
  }
}
