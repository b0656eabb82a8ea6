package dev.cifederation.operator.cloud.gcp;

import com.google.api.services.iam.v1.model.WorkloadIdentityPoolProvider;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.api.v1alpha1.GcpIdentityStatus;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.Owner.Verdict;
import dev.cifederation.operator.cloud.gcp.GcpFailure.RpcStatus;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An identity as it stands before a provider: its ownership marks, the provider its status records,
 * what it may take over, and whether it only observes. Decides without a cloud call whether the
 * identity may change a provider, must first write its marks on it, or is refused.
 *
 * @param recordedProvider the provider name the identity's status records, if any
 * @param adoptExisting spec.adoptExisting
 * @param adoptable provider-name patterns the selecting policies grant for adoption
 */
record Claimant(
    Owner owner,
    Optional<String> recordedProvider,
    boolean adoptExisting,
    List<String> adoptable,
    boolean observeOnly) {

  Claimant {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(recordedProvider, "recordedProvider");
    adoptable = List.copyOf(adoptable);
  }

  static Claimant of(CloudRequest request, String cluster, Optional<GcpIdentityStatus> previous) {
    return new Claimant(
        new Owner(request.owner(), cluster, request.uid()),
        previous.map(GcpIdentityStatus::getProviderName),
        request.identity().getSpec().isAdoptExisting(),
        request.grants().adoptable(),
        request.observeOnly());
  }

  /** Whose the provider is, by its description's marks and whether the status records it. */
  Verdict verdict(WorkloadIdentityPoolProvider live) {
    boolean recorded = recordedProvider.filter(live.getName()::equals).isPresent();
    return owner.judge(Ownership.marksOf(live.getDescription(), owner), recorded);
  }

  /**
   * What it takes for the identity to change the provider. Empty: it is this identity's (marks
   * removed out of band are the description field's drift, patched with the others). A message: it
   * becomes this identity's once the marks are written — the uid on a provider the status records
   * but an earlier version marked, or an adoption the identity asks for with spec.adoptExisting and
   * a policy grants. Under Observe nothing is claimed: an adoption is only announced.
   *
   * @throws GcpFailure a Conflict when the provider is not this identity's to change
   */
  Optional<String> claim(WorkloadIdentityPoolProvider live) {
    String name = live.getName();
    Verdict verdict = verdict(live);
    if (verdict.isOurs()) {
      return verdict == Verdict.LEGACY && !observeOnly
          ? Optional.of(
              "marked provider "
                  + name
                  + " with this identity's uid (its marks, written by an earlier version, named"
                  + " only the owner and cluster)")
          : Optional.empty();
    }
    Optional<String> grant = Ownership.adoptionGrant(adoptable, name);
    if (verdict.isAdoptable() && adoptExisting && grant.isPresent() && observeOnly) {
      // the adoption step is switching to Enforce: until then the provider is compared as it
      // would be adopted, and the missing marks are no difference
      return Optional.of(
          "provider "
              + name
              + " is not yet this identity's; the policy pattern '"
              + grant.get()
              + "' (spec.gcp.adoptableProviders) lets it be adopted: managementPolicy Enforce"
              + " takes it over, writing its ownership marks (description, displayName) and"
              + " nothing else unless a difference is reported here");
    }
    if (verdict.isAdoptable() && adoptExisting && grant.isPresent()) {
      return Optional.of(
          "adopted provider "
              + name
              + " (spec.adoptExisting, granted by the policy pattern '"
              + grant.get()
              + "'; it had "
              + Ownership.describe(live.getDescription())
              + ")");
    }
    throw conflict(live, verdict);
  }

  /**
   * The refusal. It names whose the provider is as far as the marks say, never its trust (issuer,
   * condition, mapping, members): an identity must not learn another's trust by pointing at it.
   */
  GcpFailure conflict(WorkloadIdentityPoolProvider live, Verdict verdict) {
    String name = live.getName();
    String adoption =
        "; to take it over, set spec.adoptExisting: true and have a CIFederationPolicy selecting"
            + " this namespace grant it in spec.gcp.adoptableProviders (a pattern matching "
            + name
            + ")"
            + (adoptExisting
                ? " — spec.adoptExisting is set, but no selecting policy grants this provider"
                : "");
    String why =
        switch (verdict) {
          case OTHER_CLUSTER ->
              "it belongs to the operator of another cluster ("
                  + Ownership.describe(live.getDescription())
                  + "); it is never adopted";
          case OTHER_OWNER ->
              "it belongs to another identity ("
                  + Ownership.describe(live.getDescription())
                  + "); it is never adopted";
          case EARLIER_NAMESAKE ->
              "it was made for an earlier object of the same name ("
                  + owner.owner()
                  + "), which this identity does not inherit"
                  + adoption;
          default ->
              "it was not created by this operator, or was released with deletionPolicy Orphan"
                  + adoption;
        };
    return new GcpFailure(
        CloudReason.Conflict,
        RpcStatus.ALREADY_EXISTS,
        (observeOnly ? "Observe (nothing read from it is reported): " : "")
            + "provider "
            + name
            + " exists but is not this identity's: "
            + why
            + ". It is left untouched");
  }
}
