package dev.cifederation.operator.cloud;

import java.util.Objects;

/**
 * The ownership marks an identity puts on what the operator makes for it — its {@code
 * <namespace>/<name>}, the cluster, and the identity object's UID — and the one rule, for every
 * cloud, that decides from the marks an object carries whether it is this identity's. Each adapter
 * only says how its cloud stores the marks (IAM and ARM tags, a GCP provider's description).
 *
 * <p>The rule: another cluster's or another identity's mark means the object is theirs, never
 * touched and never adopted; another UID under our name means an earlier object of the same name
 * made it (adoptable by an administrator's grant, never taken silently); all marks ours means ours;
 * our UID with a mark removed out of band, or no marks on the very object this identity's status
 * records, means ours with the marks to be written again; owner and cluster without a UID (made
 * before UID marks) is ours only when the status records it.
 *
 * @param owner {@code <namespace>/<name>}, or a shared owner such as an account's OIDC provider
 * @param uid the identity object's UID; empty for shared objects and for objects never stored (unit
 *     tests), which then carry no UID mark and are not checked for one
 */
public record Owner(String owner, String cluster, String uid) {

  /** What an object carries: each mark, or null when absent (or empty). */
  public record Marks(String owner, String cluster, String uid) {
    public Marks {
      owner = blankToNull(owner);
      cluster = blankToNull(cluster);
      uid = blankToNull(uid);
    }

    public static final Marks NONE = new Marks(null, null, null);

    public boolean isEmpty() {
      return owner == null && cluster == null && uid == null;
    }

    private static String blankToNull(String value) {
      return value == null || value.isEmpty() ? null : value;
    }
  }

  /** Whose an object is, as far as this owner is concerned. */
  public enum Verdict {
    /** Every mark is this identity's. */
    OURS,
    /** Ours (our UID, or the object our status records), but marks were removed: write them. */
    MARKS_DRIFTED,
    /** Owner and cluster marks without a UID, and recorded in our status: ours; add the UID. */
    LEGACY,
    /** Our name, another object's UID (or no UID and not recorded): an earlier namesake's. */
    EARLIER_NAMESAKE,
    /** No marks and not recorded: someone else made it, or it was released. */
    UNMARKED,
    /** Another identity of this cluster: never modified, deleted or adopted. */
    OTHER_OWNER,
    /** The operator of another cluster: never modified, deleted or adopted. */
    OTHER_CLUSTER;

    /** Whether the identity acts on the object as its own. */
    public boolean isOurs() {
      return this == OURS || this == MARKS_DRIFTED || this == LEGACY;
    }

    /** Whether its marks must be (re)written for it to be fully ours. */
    public boolean needsMarks() {
      return this == MARKS_DRIFTED || this == LEGACY;
    }

    /** Whether an administrator's grant may let the identity take it over. */
    public boolean isAdoptable() {
      return this == UNMARKED || this == EARLIER_NAMESAKE;
    }
  }

  public Owner {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(uid, "uid");
  }

  /** The marks this owner writes. */
  public Marks marks() {
    return new Marks(owner, cluster, uid);
  }

  /**
   * @param found the marks the object carries
   * @param recorded whether this identity's status records this very object (by the id the cloud
   *     gave it, which no one else can choose)
   */
  public Verdict judge(Marks found, boolean recorded) {
    if (found.cluster() != null && !cluster.equals(found.cluster())) {
      return Verdict.OTHER_CLUSTER;
    }
    if (found.owner() != null && !owner.equals(found.owner())) {
      return Verdict.OTHER_OWNER;
    }
    if (found.uid() != null && !uid.equals(found.uid())) {
      return Verdict.EARLIER_NAMESAKE;
    }
    boolean ownerAndCluster = found.owner() != null && found.cluster() != null;
    if (ownerAndCluster && (found.uid() != null || uid.isEmpty())) {
      return Verdict.OURS;
    }
    if (found.uid() != null) {
      return Verdict.MARKS_DRIFTED;
    }
    if (ownerAndCluster) {
      return recorded ? Verdict.LEGACY : Verdict.EARLIER_NAMESAKE;
    }
    if (recorded) {
      return Verdict.MARKS_DRIFTED;
    }
    return found.isEmpty() ? Verdict.UNMARKED : Verdict.EARLIER_NAMESAKE;
  }
}
