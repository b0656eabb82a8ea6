package dev.cifederation.operator.cloud.aws;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The ownership tags the operator puts on what it creates (DESIGN.md §6): a role carries its
 * identity ({@code cifederation.dev/owner=<namespace>/<name>}) and the cluster; a shared OIDC
 * provider carries {@value #SHARED_OWNER} and the cluster. Objects without them are never modified
 * or deleted.
 */
public record Ownership(String owner, String cluster) {

  public static final String OWNER_TAG = "cifederation.dev/owner";
  public static final String CLUSTER_TAG = "cifederation.dev/cluster";

  /**
   * The owner tag value of an OIDC provider, shared by every identity of the account that trusts
   * the issuer; an identity's owner is always {@code <namespace>/<name>}, so the two cannot clash.
   */
  public static final String SHARED_OWNER = "shared";

  public Ownership {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(cluster, "cluster");
  }

  public static Ownership ofProvider(String cluster) {
    return new Ownership(SHARED_OWNER, cluster);
  }

  public Map<String, String> tags() {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(OWNER_TAG, owner);
    tags.put(CLUSTER_TAG, cluster);
    return tags;
  }

  /** Whether an object's tags say it is this owner's, in this cluster. */
  public boolean owns(Map<String, String> tags) {
    return owner.equals(tags.get(OWNER_TAG)) && cluster.equals(tags.get(CLUSTER_TAG));
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
