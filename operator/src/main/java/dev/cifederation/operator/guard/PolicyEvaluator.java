package dev.cifederation.operator.guard;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.cifederation.operator.api.v1alpha1.AwsIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.AwsPolicy;
import dev.cifederation.operator.api.v1alpha1.AzureIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.AzurePolicy;
import dev.cifederation.operator.api.v1alpha1.AzureRoleAssignment;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicy;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicySpec;
import dev.cifederation.operator.api.v1alpha1.GcpIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.GcpPolicy;
import dev.cifederation.operator.api.v1alpha1.PolicyCompliantReason;
import dev.cifederation.operator.api.v1alpha1.SubjectKind;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Checks an identity's spec against every CIFederationPolicy whose namespaceSelector selects its
 * namespace (all of them must allow it); with none, against the operator's default, which allows
 * every selector but pullRequest and sets no other limit. Pure: the caller passes the policies and
 * the namespace's labels. The chart's ValidatingAdmissionPolicy checks the same rules at admission.
 */
public final class PolicyEvaluator {

  /** What applies where no policy selects the namespace: every selector but pullRequest. */
  public static final List<SubjectKind> DEFAULT_SUBJECTS =
      List.of(
          SubjectKind.environment, SubjectKind.branch, SubjectKind.tag, SubjectKind.workflowRef);

  private static final Pattern GO_DURATION =
      Pattern.compile("(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?");

  private PolicyEvaluator() {}

  private record Violation(PolicyCompliantReason reason, String message) {}

  public static PolicyVerdict evaluate(
      CIFederatedIdentitySpec spec,
      Map<String, String> namespaceLabels,
      List<CIFederationPolicy> policies) {
    List<CIFederationPolicy> selected =
        policies.stream()
            .filter(
                p ->
                    p.getSpec() != null
                        && selects(p.getSpec().getNamespaceSelector(), namespaceLabels))
            .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
            .toList();
    if (selected.isEmpty()) {
      Optional<Violation> violation =
          checkSubject(spec, List.of(), "the operator's default policy");
      return violation
          .map(v -> new PolicyVerdict(v.reason(), v.message(), List.of(), Optional.empty()))
          .orElseGet(
              () ->
                  new PolicyVerdict(
                      PolicyCompliantReason.Compliant,
                      "No CIFederationPolicy selects the namespace; the operator's default (every"
                          + " selector but pullRequest) allows the identity",
                      List.of(),
                      Optional.empty()));
    }
    List<String> names = selected.stream().map(p -> p.getMetadata().getName()).toList();
    Optional<Duration> cap =
        selected.stream()
            .map(p -> p.getSpec().getAws())
            .filter(a -> a != null && a.getMaxSessionDuration() != null)
            .map(a -> parseDuration(a.getMaxSessionDuration()))
            .flatMap(Optional::stream)
            .min(Comparator.naturalOrder());
    for (CIFederationPolicy policy : selected) {
      Optional<Violation> violation = check(spec, policy);
      if (violation.isPresent()) {
        return new PolicyVerdict(violation.get().reason(), violation.get().message(), names, cap);
      }
    }
    return new PolicyVerdict(
        PolicyCompliantReason.Compliant,
        "Allowed by CIFederationPolicy " + String.join(", ", names),
        names,
        cap);
  }

