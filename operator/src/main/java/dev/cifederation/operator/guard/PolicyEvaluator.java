package dev.cifederation.operator.guard;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
import dev.cifederation.operator.trust.SessionDurations;
import dev.cifederation.operator.trust.Wildcard;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides whether an identity may act, from the CIFederationPolicies whose namespaceSelector
 * selects its namespace. Pure: the caller passes the policies and the namespace's labels.
 *
 * <p>Default deny. Where no policy selects the namespace nothing is allowed, unless the operator
 * runs in single-team mode ({@link Ungoverned#Allow}). Where policies select it:
 *
 * <ul>
 *   <li><b>limits</b> of every selecting policy hold (repositories, subjects, permissions boundary,
 *       session cap, forbidden actions, forbidden roles): a team's policy cannot be loosened by
 *       another policy that also selects the namespace;
 *   <li>each configured cloud block needs a <b>grant</b>: at least one selecting policy whose block
 *       of that cloud grants the whole target — AWS account, role name and every managed policy;
 *       GCP project and service account; Azure subscription and every role-assignment scope. An
 *       empty list grants nothing; {@code *} only where written.
 * </ul>
 *
 * The chart's ValidatingAdmissionPolicy checks what CEL can express of the same rules at apply.
 */
public final class PolicyEvaluator {

  /** Selectors allowed where a policy lists none (and in single-team mode): all but pullRequest. */
  public static final List<SubjectKind> DEFAULT_SUBJECTS =
      List.of(
          SubjectKind.environment,
          SubjectKind.branch,
          SubjectKind.tag,
          SubjectKind.workflowRef,
          SubjectKind.everyRun,
          SubjectKind.workspace,
          SubjectKind.serviceConnection);

  /** The switch that opts a single-team cluster out of default deny, as users set it. */
  public static final String UNGOVERNED_SWITCH = "CIFED_ALLOW_UNGOVERNED_NAMESPACES=true";

  /**
   * AWS-managed policies that hand out administration or a way to it; a pattern never grants them,
   * only their exact ARN in a policy's managedPolicyArns. Matched by name in any partition.
   */
  static final Set<String> PRIVILEGED_MANAGED_POLICIES =
      Set.of(
          "AdministratorAccess",
          "AdministratorAccess-Amplify",
          "AdministratorAccess-AWSElasticBeanstalk",
          "PowerUserAccess",
          "IAMFullAccess",
          "AWSOrganizationsFullAccess",
          "AWSSSOMasterAccountAdministrator",
          "AWSSSODirectoryAdministrator",
          "AWSSSOMemberAccountAdministrator",
          "job-function/SystemAdministrator",
          "job-function/NetworkAdministrator");

  private static final Pattern AWS_MANAGED =
      Pattern.compile("^arn:aws(?:-[a-z]+)*:iam::aws:policy/(.+)$");

  /** What applies to a namespace no policy selects. */
  public enum Ungoverned {
    /** Default: nothing is allowed, no cloud is called. */
    Deny,
    /**
     * Single-team mode: every target the operator's credentials reach, every selector but
     * pullRequest.
     */
    Allow
  }

  /** The clouds an identity may configure, in the order their grants are checked. */
  public enum Target {
    aws,
    gcp,
    azure
  }

  private PolicyEvaluator() {}

  private record Violation(PolicyCompliantReason reason, String message) {}

  public static PolicyVerdict evaluate(
      CIFederatedIdentitySpec spec,
      String namespace,
      Map<String, String> namespaceLabels,
      List<CIFederationPolicy> policies,
      Ungoverned ungoverned) {
    List<CIFederationPolicy> selected =
        policies.stream()
            .filter(
                p ->
                    p.getSpec() != null
                        && selects(p.getSpec().getNamespaceSelector(), namespaceLabels))
            .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
            .toList();
    if (selected.isEmpty()) {
      return ungoverned(spec, namespace, ungoverned);
    }
    List<String> names = selected.stream().map(p -> p.getMetadata().getName()).toList();
    Optional<Duration> cap =
        selected.stream()
            .map(p -> p.getSpec().getAws())
            .filter(a -> a != null && a.getMaxSessionDuration() != null)
            .map(a -> SessionDurations.read(a.getMaxSessionDuration()))
            .flatMap(Optional::stream)
            .min(Comparator.naturalOrder());
    Optional<String> suspendedBy =
        selected.stream()
            .filter(p -> p.getSpec().isSuspend())
            .map(p -> "CIFederationPolicy " + p.getMetadata().getName())
            .findFirst();
    List<String> forbiddenRoles =
        selected.stream()
            .map(p -> p.getSpec().getAzure())
            .filter(a -> a != null)
            .flatMap(a -> nonNull(a.getForbiddenRoles()).stream())
            .distinct()
            .toList();
    var grants = new EnumMap<Target, List<String>>(Target.class);
    for (CIFederationPolicy policy : selected) {
      Optional<Violation> violation = checkLimits(spec, policy);
      if (violation.isPresent()) {
        return refused(violation.get(), names, cap, suspendedBy, forbiddenRoles);
      }
    }
    for (Target target : Target.values()) {
      if (!configured(spec, target)) {
        continue;
      }
      Grant grant = grant(spec, target, selected);
      if (grant.violation().isPresent()) {
        return refused(grant.violation().get(), names, cap, suspendedBy, forbiddenRoles);
      }
      grants.put(target, grant.adoptable());
    }
    return new PolicyVerdict(
        PolicyCompliantReason.Compliant,
        "Allowed by CIFederationPolicy " + String.join(", ", names),
        names,
        cap,
        suspendedBy,
        grants,
        forbiddenRoles);
  }

  private static PolicyVerdict ungoverned(
      CIFederatedIdentitySpec spec, String namespace, Ungoverned ungoverned) {
    if (ungoverned == Ungoverned.Deny) {
      return new PolicyVerdict(
          PolicyCompliantReason.NoPolicySelects,
          "No CIFederationPolicy selects namespace "
              + namespace
              + ": default deny, no cloud is called. An administrator grants cloud targets with a"
              + " CIFederationPolicy whose namespaceSelector matches the namespace's labels",
          List.of(),
          Optional.empty(),
          Optional.empty(),
          Map.of(),
          List.of());
    }
    Optional<Violation> violation =
        checkSubject(spec, List.of(), "the single-team default (" + UNGOVERNED_SWITCH + ")");
    if (violation.isPresent()) {
      return refused(violation.get(), List.of(), Optional.empty(), Optional.empty(), List.of());
    }
    return new PolicyVerdict(
        PolicyCompliantReason.Compliant,
        "No CIFederationPolicy selects namespace "
            + namespace
            + "; allowed because the operator runs with "
            + UNGOVERNED_SWITCH
            + " (single-team mode: every target its credentials reach, every selector but"
            + " pullRequest)",
        List.of(),
        Optional.empty(),
        Optional.empty(),
        Map.of(),
        List.of());
  }

  private static PolicyVerdict refused(
      Violation violation,
      List<String> names,
      Optional<Duration> cap,
      Optional<String> suspendedBy,
      List<String> forbiddenRoles) {
    return new PolicyVerdict(
        violation.reason(), violation.message(), names, cap, suspendedBy, Map.of(), forbiddenRoles);
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

  // ---- limits: every selecting policy's hold ----

  private static Optional<Violation> checkLimits(
      CIFederatedIdentitySpec spec, CIFederationPolicy policy) {
    CIFederationPolicySpec rules = policy.getSpec();
    String by = by(policy);
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
      Optional<Violation> aws = checkAwsLimits(spec.getAws(), rules.getAws(), by);
      if (aws.isPresent()) {
        return aws;
      }
    }
    if (spec.getAzure() != null && rules.getAzure() != null) {
      return checkForbiddenRoles(spec.getAzure(), rules.getAzure(), by);
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

  private static Optional<Violation> checkAwsLimits(
      AwsIdentitySpec aws, AwsPolicy rules, String by) {
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
        Optional.ofNullable(rules.getMaxSessionDuration()).flatMap(SessionDurations::read);
    Optional<Duration> asked =
        SessionDurations.read(
            aws.getMaxSessionDuration() == null ? "1h" : aws.getMaxSessionDuration());
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

  /**
   * A forbidden role written by name or by a built-in's GUID is refused here; a GUID this table
   * does not know is resolved by the Azure adapter before anything is written.
   */
  private static Optional<Violation> checkForbiddenRoles(
      AzureIdentitySpec azure, AzurePolicy rules, String by) {
    List<String> forbiddenRoles = nonNull(rules.getForbiddenRoles());
    List<AzureRoleAssignment> assignments = nonNull(azure.getRoleAssignments());
    for (int i = 0; i < assignments.size(); i++) {
      AzureRoleAssignment assignment = assignments.get(i);
      Optional<String> banned =
          forbiddenRoles.stream().filter(r -> AzureRoles.same(r, assignment.getRole())).findFirst();
      if (banned.isPresent()) {
        return violation(
            PolicyCompliantReason.ForbiddenRole,
            by
                + ": spec.azure.roleAssignments["
                + i
                + "].role "
                + assignment.getRole()
                + " is forbidden ("
                + banned.get()
                + ")");
      }
    }
    return Optional.empty();
  }

  // ---- grants: at least one selecting policy grants each configured cloud's whole target ----

  private record Grant(Optional<Violation> violation, List<String> adoptable) {}

  /**
   * Granted when a policy grants the whole block; the adoptable patterns of every policy that does
   * go to the adapter (each alone would let the identity adopt its objects, so a second policy —
   * e.g. the grant {@code import} prints — must not be shadowed by the first). Otherwise the
   * refusal of the policy that came closest, so the message names the rule that stopped it rather
   * than only "not granted".
   */
  private static Grant grant(
      CIFederatedIdentitySpec spec, Target target, List<CIFederationPolicy> selected) {
    Violation closest = null;
    int closestStage = -1;
    boolean granted = false;
    List<String> adoptable = new ArrayList<>();
    for (CIFederationPolicy policy : selected) {
      Staged staged = grantBy(spec, target, policy);
      if (staged.violation() == null) {
        granted = true;
        adoptable.addAll(staged.adoptable());
        continue;
      }
      if (staged.stage() > closestStage) {
        closest = staged.violation();
        closestStage = staged.stage();
      }
    }
    return granted
        ? new Grant(Optional.empty(), List.copyOf(adoptable))
        : new Grant(Optional.of(closest), List.of());
  }

  /**
   * One policy's answer for one cloud block: granted (violation null), or the rule that failed and
   * how far the check got (0: the policy has no block for this cloud or does not list the account,
   * project or subscription; higher: it does, and a later rule failed).
   */
  private record Staged(Violation violation, int stage, List<String> adoptable) {
    static Staged granted(List<String> adoptable) {
      return new Staged(null, Integer.MAX_VALUE, List.copyOf(adoptable));
    }

    static Staged refused(int stage, PolicyCompliantReason reason, String message) {
      return new Staged(new Violation(reason, message), stage, List.of());
    }
  }

  private static Staged grantBy(
      CIFederatedIdentitySpec spec, Target target, CIFederationPolicy policy) {
    CIFederationPolicySpec rules = policy.getSpec();
    String by = by(policy);
    return switch (target) {
      case aws -> grantAws(spec.getAws(), rules.getAws(), by);
      case gcp -> grantGcp(spec.getGcp(), rules.getGcp(), by);
      case azure -> grantAzure(spec.getAzure(), rules.getAzure(), by);
    };
  }

  private static Staged grantAws(AwsIdentitySpec aws, AwsPolicy rules, String by) {
    List<String> accounts = rules == null ? List.of() : nonNull(rules.getAccounts());
    // List.of().contains(null) throws: a spec without the ID is simply not granted
    if (!accounts.contains("*")
        && (aws.getAccountId() == null || !accounts.contains(aws.getAccountId()))) {
      return Staged.refused(
          0,
          PolicyCompliantReason.AccountNotAllowed,
          by + ": spec.aws.accountId " + aws.getAccountId() + " is not granted" + listed(accounts));
    }
    String roleName = aws.getRoleName();
    List<String> roleNames = nonNull(rules.getRoleNames());
    if (roleName != null
        && !roleName.isEmpty()
        && roleNames.stream().noneMatch(p -> Wildcard.iam(p).matches(roleName))) {
      return Staged.refused(
          1,
          PolicyCompliantReason.RoleNameNotAllowed,
          by
              + ": spec.aws.roleName "
              + roleName
              + (roleNames.isEmpty()
                  ? " is not allowed: the policy lists no roleNames, so only the derived default"
                      + " name is (leave spec.aws.roleName empty)"
                  : " matches none of " + roleNames));
    }
    List<String> allowed = nonNull(rules.getManagedPolicyArns());
    List<String> attached = nonNull(aws.getManagedPolicyArns());
    for (int i = 0; i < attached.size(); i++) {
      String arn = attached.get(i);
      Optional<String> privileged = privilegedManagedPolicy(arn);
      if (privileged.isPresent() && !allowed.contains(arn)) {
        return Staged.refused(
            2,
            PolicyCompliantReason.PrivilegedManagedPolicy,
            by
                + ": spec.aws.managedPolicyArns["
                + i
                + "] "
                + arn
                + " is the privileged AWS-managed policy "
                + privileged.get()
                + "; only a CIFederationPolicy listing this exact ARN in spec.aws.managedPolicyArns"
                + " grants it");
      }
      if (privileged.isEmpty() && allowed.stream().noneMatch(p -> Wildcard.iam(p).matches(arn))) {
        return Staged.refused(
            2,
            PolicyCompliantReason.ManagedPolicyNotAllowed,
            by
                + ": spec.aws.managedPolicyArns["
                + i
                + "] "
                + arn
                + " is not granted"
                + listed(allowed));
      }
    }
    return Staged.granted(nonNull(rules.getAdoptableRoles()));
  }

  private static Staged grantGcp(GcpIdentitySpec gcp, GcpPolicy rules, String by) {
    List<String> projects = rules == null ? List.of() : nonNull(rules.getProjects());
    if (!projects.contains("*")
        && (gcp.getProjectId() == null || !projects.contains(gcp.getProjectId()))) {
      return Staged.refused(
          0,
          PolicyCompliantReason.ProjectNotAllowed,
          by + ": spec.gcp.projectId " + gcp.getProjectId() + " is not granted" + listed(projects));
    }
    List<String> accounts = nonNull(rules.getServiceAccounts());
    if (accounts.stream().noneMatch(p -> serviceAccountMatches(p, gcp.getServiceAccount()))) {
      return Staged.refused(
          1,
          PolicyCompliantReason.ServiceAccountNotAllowed,
          by
              + ": spec.gcp.serviceAccount "
              + gcp.getServiceAccount()
              + " is not granted"
              + listed(accounts));
    }
    return Staged.granted(nonNull(rules.getAdoptableProviders()));
  }

  private static Staged grantAzure(AzureIdentitySpec azure, AzurePolicy rules, String by) {
    List<String> subscriptions = rules == null ? List.of() : nonNull(rules.getSubscriptions());
    Function<String, Boolean> granted =
        id -> subscriptions.contains("*") || subscriptions.stream().anyMatch(id::equalsIgnoreCase);
    if (!granted.apply(azure.getSubscriptionId())) {
      return Staged.refused(
          0,
          PolicyCompliantReason.SubscriptionNotAllowed,
          by
              + ": spec.azure.subscriptionId "
              + azure.getSubscriptionId()
              + " is not granted"
              + listed(subscriptions));
    }
    List<String> scopes = nonNull(rules.getScopes());
    List<AzureRoleAssignment> assignments = nonNull(azure.getRoleAssignments());
    for (int i = 0; i < assignments.size(); i++) {
      String scope = assignments.get(i).getScope();
      Optional<String> subscription = subscriptionOf(scope);
      if (subscription.isEmpty() || !granted.apply(subscription.get())) {
        return Staged.refused(
            1,
            PolicyCompliantReason.ScopeNotAllowed,
            by
                + ": spec.azure.roleAssignments["
                + i
                + "].scope "
                + scope
                + (subscription.isEmpty()
                    ? " is not within a subscription (management-group and tenant scopes are"
                        + " never granted)"
                    : " is in subscription " + subscription.get() + ", which is not granted")
                + listed(subscriptions));
      }
      if (!scopes.isEmpty() && scopes.stream().noneMatch(s -> scopeWithin(scope, s))) {
        return Staged.refused(
            2,
            PolicyCompliantReason.ScopeNotAllowed,
            by
                + ": spec.azure.roleAssignments["
                + i
                + "].scope "
                + scope
                + " is outside "
                + scopes);
      }
    }
    return Staged.granted(nonNull(rules.getAdoptableIdentities()));
  }

  // ---- matching ----

  /** The AWS-managed policy's name when the ARN is one of the privileged ones. */
  static Optional<String> privilegedManagedPolicy(String arn) {
    Matcher m = AWS_MANAGED.matcher(arn == null ? "" : arn);
    if (!m.matches()) {
      return Optional.empty();
    }
    String name = m.group(1);
    return PRIVILEGED_MANAGED_POLICIES.contains(name) ? Optional.of(name) : Optional.empty();
  }

  /** The subscription ID a scope lies in, when it lies in one. */
  static Optional<String> subscriptionOf(String scope) {
    if (scope == null) {
      return Optional.empty();
    }
    String[] parts = scope.split("/");
    // "/subscriptions/<id>[/...]" splits into "", "subscriptions", "<id>", ...
    if (parts.length >= 3
        && parts[0].isEmpty()
        && parts[1].equalsIgnoreCase("subscriptions")
        && !parts[2].isEmpty()) {
      return Optional.of(parts[2]);
    }
    return Optional.empty();
  }

  /** {@code *} matches within one path segment; case-insensitive, as GitHub names are. */
  static boolean repositoryMatches(String pattern, String repository) {
    return repository != null && segmentsMatch(pattern, repository, '/');
  }

  /** {@code *} matches within the part before or after the {@code @}. */
  static boolean serviceAccountMatches(String pattern, String email) {
    return email != null && segmentsMatch(pattern, email, '@');
  }

  /**
   * A {@code *} that may not cross {@code separator}: pattern and text have the same number of
   * separators, and each part matches with {@code *} as the only wildcard (a pattern with {@code ?}
   * matches nothing: the schema allows none, so one here was never meant as a wildcard).
   */
  private static boolean segmentsMatch(String pattern, String text, char separator) {
    if (pattern.indexOf('?') >= 0) {
      return false;
    }
    String quoted = Pattern.quote(String.valueOf(separator));
    String[] patternParts = pattern.split(quoted, -1);
    String[] textParts = text.split(quoted, -1);
    if (patternParts.length != textParts.length) {
      return false;
    }
    for (int i = 0; i < patternParts.length; i++) {
      if (!Wildcard.starsOnly(patternParts[i]).ignoringCase().matches(textParts[i])) {
        return false;
      }
    }
    return true;
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

  private static boolean configured(CIFederatedIdentitySpec spec, Target target) {
    return switch (target) {
      case aws -> spec.getAws() != null;
      case gcp -> spec.getGcp() != null;
      case azure -> spec.getAzure() != null;
    };
  }

  private static String listed(List<String> granted) {
    return granted.isEmpty() ? " (the policy grants none)" : " (granted: " + granted + ")";
  }

  private static String by(CIFederationPolicy policy) {
    return "CIFederationPolicy " + policy.getMetadata().getName();
  }

  private static Optional<Violation> violation(PolicyCompliantReason reason, String message) {
    return Optional.of(new Violation(reason, message));
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? new ArrayList<>() : list;
  }
}
