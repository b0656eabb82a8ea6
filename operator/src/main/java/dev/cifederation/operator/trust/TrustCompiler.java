package dev.cifederation.operator.trust;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.AwsIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.AzureIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.GcpIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.SubjectKind;
import dev.cifederation.operator.api.v1alpha1.SubjectSelector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Compiles a {@code CIFederatedIdentity} spec into the exact {@code sub} claim and each cloud's
 * desired trust configuration. Pure: the same input always gives the same output, and nothing here
 * talks to a cluster or a cloud.
 *
 * <p>The compiler re-checks what the CRD schema already enforces where a violation would widen
 * trust (wildcards, malformed repositories, several selectors at once), because a resource can
 * predate a schema change and a trust bug fails open, silently.
 */
public final class TrustCompiler {

  static final String DEFAULT_GCP_POOL_ID = "ci-federation";
  // GCP rejects token exchanges whose mapped google.subject is longer than this.
  static final int GCP_SUBJECT_MAX_BYTES = 127;

  private static final Pattern REPOSITORY =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)+");
  private static final Pattern NUMERIC_ID = Pattern.compile("[0-9]{1,20}");
  private static final Pattern AWS_ACCOUNT_ID = Pattern.compile("[0-9]{12}");
  private static final Pattern IAM_ROLE_NAME = Pattern.compile("[A-Za-z0-9+=,.@_-]{1,64}");
  private static final Pattern GCP_POOL_ID = Pattern.compile("[a-z0-9-]{4,32}");
  private static final Pattern AZURE_IDENTITY_NAME =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{2,127}");

  public TrustCompiler() {}

  /**
   * Compiles the trust for every cloud block present in the spec.
   *
   * @param namespace namespace of the resource, used for derived cloud names
   * @param name name of the resource, used for derived cloud names
   * @throws TrustCompilationException when the spec cannot be expressed for the issuer's dialect or
   *     one of the clouds; the message names the field and the rule
   */
  public CompiledTrust compile(
      IssuerInfo issuer, String namespace, String name, CIFederatedIdentitySpec spec)
      throws TrustCompilationException {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(spec, "spec");
    // before any other reading: a spec past the CRD's limits never reaches the rules below
    SpecLimits.check(spec);
    Subject subject = compileSubject(issuer.dialect(), spec);
    AwsTrust aws =
        spec.getAws() == null ? null : compileAws(issuer, namespace, name, spec.getAws(), subject);
    GcpTrust gcp =
        spec.getGcp() == null
            ? null
            : compileGcp(issuer, namespace, name, spec, spec.getGcp(), subject);
    AzureTrust azure =
        spec.getAzure() == null
            ? null
            : compileAzure(issuer, namespace, name, spec.getAzure(), subject);
    return new CompiledTrust(
        subject.value(), subject.isPattern(), subject.whoCanAssume(), aws, gcp, azure);
  }

  // ---------------------------------------------------------------------------------- subject

  /** The compiled {@code sub} and how it came about, for messages further down. */
  private record Subject(String value, Selector selector, String whoCanAssume) {
    boolean isPattern() {
      return selector.isPattern();
    }
  }

  /** The one selector set in spec.subject; value is null for pullRequest. */
  private record Selector(SubjectKind kind, String value) {
    String field() {
      return "spec.subject." + kind.name();
    }

    boolean isPattern() {
      return value != null && value.endsWith("*");
    }
  }

  private static Subject compileSubject(IssuerDialect dialect, CIFederatedIdentitySpec spec)
      throws TrustCompilationException {
    String repository = spec.getRepository();
    if (repository == null || !REPOSITORY.matcher(repository).matches()) {
      throw new TrustCompilationException(
          "spec.repository '"
              + repository
              + "' must be owner/name (GitLab: group/subgroup/name) of letters, digits, '.', '_'"
              + " and '-'; wildcards are not allowed");
    }
    boolean idsPinned = immutableIdsPinned(spec);
    Selector selector = selector(spec.getSubject());
    return switch (dialect) {
      case GitHub -> gitHubSubject(repository, idsPinned, spec, selector);
      case GitLab -> gitLabSubject(repository, idsPinned, selector);
    };
  }

  private static boolean immutableIdsPinned(CIFederatedIdentitySpec spec)
      throws TrustCompilationException {
    String repositoryId = spec.getRepositoryId();
    String ownerId = spec.getOwnerId();
    if ((repositoryId == null) != (ownerId == null)) {
      throw new TrustCompilationException(
          "spec.repositoryId and spec.ownerId pin GitHub's immutable IDs together: set both or"
              + " neither");
    }
    if (repositoryId == null) {
      return false;
    }
    if (!NUMERIC_ID.matcher(repositoryId).matches()) {
      throw new TrustCompilationException(
          "spec.repositoryId '" + repositoryId + "' must be GitHub's numeric repository ID");
    }
    if (!NUMERIC_ID.matcher(ownerId).matches()) {
      throw new TrustCompilationException(
          "spec.ownerId '" + ownerId + "' must be GitHub's numeric owner ID");
    }
    return true;
  }

  private static Selector selector(SubjectSelector subject) throws TrustCompilationException {
    String exactlyOne =
        "spec.subject must set exactly one selector: environment, branch, tag, workflowRef or"
            + " pullRequest: true";
    if (subject == null) {
      throw new TrustCompilationException(exactlyOne);
    }
    List<Selector> set = new ArrayList<>();
    if (subject.getEnvironment() != null) {
      set.add(new Selector(SubjectKind.environment, subject.getEnvironment()));
    }
    if (subject.getBranch() != null) {
      set.add(new Selector(SubjectKind.branch, subject.getBranch()));
    }
    if (subject.getTag() != null) {
      set.add(new Selector(SubjectKind.tag, subject.getTag()));
    }
    if (subject.getWorkflowRef() != null) {
      set.add(new Selector(SubjectKind.workflowRef, subject.getWorkflowRef()));
    }
    if (Boolean.TRUE.equals(subject.getPullRequest())) {
      set.add(new Selector(SubjectKind.pullRequest, null));
    }
    if (set.size() != 1) {
      // Picking one of several would silently ignore what the user also asked for.
      throw new TrustCompilationException(
          exactlyOne + " (found " + set.stream().map(s -> s.kind().name()).toList() + ")");
    }
    Selector selector = set.get(0);
    checkSelectorValue(selector);
    return selector;
  }

  private static void checkSelectorValue(Selector selector) throws TrustCompilationException {
    String value = selector.value();
    if (value == null) {
      return;
    }
    String field = selector.field();
    if (value.isEmpty()) {
      throw new TrustCompilationException(field + " must not be empty");
    }
    boolean patternAllowed =
        selector.kind() == SubjectKind.branch || selector.kind() == SubjectKind.tag;
    String exactPart =
        patternAllowed && value.endsWith("*") ? value.substring(0, value.length() - 1) : value;
    if (exactPart.contains("*") || exactPart.contains("?")) {
      // '*' and '?' are wildcards in AWS StringLike: anywhere else they would widen a pattern.
      throw new TrustCompilationException(
          field
              + " '"
              + value
              + "' must be exact: no '*' or '?'"
              + (patternAllowed
                  ? " except a single trailing '*' (a prefix pattern, AWS only)"
                  : ""));
    }
    if (exactPart.isEmpty()) {
      throw new TrustCompilationException(
          field + " '*' would admit every " + selector.kind().name() + "; name a prefix, e.g. v*");
    }
    if (patternAllowed && value.startsWith("refs/")) {
      throw new TrustCompilationException(
          field
              + " '"
              + value
              + "' must be the bare "
              + selector.kind().name()
              + " name, without refs/heads/ or refs/tags/");
    }
  }

  private static Subject gitHubSubject(
      String repository, boolean idsPinned, CIFederatedIdentitySpec spec, Selector selector)
      throws TrustCompilationException {
    String[] ownerAndRepo = repository.split("/", -1);
    if (ownerAndRepo.length != 2) {
      throw new TrustCompilationException(
          "spec.repository '"
              + repository
              + "' must be OWNER/REPO with exactly one '/' for a GitHub issuer");
    }
    // GitHub's immutable-ID form appends the numeric IDs with '@', so a renamed or re-created
    // repository of the same name no longer matches.
    String prefix =
        idsPinned
            ? "repo:"
                + ownerAndRepo[0]
                + "@"
                + spec.getOwnerId()
                + "/"
                + ownerAndRepo[1]
                + "@"
                + spec.getRepositoryId()
            : "repo:" + repository;
    String value = selector.value();
    String suffix =
        switch (selector.kind()) {
          case environment -> ":environment:" + value;
          case branch -> ":ref:refs/heads/" + value;
          case tag -> ":ref:refs/tags/" + value;
          case workflowRef -> ":job_workflow_ref:" + value;
          case pullRequest -> ":pull_request";
        };
    String who = whoCanAssume(repository, selector, "GitHub Actions");
    if (idsPinned) {
      who += ", repository ID " + spec.getRepositoryId() + ", owner ID " + spec.getOwnerId();
    }
    return new Subject(prefix + suffix, selector, who);
  }

  private static Subject gitLabSubject(String repository, boolean idsPinned, Selector selector)
      throws TrustCompilationException {
    if (idsPinned) {
      throw new TrustCompilationException(
          "spec.repositoryId and spec.ownerId are GitHub's immutable-ID form; GitLab's sub has no"
              + " such form: remove them for a GitLab issuer");
    }
    String prefix = "project_path:" + repository;
    String value = selector.value();
    String sub =
        switch (selector.kind()) {
          case branch -> prefix + ":ref_type:branch:ref:" + value;
          case tag -> prefix + ":ref_type:tag:ref:" + value;
          case environment ->
              throw new TrustCompilationException(
                  "spec.subject.environment cannot be expressed for a GitLab issuer: GitLab's sub"
                      + " has no environment (it is project_path:...:ref_type:...:ref:...); use"
                      + " branch or tag, and a protected environment in GitLab");
          case workflowRef ->
              throw new TrustCompilationException(
                  "spec.subject.workflowRef cannot be expressed for a GitLab issuer: GitLab's sub"
                      + " has no job_workflow_ref; use branch or tag");
          case pullRequest ->
              throw new TrustCompilationException(
                  "spec.subject.pullRequest cannot be expressed for a GitLab issuer: GitLab's sub"
                      + " has no merge-request form; use branch or tag");
        };
    return new Subject(sub, selector, whoCanAssume(repository, selector, "GitLab CI"));
  }

  private static String whoCanAssume(String repository, Selector selector, String provider) {
    String value = selector.value();
    String runs =
        switch (selector.kind()) {
          case environment -> "environment " + value;
          case branch -> (selector.isPattern() ? "branches matching " : "branch ") + value;
          case tag -> (selector.isPattern() ? "tags matching " : "tag ") + value;
          case workflowRef -> "workflow " + value;
          case pullRequest -> "pull requests";
        };
    return repository + ", " + runs + " (" + provider + ")";
  }

  // -------------------------------------------------------------------------------------- AWS

  private static AwsTrust compileAws(
      IssuerInfo issuer, String namespace, String name, AwsIdentitySpec aws, Subject subject)
      throws TrustCompilationException {
    String accountId = aws.getAccountId();
    if (accountId == null || !AWS_ACCOUNT_ID.matcher(accountId).matches()) {
      throw new TrustCompilationException(
          "spec.aws.accountId '" + accountId + "' must be a 12-digit AWS account ID");
    }
    String roleName =
        isBlank(aws.getRoleName()) ? CloudNames.awsRoleName(namespace, name) : aws.getRoleName();
    if (!IAM_ROLE_NAME.matcher(roleName).matches()) {
      throw new TrustCompilationException(
          "spec.aws.roleName '"
              + roleName
              + "' must be 1-64 characters of letters, digits and +=,.@_- (IAM role name rules)");
    }
    // In a 2012-10-17 policy IAM substitutes ${...} in condition values; a literal subject or
    // audience containing it would not mean what it says.
    if (subject.value().contains("${")) {
      throw new TrustCompilationException(
          subject.selector().field()
              + ": the subject '"
              + subject.value()
              + "' contains '${', which IAM reads as a policy variable");
    }
    if (issuer.awsAudience().contains("${")) {
      throw new TrustCompilationException(
          "the issuer's AWS audience '"
              + issuer.awsAudience()
              + "' contains '${', which IAM reads as a policy variable");
    }
    Duration maxSessionDuration = SessionDurations.parse(aws.getMaxSessionDuration());
    String providerArn = "arn:aws:iam::" + accountId + ":oidc-provider/" + issuer.hostAndPath();
    ObjectNode trustPolicy =
        awsTrustPolicy(providerArn, issuer.hostAndPath(), issuer.awsAudience(), subject);
    return new AwsTrust(
        accountId,
        roleName,
        providerArn,
        issuer.url(),
        issuer.awsAudience(),
        trustPolicy,
        maxSessionDuration);
  }

  /**
   * The guide's trust policy: only web identities of this provider, only for this audience and
   * subject. StringLike only for a pattern subject; aud is always StringEquals.
   */
  private static ObjectNode awsTrustPolicy(
      String providerArn, String conditionKeyPrefix, String audience, Subject subject) {
    ObjectNode policy = JsonNodeFactory.instance.objectNode();
    policy.put("Version", "2012-10-17");
    ObjectNode statement = policy.putArray("Statement").addObject();
    statement.put("Effect", "Allow");
    statement.putObject("Principal").put("Federated", providerArn);
    statement.put("Action", "sts:AssumeRoleWithWebIdentity");
    ObjectNode condition = statement.putObject("Condition");
    ObjectNode stringEquals = condition.putObject("StringEquals");
    stringEquals.put(conditionKeyPrefix + ":aud", audience);
    if (subject.isPattern()) {
      condition.putObject("StringLike").put(conditionKeyPrefix + ":sub", subject.value());
    } else {
      stringEquals.put(conditionKeyPrefix + ":sub", subject.value());
    }
    return policy;
  }

  // -------------------------------------------------------------------------------------- GCP

  private static GcpTrust compileGcp(
      IssuerInfo issuer,
      String namespace,
      String name,
      CIFederatedIdentitySpec spec,
      GcpIdentitySpec gcp,
      Subject subject)
      throws TrustCompilationException {
    requireExactSubject(subject, "spec.gcp");
    requireNonBlank(gcp.getProjectId(), "spec.gcp.projectId");
    requireNonBlank(gcp.getServiceAccount(), "spec.gcp.serviceAccount");
    String projectNumber = gcp.getProjectNumber();
    if (projectNumber == null || !NUMERIC_ID.matcher(projectNumber).matches()) {
      throw new TrustCompilationException(
          "spec.gcp.projectNumber '" + projectNumber + "' must be digits only");
    }
    String poolId = isBlank(gcp.getPoolId()) ? DEFAULT_GCP_POOL_ID : gcp.getPoolId();
    if (!GCP_POOL_ID.matcher(poolId).matches() || poolId.startsWith("gcp-")) {
      throw new TrustCompilationException(
          "spec.gcp.poolId '"
              + poolId
              + "' must be 4-32 of [a-z0-9-] and must not start with gcp-");
    }
    int subjectBytes = subject.value().getBytes(StandardCharsets.UTF_8).length;
    if (subjectBytes > GCP_SUBJECT_MAX_BYTES) {
      throw new TrustCompilationException(
          subject.selector().field()
              + ": the subject '"
              + subject.value()
              + "' is "
              + subjectBytes
              + " bytes; GCP maps it to google.subject, which allows at most "
              + GCP_SUBJECT_MAX_BYTES);
    }

    String pool = "projects/" + projectNumber + "/locations/global/workloadIdentityPools/" + poolId;
    String providerId = CloudNames.gcpProviderId(namespace, name);
    String providerName = pool + "/providers/" + providerId;
    String override = issuer.gcpAudienceOverride();
    SortedMap<String, String> attributeMapping = new TreeMap<>();
    attributeMapping.put("google.subject", "assertion.sub");
    String repositoryClaim =
        switch (issuer.dialect()) {
          case GitHub -> "repository";
          case GitLab -> "project_path";
        };
    attributeMapping.put("attribute." + repositoryClaim, "assertion." + repositoryClaim);
    // The condition makes this provider accept only this identity's tokens (GCP rejects GitHub and
    // GitLab providers without one); the principal binding pins the subject once more.
    String condition =
        Cel.equalsLiteral("assertion." + repositoryClaim, spec.getRepository())
            + " && "
            + Cel.equalsLiteral("assertion.sub", subject.value());
    if (spec.getRepositoryId() != null) {
      attributeMapping.put("attribute.repository_id", "assertion.repository_id");
      attributeMapping.put("attribute.repository_owner_id", "assertion.repository_owner_id");
      condition +=
          " && "
              + Cel.equalsLiteral("assertion.repository_id", spec.getRepositoryId())
              + " && "
              + Cel.equalsLiteral("assertion.repository_owner_id", spec.getOwnerId());
    }
    return new GcpTrust(
        gcp.getProjectId(),
        projectNumber,
        poolId,
        providerId,
        providerName,
        issuer.url(),
        override == null ? List.of() : List.of(override),
        attributeMapping,
        condition,
        "principal://iam.googleapis.com/" + pool + "/subject/" + subject.value(),
        override == null ? "https://iam.googleapis.com/" + providerName : override,
        gcp.getServiceAccount());
  }

  // ------------------------------------------------------------------------------------ Azure

  private static AzureTrust compileAzure(
      IssuerInfo issuer, String namespace, String name, AzureIdentitySpec azure, Subject subject)
      throws TrustCompilationException {
    requireExactSubject(subject, "spec.azure");
    requireNonBlank(azure.getSubscriptionId(), "spec.azure.subscriptionId");
    requireNonBlank(azure.getResourceGroup(), "spec.azure.resourceGroup");
    String identityName =
        isBlank(azure.getIdentityName())
            ? CloudNames.azureIdentityName(namespace, name)
            : azure.getIdentityName();
    if (!AZURE_IDENTITY_NAME.matcher(identityName).matches()) {
      throw new TrustCompilationException(
          "spec.azure.identityName '"
              + identityName
              + "' must be 3-128 of letters, digits, '-' and '_', starting with a letter or digit");
    }
    return new AzureTrust(
        azure.getSubscriptionId(),
        azure.getResourceGroup(),
        identityName,
        CloudNames.azureCredentialName(namespace, name),
        issuer.url(),
        subject.value(),
        List.of(issuer.azureAudience()));
  }

  // ---------------------------------------------------------------------------------- helpers

  private static void requireExactSubject(Subject subject, String cloudField)
      throws TrustCompilationException {
    if (subject.isPattern()) {
      throw new TrustCompilationException(
          "GCP and Azure match the subject exactly; "
              + subject.selector().field()
              + " '"
              + subject.selector().value()
              + "' is a prefix pattern, which only AWS can express (StringLike): use an exact "
              + subject.selector().kind().name()
              + " or remove "
              + cloudField);
    }
  }

  private static void requireNonBlank(String value, String field) throws TrustCompilationException {
    if (isBlank(value)) {
      throw new TrustCompilationException(field + " is required");
    }
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}