  /** Whether a namespace with these labels is selected; no selector or an empty one selects all. */
  public static boolean selects(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return true;
    }
    Map<String, String> have = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> wanted : selector.getMatchLabels().entrySet()) {
        if (!wanted.getValue().equals(have.get(wanted.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement requirement : selector.getMatchExpressions()) {
        String value = have.get(requirement.getKey());
        List<String> values = requirement.getValues() == null ? List.of() : requirement.getValues();
        boolean ok =
            switch (requirement.getOperator()) {
              case "In" -> value != null && values.contains(value);
              case "NotIn" -> value == null || !values.contains(value);
              case "Exists" -> value != null;
              case "DoesNotExist" -> value == null;
                // an operator the API server would have refused: select nothing rather than all
              default -> false;
            };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  private static Optional<Violation> check(
      CIFederatedIdentitySpec spec, CIFederationPolicy policy) {
    CIFederationPolicySpec rules = policy.getSpec();
    String by = "CIFederationPolicy " + policy.getMetadata().getName();
    List<String> repositories = nonNull(rules.getRepositories());
    if (!repositories.isEmpty()
        && repositories.stream().noneMatch(p -> repositoryMatches(p, spec.getRepository()))) {
      return violation(
          PolicyCompliantReason.RepositoryNotAllowed,
          by + ": spec.repository " + spec.getRepository() + " matches none of " + repositories);
    }
    Optional<Violation> subject = checkSubject(spec, nonNull(rules.getSubjects()), by);
    if (subject.isPresent()) {
      return subject;
    }
    if (spec.getAws() != null && rules.getAws() != null) {
      Optional<Violation> aws = checkAws(spec.getAws(), rules.getAws(), by);
      if (aws.isPresent()) {
        return aws;
      }
    }
    if (spec.getGcp() != null && rules.getGcp() != null) {
      Optional<Violation> gcp = checkGcp(spec.getGcp(), rules.getGcp(), by);
      if (gcp.isPresent()) {
        return gcp;
      }
    }
    if (spec.getAzure() != null && rules.getAzure() != null) {
      return checkAzure(spec.getAzure(), rules.getAzure(), by);
    }
    return Optional.empty();
  }

  private static Optional<Violation> checkSubject(
      CIFederatedIdentitySpec spec, List<SubjectKind> allowed, String by) {
    SubjectKind kind = spec.getSubject() == null ? null : spec.getSubject().kind();
    List<SubjectKind> effective = allowed.isEmpty() ? DEFAULT_SUBJECTS : allowed;
    if (kind != null && !effective.contains(kind)) {
      return violation(
          PolicyCompliantReason.SubjectNotAllowed,
          by
              + ": spec.subject."
              + kind
              + " is not allowed (allowed: "
              + effective
              + ")"
              + (kind == SubjectKind.pullRequest
                  ? "; a pull request, a fork's included, could mint cloud credentials. A"
                      + " CIFederationPolicy must list pullRequest in spec.subjects to allow it"
                  : ""));
    }
    return Optional.empty();
  }

  private static Optional<Violation> checkAws(AwsIdentitySpec aws, AwsPolicy rules, String by) {
    List<String> accounts = nonNull(rules.getAccounts());
    if (!accounts.isEmpty() && !accounts.contains(aws.getAccountId())) {
      return violation(
          PolicyCompliantReason.AccountNotAllowed,
          by + ": spec.aws.accountId " + aws.getAccountId() + " is not among " + accounts);
    }
    String boundary = rules.getPermissionsBoundaryArn();
    if (boundary != null
        && !boundary.isBlank()
        && !boundary.equals(aws.getPermissionsBoundaryArn())) {
      return violation(
          PolicyCompliantReason.PermissionsBoundaryRequired,
          by
              + ": spec.aws.permissionsBoundaryArn must be "
              + boundary
              + " (is "
              + (aws.getPermissionsBoundaryArn() == null
                  ? "unset"
                  : aws.getPermissionsBoundaryArn())
              + ")");
    }
    Optional<Duration> cap =
        Optional.ofNullable(rules.getMaxSessionDuration()).flatMap(PolicyEvaluator::parseDuration);
    Optional<Duration> asked =
        parseDuration(aws.getMaxSessionDuration() == null ? "1h" : aws.getMaxSessionDuration());
    if (cap.isPresent() && asked.isPresent() && asked.get().compareTo(cap.get()) > 0) {
      return violation(
          PolicyCompliantReason.SessionDurationAboveCap,
          by
              + ": spec.aws.maxSessionDuration "
              + aws.getMaxSessionDuration()
              + " is above the cap of "
              + rules.getMaxSessionDuration());
    }
    ObjectNode inline = aws.getInlinePolicy();
    List<String> forbidden = nonNull(rules.getForbiddenActions());
    if (inline != null && !forbidden.isEmpty()) {
      Optional<IamActions.Violation> hit = IamActions.forbidden(inline, forbidden);
      if (hit.isPresent()) {
        return violation(
            PolicyCompliantReason.ForbiddenAction,
            by
                + ": spec.aws.inlinePolicy allows '"
                + hit.get().granted()
                + "', which the forbidden action '"
                + hit.get().forbidden()
                + "' rules out");
      }
    }
    return Optional.empty();
  }

  private static Optional<Violation> checkGcp(GcpIdentitySpec gcp, GcpPolicy rules, String by) {
    List<String> projects = nonNull(rules.getProjects());
    if (!projects.isEmpty() && !projects.contains(gcp.getProjectId())) {
      return violation(
          PolicyCompliantReason.ProjectNotAllowed,
          by + ": spec.gcp.projectId " + gcp.getProjectId() + " is not among " + projects);
    }
    List<String> accounts = nonNull(rules.getServiceAccounts());
    if (!accounts.isEmpty()
        && accounts.stream().noneMatch(p -> serviceAccountMatches(p, gcp.getServiceAccount()))) {
      return violation(
          PolicyCompliantReason.ServiceAccountNotAllowed,
          by
              + ": spec.gcp.serviceAccount "
              + gcp.getServiceAccount()
              + " matches none of "
              + accounts);
    }
    return Optional.empty();
  }

  private static Optional<Violation> checkAzure(
      AzureIdentitySpec azure, AzurePolicy rules, String by) {
    List<String> subscriptions = nonNull(rules.getSubscriptions());
    if (!subscriptions.isEmpty()
        && subscriptions.stream().noneMatch(s -> s.equalsIgnoreCase(azure.getSubscriptionId()))) {
      return violation(
          PolicyCompliantReason.SubscriptionNotAllowed,
          by
              + ": spec.azure.subscriptionId "
              + azure.getSubscriptionId()
              + " is not among "
              + subscriptions);
    }
    List<String> scopes = nonNull(rules.getScopes());
    List<String> forbiddenRoles = nonNull(rules.getForbiddenRoles());
    for (AzureRoleAssignment assignment : nonNull(azure.getRoleAssignments())) {
      if (!scopes.isEmpty()
          && scopes.stream().noneMatch(s -> scopeWithin(assignment.getScope(), s))) {
        return violation(
            PolicyCompliantReason.ScopeNotAllowed,
            by
                + ": spec.azure.roleAssignments scope "
                + assignment.getScope()
                + " is outside "
                + scopes);
      }
      Optional<String> banned =
          forbiddenRoles.stream().filter(r -> AzureRoles.same(r, assignment.getRole())).findFirst();
      if (banned.isPresent()) {
        return violation(
            PolicyCompliantReason.ForbiddenRole,
            by
                + ": spec.azure.roleAssignments role "
                + assignment.getRole()
                + " is forbidden ("
                + banned.get()
                + ")");
      }
    }
    return Optional.empty();
  }

  /** {@code *} matches within one path segment; case-insensitive, as GitHub names are. */
  static boolean repositoryMatches(String pattern, String repository) {
    return repository != null && wildcardRegex(pattern, "[^/]*").matcher(repository).matches();
  }

  /** {@code *} matches within the part before or after the {@code @}. */
  static boolean serviceAccountMatches(String pattern, String email) {
    return email != null && wildcardRegex(pattern, "[^@]*").matcher(email).matches();
  }

  /** A scope equal to the prefix or below it: {@code /rg/a} is not within {@code /rg/ab}. */
  static boolean scopeWithin(String scope, String prefix) {
    String s = scope.toLowerCase(Locale.ROOT);
    String p = prefix.toLowerCase(Locale.ROOT);
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return s.equals(p) || s.startsWith(p + "/");
  }

  private static Pattern wildcardRegex(String pattern, String star) {
    List<String> parts = new ArrayList<>();
    for (String part : pattern.split("\\*", -1)) {
      parts.add(part.isEmpty() ? "" : Pattern.quote(part));
    }
    return Pattern.compile(String.join(star, parts), Pattern.CASE_INSENSITIVE);
  }

  /** A duration as the CRDs write it (1h, 90m, 2h30m, 3600s); empty when it is not one. */
  public static Optional<Duration> parseDuration(String text) {
    if (text == null || text.isEmpty()) {
      return Optional.empty();
    }
    Matcher m = GO_DURATION.matcher(text);
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(
        Duration.ofHours(number(m.group(1)))
            .plusMinutes(number(m.group(2)))
            .plusSeconds(number(m.group(3))));
  }

  private static long number(String digits) {
    return digits == null ? 0 : Long.parseLong(digits);
  }

  private static Optional<Violation> violation(PolicyCompliantReason reason, String message) {
    return Optional.of(new Violation(reason, message));
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? new ArrayList<>() : list;
  }
}
