package dev.cifederation.operator.trust;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.AwsIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.AzureIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.GcpIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.GitHubClaim;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.RunPhase;
import dev.cifederation.operator.api.v1alpha1.SubjectFormat;
import dev.cifederation.operator.api.v1alpha1.SubjectKind;
import dev.cifederation.operator.api.v1alpha1.SubjectMigration;
import dev.cifederation.operator.api.v1alpha1.SubjectMigrationPhase;
import dev.cifederation.operator.api.v1alpha1.SubjectSelector;
import dev.cifederation.operator.api.v1alpha1.SubjectTemplate;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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

  private static final Pattern BITBUCKET_UUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  // decides only which phase of a subject migration applies
  private final Clock clock;

  public TrustCompiler() {
    this(Clock.systemUTC());
  }

  public TrustCompiler(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

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
    Subject subject = compileSubject(issuer, spec);
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
        subject.value(),
        subject.isPattern(),
        subject.whoCanAssume(),
        aws,
        gcp,
        azure,
        subject.alternatives(),
        subject.phase());
  }

  // ---------------------------------------------------------------------------------- subject

  /**
   * The compiled {@code sub} and how it came about, for messages further down.
   *
   * @param value the subject; an AWS pattern when {@link #isPattern()}
   * @param stable the part of the subject that is the same for every run: the subject itself,
   *     unless the dialect's form ends in per-run values
   * @param separator what follows {@code stable} in every token's sub when the form ends in per-run
   *     values, else null
   * @param alternatives further exact subjects admitted as well (a subject migration's old one)
   */
  private record Subject(
      String value,
      String stable,
      String separator,
      Selector selector,
      String whoCanAssume,
      Dialect dialect,
      List<String> alternatives,
      SubjectMigrationPhase phase) {
    boolean isPattern() {
      return selector.isPattern() || separator != null;
    }

    boolean perRun() {
      return separator != null;
    }
  }

  /** The one selector set in spec.subject; value is null for pullRequest and everyRun. */
  private record Selector(SubjectKind kind, String value, RunPhase phase) {
    String field() {
      return "spec.subject." + kind.name();
    }

    boolean isPattern() {
      return value != null && value.endsWith("*");
    }
  }

  private Subject compileSubject(IssuerInfo issuer, CIFederatedIdentitySpec spec)
      throws TrustCompilationException {
    Dialect dialect = issuer.dialectInfo();
    String repository = spec.getRepository();
    if (repository == null || !REPOSITORY.matcher(repository).matches()) {
      throw new TrustCompilationException(
          "spec.repository '"
              + repository
              + "' must be owner/name (GitLab: group/subgroup/name) of letters, digits, '.', '_'"
              + " and '-'; wildcards are not allowed");
    }
    if (!dialect.repository().matcher(repository).matches()) {
      throw new TrustCompilationException(
          "spec.repository '"
              + repository
              + "' must be "
              + dialect.repositoryShape()
              + (dialect.id() == IssuerDialect.GitHub ? " with exactly one '/'" : "")
              + " for a "
              + dialect.id()
              + " issuer");
    }
    boolean idsPinned = immutableIdsPinned(spec);
    Selector selector = selector(spec.getSubject());
    if (dialect.id() != IssuerDialect.GitHub) {
      if (idsPinned) {
        throw new TrustCompilationException(
            "spec.repositoryId and spec.ownerId are GitHub's immutable-ID form; "
                + dialect.ciName()
                + "'s sub has no such form: remove them for a "
                + dialect.id()
                + " issuer");
      }
      Subject subject = tableSubject(issuer, dialect, repository, selector);
      if (spec.getSubjectTemplate() != null || spec.getSubjectMigration() != null) {
        throw new TrustCompilationException(
            (spec.getSubjectTemplate() != null ? "spec.subjectTemplate" : "spec.subjectMigration")
                + " describes GitHub's subjects; remove it for a "
                + dialect.id()
                + " issuer");
      }
      return subject;
    }
    return gitHubSubject(issuer, dialect, repository, idsPinned, spec, selector);
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
        "spec.subject must set exactly one selector: environment, branch, tag, workflowRef,"
            + " pullRequest: true, everyRun: true, workspace or serviceConnection";
    if (subject == null) {
      throw new TrustCompilationException(exactlyOne);
    }
    List<Selector> set = new ArrayList<>();
    if (subject.getEnvironment() != null) {
      set.add(new Selector(SubjectKind.environment, subject.getEnvironment(), null));
    }
    if (subject.getBranch() != null) {
      set.add(new Selector(SubjectKind.branch, subject.getBranch(), null));
    }
    if (subject.getTag() != null) {
      set.add(new Selector(SubjectKind.tag, subject.getTag(), null));
    }
    if (subject.getWorkflowRef() != null) {
      set.add(new Selector(SubjectKind.workflowRef, subject.getWorkflowRef(), null));
    }
    if (Boolean.TRUE.equals(subject.getPullRequest())) {
      set.add(new Selector(SubjectKind.pullRequest, null, null));
    }
    if (Boolean.TRUE.equals(subject.getEveryRun())) {
      set.add(new Selector(SubjectKind.everyRun, null, null));
    }
    if (subject.getWorkspace() != null) {
      set.add(new Selector(SubjectKind.workspace, subject.getWorkspace(), subject.getRunPhase()));
    }
    if (subject.getServiceConnection() != null) {
      set.add(new Selector(SubjectKind.serviceConnection, subject.getServiceConnection(), null));
    }
    if (set.size() != 1) {
      // Picking one of several would silently ignore what the user also asked for.
      throw new TrustCompilationException(
          exactlyOne + " (found " + set.stream().map(s -> s.kind().name()).toList() + ")");
    }
    Selector selector = set.get(0);
    if (subject.getRunPhase() != null && selector.kind() != SubjectKind.workspace) {
      throw new TrustCompilationException(
          "spec.subject.runPhase qualifies spec.subject.workspace (HCP Terraform); remove it or"
              + " select a workspace");
    }
    if (selector.kind() == SubjectKind.workspace && selector.phase() == null) {
      throw new TrustCompilationException(
          "spec.subject.runPhase is required with spec.subject.workspace: plan or apply (one"
              + " identity per phase; give the plan identity read-only permissions)");
    }
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
    if ((selector.kind() == SubjectKind.serviceConnection
            || selector.kind() == SubjectKind.workspace)
        && (value.contains("/") || value.contains(":") || value.isBlank())) {
      throw new TrustCompilationException(
          field + " '" + value + "' must be a single name: no '/' or ':'");
    }
  }

  private Subject gitHubSubject(
      IssuerInfo issuer,
      Dialect dialect,
      String repository,
      boolean idsPinned,
      CIFederatedIdentitySpec spec,
      Selector selector)
      throws TrustCompilationException {
    String[] ownerAndRepo = repository.split("/", -1);
    SubjectTemplate template =
        spec.getSubjectTemplate() != null ? spec.getSubjectTemplate() : issuer.subjectTemplate();
    List<GitHubClaim> keys = template == null ? null : template.getIncludeClaimKeys();
    SubjectFormat format = template == null ? null : template.getFormat();
    if (format == null) {
      // Before formats were declared, pinned IDs meant the immutable form: keep that meaning.
      format = idsPinned ? SubjectFormat.ImmutableIds : SubjectFormat.Names;
    }
    SubjectMigration migration = spec.getSubjectMigration();
    if ((format == SubjectFormat.ImmutableIds || migration != null) && !idsPinned) {
      throw new TrustCompilationException(
          (migration != null ? "spec.subjectMigration" : "the subject format ImmutableIds")
              + " needs spec.repositoryId and spec.ownerId: GitHub's immutable subject embeds"
              + " them (repo:OWNER@OWNER_ID/REPO@REPOSITORY_ID:...)");
    }
    if (migration != null && format == SubjectFormat.Names) {
      throw new TrustCompilationException(
          "spec.subjectMigration migrates to the ImmutableIds format, but the declared"
              + " subjectTemplate.format is Names: set it to ImmutableIds or remove it");
    }
    SubjectKind kind = selector.kind();
    String value = selector.value();
    GitHubSubjects.Facts immutable =
        new GitHubSubjects.Facts(
            ownerAndRepo[0],
            ownerAndRepo[1],
            spec.getOwnerId(),
            spec.getRepositoryId(),
            format == SubjectFormat.ImmutableIds,
            kind,
            value);
    String sub = GitHubSubjects.render(keys, immutable);
    List<String> alternatives = List.of();
    SubjectMigrationPhase phase = null;
    if (migration != null) {
      Instant dropAfter = dropNamesAfter(migration);
      if (clock.instant().isBefore(dropAfter)) {
        phase = SubjectMigrationPhase.BothSubjects;
        if (selector.isPattern()) {
          throw new TrustCompilationException(
              "spec.subjectMigration admits two exact subjects; "
                  + selector.field()
                  + " '"
                  + value
                  + "' is a pattern: migrate with an exact selector");
        }
        alternatives =
            List.of(
                GitHubSubjects.render(
                    keys,
                    new GitHubSubjects.Facts(
                        ownerAndRepo[0],
                        ownerAndRepo[1],
                        spec.getOwnerId(),
                        spec.getRepositoryId(),
                        false,
                        kind,
                        value)));
      } else {
        phase = SubjectMigrationPhase.ImmutableOnly;
      }
    }
    String who = whoCanAssume(repository, selector, dialect.ciName());
    if (idsPinned) {
      who += ", repository ID " + spec.getRepositoryId() + ", owner ID " + spec.getOwnerId();
    }
    if (phase == SubjectMigrationPhase.BothSubjects) {
      who += "; name-based subject admitted until " + migration.getDropNamesAfter();
    }
    return new Subject(sub, sub, null, selector, who, dialect, alternatives, phase);
  }

  private static Instant dropNamesAfter(SubjectMigration migration)
      throws TrustCompilationException {
    String text = migration.getDropNamesAfter();
    try {
      return Instant.parse(Objects.requireNonNull(text, "dropNamesAfter"));
    } catch (RuntimeException e) {
      throw new TrustCompilationException(
          "spec.subjectMigration.dropNamesAfter '"
              + text
              + "' must be an RFC 3339 UTC time, e.g. 2026-09-01T00:00:00Z");
    }
  }

  /** A subject from the dialect table: the form of the selector, filled in. */
  private static Subject tableSubject(
      IssuerInfo issuer, Dialect dialect, String repository, Selector selector)
      throws TrustCompilationException {
    Dialect.Form form = dialect.forms().get(selector.kind());
    if (form == null) {
      String why = dialect.notExpressible().get(selector.kind());
      throw new TrustCompilationException(
          selector.field()
              + " cannot be expressed for a "
              + dialect.id()
              + " issuer: "
              + (why != null
                  ? why
                  : dialect.ciName()
                      + "'s sub is "
                      + dialect.subjectShape()
                      + "; use "
                      + String.join(
                          " or ", dialect.forms().keySet().stream().map(Enum::name).toList())));
    }
    if (dialect.id() == IssuerDialect.BitbucketPipelines
        && selector.kind() == SubjectKind.environment
        && !BITBUCKET_UUID.matcher(selector.value()).matches()) {
      throw new TrustCompilationException(
          "spec.subject.environment '"
              + selector.value()
              + "' must be the deployment environment's UUID without braces (Repository settings"
              + " > OpenID Connect in Bitbucket)");
    }
    String[] parts = repository.split("/", -1);
    String stable =
        form.stable()
            .replace("<repo>", repository)
            .replace("<0>", parts[0])
            .replace("<1>", parts.length > 1 ? parts[1] : "")
            .replace("<jobPath>", String.join("/job/", parts))
            .replace("<phase>", selector.phase() == null ? "" : selector.phase().name());
    if (stable.contains("<root>")) {
      stable = stable.replace("<root>", jenkinsRoot(issuer));
    }
    stable = stable.replace("<value>", selector.value() == null ? "" : selector.value());
    String value = stable + form.rest();
    return new Subject(
        value,
        stable,
        form.perRun() ? form.separator() : null,
        selector,
        whoCanAssume(repository, selector, dialect.ciName()),
        dialect,
        List.of(),
        null);
  }

  /** The Jenkins root URL the plugin's job URLs start with: the issuer without /oidc. */
  private static String jenkinsRoot(IssuerInfo issuer) throws TrustCompilationException {
    String url = issuer.url();
    if (!url.endsWith("/oidc")) {
      throw new TrustCompilationException(
          "the Jenkins CIIssuer spec.url '"
              + url
              + "' must end in /oidc, as the OpenID Connect Provider plugin serves it"
              + " (https://JENKINS_ROOT/oidc)");
    }
    String root = url.substring(0, url.length() - "/oidc".length());
    int folder = root.indexOf("/job/");
    // a folder-scoped issuer (ROOT/job/FOLDER/oidc) still names jobs by their full URL
    return folder < 0 ? root : root.substring(0, folder);
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
          case everyRun -> "every run";
          case workspace -> "workspace " + value + ", " + selector.phase() + " phase";
          case serviceConnection -> "service connection " + value;
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
    } else if (subject.alternatives().isEmpty()) {
      stringEquals.put(conditionKeyPrefix + ":sub", subject.value());
    } else {
      // a subject migration: either subject, new first
      var values = stringEquals.putArray(conditionKeyPrefix + ":sub").add(subject.value());
      subject.alternatives().forEach(values::add);
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
    // one pool per issuer by default: a principal:// member matches a token of any provider in
    // its pool, so a pool shared by two issuers would let one issuer's token pass for the other's
    String poolId = isBlank(gcp.getPoolId()) ? defaultPoolId(spec) : gcp.getPoolId();
    if (!GCP_POOL_ID.matcher(poolId).matches() || poolId.startsWith("gcp-")) {
      throw new TrustCompilationException(
          "spec.gcp.poolId '"
              + poolId
              + "' must be 4-32 of [a-z0-9-] and must not start with gcp-");
    }
    // google.subject is the stable part: a per-run subject maps to what is the same for every run
    String googleSubject = subject.stable();
    int subjectBytes = googleSubject.getBytes(StandardCharsets.UTF_8).length;
    if (subjectBytes > GCP_SUBJECT_MAX_BYTES) {
      throw new TrustCompilationException(
          subject.selector().field()
              + ": the subject '"
              + googleSubject
              + "' is "
              + subjectBytes
              + " bytes; GCP maps it to google.subject, which allows at most "
              + GCP_SUBJECT_MAX_BYTES);
    }

    String pool = "projects/" + projectNumber + "/locations/global/workloadIdentityPools/" + poolId;
    String providerId =
        isBlank(gcp.getProviderId())
            ? CloudNames.gcpProviderId(namespace, name)
            : gcp.getProviderId();
    if (!GCP_POOL_ID.matcher(providerId).matches() || providerId.startsWith("gcp-")) {
      throw new TrustCompilationException(
          "spec.gcp.providerId '"
              + providerId
              + "' must be 4-32 of [a-z0-9-] and must not start with gcp-");
    }
    String providerName = pool + "/providers/" + providerId;
    String override = issuer.gcpAudienceOverride();
    SortedMap<String, String> attributeMapping = new TreeMap<>();
    String subjectCondition;
    if (subject.perRun()) {
      attributeMapping.put(
          "google.subject",
          "assertion.sub.extract(" + Cel.quote("{stable}" + subject.separator()) + ")");
      subjectCondition =
          "assertion.sub.startsWith(" + Cel.quote(subject.stable() + subject.separator()) + ")";
    } else if (!subject.alternatives().isEmpty()) {
      // A subject migration: both subjects map to the new one, so one principal admits both
      // while the condition admits exactly these two.
      String old = subject.alternatives().get(0);
      attributeMapping.put(
          "google.subject",
          Cel.equalsLiteral("assertion.sub", old)
              + " ? "
              + Cel.quote(subject.value())
              + " : assertion.sub");
      subjectCondition =
          "("
              + Cel.equalsLiteral("assertion.sub", subject.value())
              + " || "
              + Cel.equalsLiteral("assertion.sub", old)
              + ")";
    } else {
      attributeMapping.put("google.subject", "assertion.sub");
      subjectCondition = Cel.equalsLiteral("assertion.sub", subject.value());
    }
    // The condition makes this provider accept only this identity's tokens (GCP rejects GitHub and
    // GitLab providers without one); the principal binding pins the subject once more.
    List<String> conditions = new ArrayList<>();
    String[] parts = spec.getRepository().split("/", -1);
    for (Dialect.Pin pin : subject.dialect().pins()) {
      String claim = claimReference(pin.claim());
      attributeMapping.put("attribute." + pin.attribute(), claim);
      String value =
          pin.value()
              .replace("<repo>", spec.getRepository())
              .replace("<0>", parts[0])
              .replace("<1>", parts.length > 1 ? parts[1] : "");
      conditions.add(Cel.equalsLiteral(claim, value));
    }
    conditions.add(subjectCondition);
    String condition = String.join(" && ", conditions);
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
        "principal://iam.googleapis.com/" + pool + "/subject/" + googleSubject,
        override == null ? "https://iam.googleapis.com/" + providerName : override,
        gcp.getServiceAccount());
  }

  private static String defaultPoolId(CIFederatedIdentitySpec spec)
      throws TrustCompilationException {
    try {
      return CloudNames.gcpPoolId(spec.getIssuerRef());
    } catch (IllegalArgumentException e) {
      throw new TrustCompilationException(
          "spec.gcp.poolId is unset, and its default (one pool per CIIssuer) needs spec.issuerRef"
              + " to be a CIIssuer name: "
              + e.getMessage());
    }
  }

  // ------------------------------------------------------------------------------------ Azure

  private static AzureTrust compileAzure(
      IssuerInfo issuer, String namespace, String name, AzureIdentitySpec azure, Subject subject)
      throws TrustCompilationException {
    requireExactSubject(subject, "spec.azure");
    if (subject.perRun()) {
      throw new TrustCompilationException(
          "Azure matches the subject exactly, and "
              + subject.dialect().ciName()
              + "'s sub ends in per-run values ("
              + subject.dialect().subjectShape()
              + "): no federated credential can admit "
              + subject.selector().field()
              + "; remove spec.azure");
    }
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
    // A subject migration: Entra's route is a second federated credential for the old subject
    // (one subject per credential); at most one alternative exists, so at most two credentials.
    if (subject.alternatives().size() > 1) {
      throw new IllegalStateException("a subject migration admits one former subject");
    }
    return new AzureTrust(
        azure.getSubscriptionId(),
        azure.getResourceGroup(),
        identityName,
        CloudNames.azureCredentialName(namespace, name),
        CloudNames.azureMigrationCredentialName(namespace, name),
        issuer.url(),
        subject.value(),
        subject.alternatives().isEmpty() ? null : subject.alternatives().get(0),
        List.of(issuer.azureAudience()));
  }

  // ---------------------------------------------------------------------------------- helpers

  /** A CEL reference to a claim: a field selection, or an index for names with '.', '/' or '-'. */
  private static String claimReference(String claim) {
    return claim.matches("[A-Za-z_][A-Za-z0-9_]*")
        ? "assertion." + claim
        : "assertion[" + Cel.quote(claim) + "]";
  }

  private static void requireExactSubject(Subject subject, String cloudField)
      throws TrustCompilationException {
    if (subject.selector().isPattern()) {
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
