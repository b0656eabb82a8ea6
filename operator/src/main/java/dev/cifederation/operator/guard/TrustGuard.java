package dev.cifederation.operator.guard;

import dev.cifederation.operator.api.v1alpha1.AzureRoleAssignment;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.api.v1alpha1.TrustHealthyReason;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.LiveTrust;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * All findings of one identity: the lint of the compiled trust (reported as {@code Spec}), the lint
 * of each cloud's live trust, and what the adapters found themselves; worst first, each once.
 */
public final class TrustGuard {

  /** The finding's cloud for what the spec itself asks for. */
  public static final String SPEC = "Spec";

  private TrustGuard() {}

  /**
   * @param live the trust each cloud had in this pass, where the adapter read it
   * @param adapterFindings what the adapters reported themselves
   */
  public static List<Finding> review(
      CompiledTrust trust,
      CIFederatedIdentitySpec spec,
      List<LiveTrust> live,
      List<Finding> adapterFindings,
      TrustLint.Limits limits) {
    List<Finding> fromSpec = new ArrayList<>();
    if (trust != null) {
      SpecTrust.render(trust, spec).forEach(t -> fromSpec.addAll(TrustLint.lint(t, SPEC, limits)));
    }
    fromSpec.addAll(azureRoles(spec));
    // the spec's findings explain the same rule in the clouds: repeat only what the spec lacks
    Set<String> specRules = fromSpec.stream().map(Finding::getRule).collect(Collectors.toSet());
    List<Finding> all = new ArrayList<>(fromSpec);
    for (LiveTrust cloud : live) {
      TrustLint.lint(cloud, TrustLint.cloudOf(cloud), limits).stream()
          .filter(f -> !specRules.contains(f.getRule()))
          .forEach(all::add);
    }
    all.addAll(adapterFindings);
    return sortedDistinct(all);
  }

  /** Worst first, then by rule, cloud and message; a finding repeated is kept once. */
  public static List<Finding> sortedDistinct(List<Finding> findings) {
    Map<String, Finding> distinct = new LinkedHashMap<>();
    findings.stream()
        .sorted(
            Comparator.comparing(Finding::getSeverity)
                .thenComparing(Finding::getRule)
                .thenComparing(Finding::getCloud)
                .thenComparing(Finding::getMessage))
        .forEach(f -> distinct.putIfAbsent(key(f), f));
    return new ArrayList<>(distinct.values());
  }

  /** The identity of a finding, to tell a new one from one already reported. */
  public static String key(Finding finding) {
    return finding.getRule() + "|" + finding.getCloud() + "|" + finding.getMessage();
  }

  /** TrustHealthy's reason: the rule of the worst finding, or NoFindings. */
  public static TrustHealthyReason reason(List<Finding> findings) {
    Optional<Finding> worst = sortedDistinct(findings).stream().findFirst();
    if (worst.isEmpty()) {
      return TrustHealthyReason.NoFindings;
    }
    try {
      return TrustHealthyReason.valueOf(worst.get().getRule());
    } catch (IllegalArgumentException unknown) {
      return TrustHealthyReason.OtherFinding;
    }
  }

  private static List<Finding> azureRoles(CIFederatedIdentitySpec spec) {
    if (spec.getAzure() == null || spec.getAzure().getRoleAssignments() == null) {
      return new ArrayList<>();
    }
    return azureRoleAssignments(
        SPEC, "spec.azure.roleAssignments", spec.getAzure().getRoleAssignments());
  }

  /**
   * The findings on Azure role assignments that can grant themselves anything (Owner, User Access
   * Administrator, …): of the spec, or, in {@code audit}, of a managed identity as Azure has it.
   *
   * @param cloud the findings' cloud ({@link #SPEC} or Azure)
   * @param what how the message names where the assignments are
   */
  public static List<Finding> azureRoleAssignments(
      String cloud, String what, List<AzureRoleAssignment> assignments) {
    List<Finding> findings = new ArrayList<>();
    for (AzureRoleAssignment assignment : assignments) {
      AzureRoles.privileged(assignment.getRole())
          .ifPresent(
              role ->
                  findings.add(
                      Rule.OverBroadPermissions.finding(
                          cloud,
                          what
                              + " grants "
                              + role
                              + " at "
                              + assignment.getScope()
                              + ", which can grant itself anything")));
    }
    return findings;
  }
}
