package dev.cifederation.operator.api.v1alpha1;

/**
 * What every cloud's status block records besides its own object ids: when a pass last changed
 * something in the cloud or in this block (not every comparison: a steady resync writes nothing)
 * and how many out-of-band changes were set back. The adapters return their block as this type, and
 * the identity reconciler writes it without knowing the cloud.
 */
public interface CloudIdentityStatus {

  String getLastSyncTime();

  void setLastSyncTime(String lastSyncTime);

  Long getDriftCorrections();

  void setDriftCorrections(Long driftCorrections);
}
