package dev.cifederation.operator.trust;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.AwsIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.AzureIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.AzureRoleAssignment;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIIssuerSpec;
import dev.cifederation.operator.api.v1alpha1.GcpIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.GitHubClaim;
import dev.cifederation.operator.api.v1alpha1.IssuerAudiences;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.api.v1alpha1.RunPhase;
import dev.cifederation.operator.api.v1alpha1.SubjectKind;
import dev.cifederation.operator.api.v1alpha1.SubjectSelector;
import dev.cifederation.operator.api.v1alpha1.SubjectTemplate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The inverse of {@link TrustCompiler} for {@code import}: from a trust as a cloud holds it to the
 * {@code CIIssuer} and {@code CIFederatedIdentity} specs that compile back to the same trust, or
 * why none does. Pure.
 *
 * <p>It reads the subject in each CI system's grammar (GitHub's claim templates, the other
 * dialects' subject forms), builds the candidate specs, compiles each and keeps the first whose
 * compiled trust equals the live one in the terms the adapter compares by: the AWS trust policy as
 * IAM grants it ({@link PolicyEquivalence}), the GCP provider's issuer, audiences, attribute
 * mapping, condition (as CEL prints it) and bound principal, Azure's issuer, subject and audiences.
 * The GCP provider ID is carried over ({@code spec.gcp.providerId}), so the manifest addresses the
 * existing provider; the Azure credential name is not compared, as adoption keeps a credential of
 * any name that holds exactly the declared trust.
 */
public final class TrustDecompiler {

  /** The Kubernetes objects of one import: the issuer's and the identity's specs and names. */
  public record Imported(
      String issuerName, CIIssuerSpec issuer, String name, CIFederatedIdentitySpec identity) {}

  /** An import, or why the compiler cannot express the trust exactly. */
  public record Result(Optional<Imported> imported, String reason) {
    static Result of(Imported imported) {
      return new Result(Optional.of(imported), null);
    }

    static Result cannot(String reason) {
      return new Result(Optional.empty(), reason);
    }

    public boolean expressible() {
      return imported.isPresent();
    }
  }

  private static final Pattern PROVIDER_ARN =
      Pattern.compile("arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/(.+)");
  private static final String WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity";
  private static final String GCP_IAM = "principal://iam.googleapis.com/";
  private static final Pattern CONDITION_REPOSITORY =
      Pattern.compile("assertion\\.(?:repository|project_path)\\s*==\\s*['\"]([^'\"]+)['\"]");
  private static final Pattern IMMUTABLE_REPO =
      Pattern.compile("([^@/]+)@([0-9]+)/([^@/]+)@([0-9]+)");

  private TrustDecompiler() {}

  /**
   * @param namespace the namespace the manifests are for; the compiler derives GCP provider and
   *     Azure credential names from it, which are not compared
   */
  public static Result decompile(LiveTrust live, ExistingObject where, String namespace) {
    Objects.requireNonNull(live, "live");
    Objects.requireNonNull(where, "where");
    if (live instanceof LiveTrust.Aws aws && where instanceof ExistingObject.AwsRole role) {
      return aws(aws, role, namespace);
    }
    if (live instanceof LiveTrust.Gcp gcp && where instanceof ExistingObject.GcpProvider provider) {
      return gcp(gcp, provider, namespace);
    }
    if (live instanceof LiveTrust.Azure azure
        && where instanceof ExistingObject.AzureIdentity identity) {
      return azure(azure, identity, namespace);
    }
    throw new IllegalArgumentException("a trust of one cloud and an object of another");
  }

  // -------------------------------------------------------------------------------------- AWS

  private static Result aws(LiveTrust.Aws live, ExistingObject.AwsRole role, String namespace) {
    JsonNode policy;
    try {
      policy = PolicyJson.MAPPER.readTree(live.trustPolicyJson());
    } catch (JsonProcessingException e) {
      return Result.cannot("the trust policy is not JSON");
    }
    JsonNode statements = policy.path("Statement");
    List<JsonNode> list = new ArrayList<>();
    (statements.isArray() ? statements : List.of(statements)).forEach(list::add);
    if (list.size() != 1) {
      return Result.cannot(
          "the trust policy has "
              + list.size()
              + " statements; an identity compiles to one (split the role, one identity per"
              + " subject)");
    }
    JsonNode statement = list.get(0);
    if (!"Allow".equals(statement.path("Effect").asText())
        || !single(statement.path("Action")).equals(WEB_IDENTITY)) {
      return Result.cannot("the statement is not one Allow of " + WEB_IDENTITY);
    }
    Matcher provider = PROVIDER_ARN.matcher(single(statement.path("Principal").path("Federated")));
    if (!provider.matches()) {
      return Result.cannot("the statement's Federated principal is not one OIDC provider");
    }
    String hostAndPath = provider.group(1);
    JsonNode condition = statement.path("Condition");
    List<String> subjects = conditionValues(condition, hostAndPath + ":sub");
    List<String> audiences = conditionValues(condition, hostAndPath + ":aud");
    if (subjects.isEmpty()) {
      return Result.cannot(
          "no condition on "
              + hostAndPath
              + ":sub: every workflow the issuer signs for can assume the role; the operator"
              + " always pins one subject (remediate by hand, then import)");
    }
    if (audiences.isEmpty()) {
      return Result.cannot(
          "no condition on "
              + hostAndPath
              + ":aud: a token minted for another audience is accepted; the operator always"
              + " checks it (an identity for this role adds the check)");
    }
    if (subjects.size() > 1) {
      return Result.cannot(
          "the trust admits "
              + subjects.size()
              + " subjects "
              + subjects
              + "; an identity admits one (one identity per subject)");
    }
    if (audiences.size() > 1) {
      return Result.cannot("the trust admits " + audiences.size() + " audiences; an issuer one");
    }
    String url = "https://" + hostAndPath;
    String subject = subjects.get(0);
    String audience = audiences.get(0);
    String name = kubernetesName(role.roleName());
    List<String> tried = new ArrayList<>();
    for (Candidate candidate : candidates(url, subject)) {
      CIIssuerSpec issuer = issuer(url, candidate.dialect());
      if (!audience.equals(candidate.dialect().defaultAwsAudience())) {
        audiences(issuer).setAws(audience);
      }
      CIFederatedIdentitySpec spec = candidate.spec(issuerName(url));
      AwsIdentitySpec aws = new AwsIdentitySpec();
      aws.setAccountId(role.accountId());
      aws.setRoleName(role.roleName());
      live.maxSessionDuration()
          .map(TrustDecompiler::duration)
          .ifPresent(aws::setMaxSessionDuration);
      aws.setManagedPolicyArns(new ArrayList<>(new java.util.TreeSet<>(live.managedPolicyArns())));
      if (live.inlinePolicies().size() == 1) {
        aws.setInlinePolicy(inlinePolicy(live.inlinePolicies().values().iterator().next()));
      }
      spec.setAws(aws);
      Optional<CompiledTrust> compiled = compile(issuer, namespace, name, spec, tried);
      if (compiled.isPresent()
          && PolicyEquivalence.equivalent(compiled.get().aws().trustPolicy(), policy)) {
        return Result.of(new Imported(issuerName(url), issuer, name, observed(spec)));
      }
      compiled.ifPresent(
          c -> tried.add("compiles to " + c.aws().trustPolicyJson().replaceAll("\\s+", "")));
    }
    return Result.cannot(unmatched(subject, tried));
  }

  private static ObjectNode inlinePolicy(String json) {
    try {
      JsonNode node = PolicyJson.MAPPER.readTree(json);
      return node instanceof ObjectNode object ? object : null;
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /** The values of a key under StringEquals or StringLike (other operators: none). */
  private static List<String> conditionValues(JsonNode condition, String key) {
    List<String> values = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> operators = condition.fields();
    while (operators.hasNext()) {
      Map.Entry<String, JsonNode> operator = operators.next();
      Iterator<Map.Entry<String, JsonNode>> keys = operator.getValue().fields();
      while (keys.hasNext()) {
        Map.Entry<String, JsonNode> entry = keys.next();
        if (entry.getKey().equalsIgnoreCase(key)) {
          JsonNode value = entry.getValue();
          (value.isArray() ? value : List.of(value)).forEach(v -> values.add(v.asText()));
        }
      }
    }
    return values;
  }

  private static String single(JsonNode node) {
    if (node.isArray()) {
      return node.size() == 1 ? node.get(0).asText() : "";
    }
    return node.asText();
  }

  /** IAM's seconds as the CRD writes durations: 1h, 90m, 3600s. */
  static String duration(Duration duration) {
    long seconds = duration.getSeconds();
    if (seconds % 3600 == 0) {
      return seconds / 3600 + "h";
    }
    if (seconds % 60 == 0) {
      return seconds / 60 + "m";
    }
    return seconds + "s";
  }

  // -------------------------------------------------------------------------------------- GCP

  private static Result gcp(
      LiveTrust.Gcp live, ExistingObject.GcpProvider provider, String namespace) {
    if (live.disabled()) {
      return Result.cannot("the provider is disabled: it admits no token");
    }
    if (provider.serviceAccount() == null) {
      return Result.cannot(
          "no service account binds a member of pool "
              + provider.poolId()
              + ": the provider lets nobody impersonate anything");
    }
    if (live.members().size() != 1) {
      return Result.cannot(
          "service account "
              + provider.serviceAccount()
              + " binds "
              + live.members().size()
              + " members of the pool "
              + live.members()
              + "; an identity binds exactly one principal://…/subject/<sub>");
    }
    String member = live.members().get(0);
    int at = member.indexOf("/subject/");
    if (!member.startsWith(GCP_IAM) || at < 0) {
      return Result.cannot(
          "the binding "
              + member
              + " on "
              + provider.serviceAccount()
              + " admits a set of principals; an identity binds exactly one"
              + " principal://…/subject/<sub>");
    }
    if (live.allowedAudiences().size() > 1) {
      return Result.cannot(
          "the provider allows " + live.allowedAudiences().size() + " audiences; an issuer one");
    }
    if (live.issuerUri() == null) {
      return Result.cannot("the provider is not an OIDC provider");
    }
    String url = live.issuerUri();
    String subject = member.substring(at + "/subject/".length());
    String name = kubernetesName(provider.poolId() + "-" + provider.providerId());
    List<String> tried = new ArrayList<>();
    // a template without the repository leaves it to the condition's pin
    Matcher pinned = CONDITION_REPOSITORY.matcher(String.valueOf(live.attributeCondition()));
    Optional<String> repository = pinned.find() ? Optional.of(pinned.group(1)) : Optional.empty();
    for (Candidate candidate : candidates(url, subject, repository)) {
      CIIssuerSpec issuer = issuer(url, candidate.dialect());
      if (!live.allowedAudiences().isEmpty()) {
        audiences(issuer).setGcp(live.allowedAudiences().get(0));
      }
      CIFederatedIdentitySpec spec = candidate.spec(issuerName(url));
      GcpIdentitySpec gcp = new GcpIdentitySpec();
      gcp.setProjectId(provider.projectId());
      gcp.setProjectNumber(provider.projectNumber());
      gcp.setPoolId(provider.poolId());
      // the existing provider, not a second one beside it: adoption takes it over in place
      gcp.setProviderId(provider.providerId());
      gcp.setServiceAccount(provider.serviceAccount());
      spec.setGcp(gcp);
      Optional<CompiledTrust> compiled = compile(issuer, namespace, name, spec, tried);
      if (compiled.isEmpty()) {
        continue;
      }
      Optional<String> difference = difference(compiled.get().gcp(), live);
      if (difference.isEmpty()) {
        return Result.of(new Imported(issuerName(url), issuer, name, observed(spec)));
      }
      tried.add(difference.get());
    }
    return Result.cannot(unmatched(subject, tried));
  }

  /** What differs between the compiled provider and binding and the live ones; empty: none. */
  private static Optional<String> difference(GcpTrust compiled, LiveTrust.Gcp live) {
    if (!compiled.issuerUri().equals(live.issuerUri())) {
      return Optional.of("the issuer " + live.issuerUri() + " is not " + compiled.issuerUri());
    }
    if (!new HashSet<>(compiled.allowedAudiences())
        .equals(new HashSet<>(live.allowedAudiences()))) {
      return Optional.of("the allowed audiences differ");
    }
    if (!compiled.attributeMapping().equals(Map.copyOf(live.attributeMapping()))) {
      return Optional.of(
          "the attribute mapping "
              + new java.util.TreeMap<>(live.attributeMapping())
              + " is not the compiled "
              + compiled.attributeMapping());
    }
    if (!sameCondition(compiled.attributeCondition(), live.attributeCondition())) {
      return Optional.of(
          "the attribute condition '"
              + live.attributeCondition()
              + "' is not the compiled '"
              + compiled.attributeCondition()
              + "'");
    }
    if (!List.of(compiled.principal()).equals(live.members())) {
      return Optional.of("the bound principal is not " + compiled.principal());
    }
    return Optional.empty();
  }

  private static boolean sameCondition(String compiled, String live) {
    if (live == null || live.isBlank()) {
      return false;
    }
    try {
      return Cel.canonical(compiled).equals(Cel.canonical(live));
    } catch (IllegalArgumentException notCel) {
      return false;
    }
  }

  // ------------------------------------------------------------------------------------ Azure

  private static Result azure(
      LiveTrust.Azure live, ExistingObject.AzureIdentity identity, String namespace) {
    if (live.credentials().size() != 1) {
      return Result.cannot(
          "the identity holds "
              + live.credentials().size()
              + " federated credentials "
              + live.credentials().stream().map(LiveTrust.FederatedCredential::subject).toList()
              + "; an identity holds one subject's (one identity per subject)");
    }
    LiveTrust.FederatedCredential credential = live.credentials().get(0);
    if (credential.audiences().size() != 1) {
      return Result.cannot(
          "the credential has " + credential.audiences().size() + " audiences; Azure's are one");
    }
    if (identity.location() == null) {
      return Result.cannot("the identity's location is unknown");
    }
    String url = credential.issuer();
    String name = kubernetesName(identity.identityName());
    List<String> tried = new ArrayList<>();
    for (Candidate candidate : candidates(url, credential.subject())) {
      CIIssuerSpec issuer = issuer(url, candidate.dialect());
      String audience = credential.audiences().get(0);
      if (!audience.equals(IssuerInfo.DEFAULT_AZURE_AUDIENCE)) {
        audiences(issuer).setAzure(audience);
      }
      CIFederatedIdentitySpec spec = candidate.spec(issuerName(url));
      AzureIdentitySpec azure = new AzureIdentitySpec();
      azure.setSubscriptionId(identity.subscriptionId());
      azure.setResourceGroup(identity.resourceGroup());
      azure.setLocation(identity.location());
      azure.setIdentityName(identity.identityName());
      azure.setRoleAssignments(
          identity.roleAssignments().stream()
              .map(a -> new AzureRoleAssignment(a.role(), a.scope()))
              .toList());
      spec.setAzure(azure);
      Optional<CompiledTrust> compiled = compile(issuer, namespace, name, spec, tried);
      if (compiled.isEmpty()) {
        continue;
      }
      AzureTrust trust = compiled.get().azure();
      if (trust.credentials().size() == 1
          && trust.issuer().equals(credential.issuer())
          && trust.subject().equals(credential.subject())
          && trust.audiences().equals(credential.audiences())) {
        return Result.of(new Imported(issuerName(url), issuer, name, observed(spec)));
      }
      tried.add("compiles to the subject " + trust.subject());
    }
    return Result.cannot(unmatched(credential.subject(), tried));
  }

  // ---------------------------------------------------------------------------------- subjects

  /** One reading of a subject: the dialect, repository, selector and GitHub's template facts. */
  record Candidate(
      Dialect dialect,
      String repository,
      SubjectSelector selector,
      List<GitHubClaim> keys,
      String repositoryId,
      String ownerId) {

    CIFederatedIdentitySpec spec(String issuerRef) {
      CIFederatedIdentitySpec spec = new CIFederatedIdentitySpec();
      spec.setIssuerRef(issuerRef);
      spec.setRepository(repository);
      spec.setSubject(selector);
      spec.setRepositoryId(repositoryId);
      spec.setOwnerId(ownerId);
      if (keys != null) {
        SubjectTemplate template = new SubjectTemplate();
        template.setIncludeClaimKeys(keys);
        spec.setSubjectTemplate(template);
      }
      return spec;
    }
  }

  /**
   * Every reading of the subject in the issuer's dialect (or, self-hosted, the one it looks like).
   */
  static List<Candidate> candidates(String issuerUrl, String subject) {
    return candidates(issuerUrl, subject, Optional.empty());
  }

  /**
   * @param repository the repository the trust pins elsewhere (a GCP condition), for a subject that
   *     does not name it
   */
  static List<Candidate> candidates(String issuerUrl, String subject, Optional<String> repository) {
    Dialect dialect =
        Dialect.bySaasIssuer(issuerUrl)
            .orElseGet(() -> Dialect.ofToken(issuerUrl, c -> false, subject));
    return dialect.id() == IssuerDialect.GitHub
        ? gitHub(dialect, subject, repository)
        : fromForms(dialect, issuerUrl, subject);
  }

  /** GitHub's sub: the claims of a template as {@code key:value}, context as its own value. */
  private static List<Candidate> gitHub(
      Dialect dialect, String subject, Optional<String> pinnedRepository) {
    List<String[]> pairs = new ArrayList<>();
    String[] tokens = subject.split(":", -1);
    for (int i = 0; i < tokens.length; ) {
      String key = tokens[i];
      if (key.equals("pull_request")) {
        pairs.add(new String[] {"context", "pull_request"});
        i++;
      } else if (GitHubSubjects.CLAIM_KEYS.contains(key) && i + 1 < tokens.length) {
        pairs.add(new String[] {key, tokens[i + 1]});
        i += 2;
      } else {
        return List.of();
      }
    }
    List<Candidate> candidates = new ArrayList<>();
    // environment:X and ref:R are the default template's context, or claims of their own
    boolean contextual =
        pairs.stream().anyMatch(p -> p[0].equals("environment") || p[0].equals("ref"));
    for (boolean asContext : contextual ? new boolean[] {true, false} : new boolean[] {false}) {
      List<String> keys = new ArrayList<>();
      String repository = null;
      String repositoryId = null;
      String ownerId = null;
      SubjectSelector selector = new SubjectSelector();
      boolean kind = false;
      boolean contextUsed = false;
      for (String[] pair : pairs) {
        String key = pair[0];
        String value = pair[1];
        if (asContext && !contextUsed && (key.equals("environment") || key.equals("ref"))) {
          key = "context";
          contextUsed = true;
        }
        keys.add(key);
        switch (pair[0]) {
          case "repo" -> {
            Matcher immutable = IMMUTABLE_REPO.matcher(value);
            if (immutable.matches()) {
              repository = immutable.group(1) + "/" + immutable.group(3);
              ownerId = immutable.group(2);
              repositoryId = immutable.group(4);
            } else {
              repository = value;
            }
          }
          case "repository" -> repository = repository == null ? value : repository;
          case "repository_id" -> repositoryId = value;
          case "repository_owner_id" -> ownerId = value;
          case "environment" -> kind |= set(selector, () -> selector.setEnvironment(value));
          case "ref" -> {
            if (value.startsWith("refs/heads/")) {
              kind |= set(selector, () -> selector.setBranch(value.substring(11)));
            } else if (value.startsWith("refs/tags/")) {
              kind |= set(selector, () -> selector.setTag(value.substring(10)));
            }
          }
          case "job_workflow_ref" -> kind |= set(selector, () -> selector.setWorkflowRef(value));
          case "context", "event_name" -> {
            if (value.equals("pull_request")) {
              kind |= set(selector, () -> selector.setPullRequest(true));
            }
          }
          default -> {
            // another claim: its value is fixed by nothing in the spec, which the compiler says
          }
        }
      }
      if (repository == null) {
        repository = pinnedRepository.orElse(null);
      }
      if (repository == null || !kind) {
        continue;
      }
      List<GitHubClaim> claims = new ArrayList<>();
      for (String key : keys) {
        claims.add(GitHubClaim.valueOf(key));
      }
      boolean defaultTemplate = keys.equals(GitHubSubjects.DEFAULT_KEYS);
      candidates.add(
          new Candidate(
              dialect,
              repository,
              selector,
              defaultTemplate ? null : claims,
              repositoryId,
              ownerId));
    }
    return candidates;
  }

  /** Sets one selector field unless one is set already (a subject with two would be ambiguous). */
  private static boolean set(SubjectSelector selector, Runnable setter) {
    if (selector.getEnvironment() != null
        || selector.getBranch() != null
        || selector.getTag() != null
        || selector.getWorkflowRef() != null
        || Boolean.TRUE.equals(selector.getPullRequest())) {
      return true;
    }
    setter.run();
    return true;
  }

  private static final Pattern PLACEHOLDER =
      Pattern.compile("<(repo|0|1|value|phase|jobPath|root)>");

  private static final Pattern BITBUCKET_WORKSPACE = Pattern.compile("/workspaces/([^/]+)/");

  /**
   * The other dialects: each subject form of the table, read back by a pattern of its own; a form
   * that ends in per-run values also by its stable part alone (what GCP binds).
   */
  private static List<Candidate> fromForms(Dialect dialect, String issuerUrl, String subject) {
    List<Candidate> candidates = new ArrayList<>();
    for (Map.Entry<SubjectKind, Dialect.Form> entry : dialect.forms().entrySet()) {
      Dialect.Form form = entry.getValue();
      if (form.stable().contains("<jobPath>") || form.stable().contains("<root>")) {
        continue; // Jenkins names jobs by URL; not read back
      }
      for (String shape : List.of(form.stable() + form.rest(), form.stable())) {
        Matcher m = Pattern.compile(regex(shape)).matcher(subject);
        if (!m.matches()) {
          continue;
        }
        Optional<String> repository = repository(shape, m, issuerUrl);
        if (repository.isEmpty()) {
          continue;
        }
        String value = shape.contains("<value>") ? m.group("value") : null;
        SubjectSelector selector = new SubjectSelector();
        switch (entry.getKey()) {
          case environment -> selector.setEnvironment(value);
          case branch -> selector.setBranch(value);
          case tag -> selector.setTag(value);
          case workflowRef -> selector.setWorkflowRef(value);
          case pullRequest -> selector.setPullRequest(true);
          case everyRun -> selector.setEveryRun(true);
          case workspace -> {
            selector.setWorkspace(value);
            selector.setRunPhase(RunPhase.valueOf(m.group("phase")));
          }
          case serviceConnection -> selector.setServiceConnection(value);
        }
        candidates.add(new Candidate(dialect, repository.get(), selector, null, null, null));
        break;
      }
    }
    return candidates;
  }

  /** A form as a pattern: its text literal, each placeholder a named group. */
  private static String regex(String form) {
    StringBuilder regex = new StringBuilder();
    Matcher placeholder = PLACEHOLDER.matcher(form);
    int end = 0;
    while (placeholder.find()) {
      regex.append(Pattern.quote(form.substring(end, placeholder.start())));
      regex.append(
          switch (placeholder.group(1)) {
            case "repo" -> "(?<repo>.+?)";
            case "0" -> "(?<p0>[^/:]+)";
            case "1" -> "(?<p1>[^/:}]+)";
            case "value" -> "(?<value>.+?)";
            default -> "(?<phase>plan|apply)";
          });
      end = placeholder.end();
    }
    return regex.append(Pattern.quote(form.substring(end))).toString();
  }

  /**
   * The repository a form names: {@code <repo>}, or {@code <0>/<1>}; Bitbucket's subject has the
   * repository's UUID only, its workspace is the issuer's.
   */
  private static Optional<String> repository(String form, Matcher m, String issuerUrl) {
    if (form.contains("<repo>")) {
      return Optional.of(m.group("repo"));
    }
    String second = form.contains("<1>") ? m.group("p1") : null;
    String first = form.contains("<0>") ? m.group("p0") : null;
    if (first == null) {
      Matcher workspace = BITBUCKET_WORKSPACE.matcher(issuerUrl + "/");
      first = workspace.find() ? workspace.group(1) : null;
    }
    return first == null || second == null ? Optional.empty() : Optional.of(first + "/" + second);
  }

  // ---------------------------------------------------------------------------------- helpers

  private static Optional<CompiledTrust> compile(
      CIIssuerSpec issuer,
      String namespace,
      String name,
      CIFederatedIdentitySpec spec,
      List<String> tried) {
    try {
      return Optional.of(
          new TrustCompiler().compile(IssuerInfo.from(issuer), namespace, name, spec));
    } catch (TrustCompilationException | IllegalArgumentException e) {
      tried.add(e.getMessage());
      return Optional.empty();
    }
  }

  private static String unmatched(String subject, List<String> tried) {
    String why =
        tried.isEmpty()
            ? "it names no single repository and run in the CI system's subject grammar (a"
                + " wildcard across repositories, or a claim the spec cannot fix)"
            : tried.get(tried.size() - 1);
    return "the subject '" + subject + "' has no exact spec: " + why;
  }

  /** Adopted and observed: the operator reads, never writes, until someone switches it. */
  private static CIFederatedIdentitySpec observed(CIFederatedIdentitySpec spec) {
    spec.setManagementPolicy(ManagementPolicy.Observe);
    spec.setAdoptExisting(true);
    return spec;
  }

  private static CIIssuerSpec issuer(String url, Dialect dialect) {
    CIIssuerSpec issuer = new CIIssuerSpec();
    issuer.setUrl(url);
    issuer.setDialect(dialect.id());
    return issuer;
  }

  private static IssuerAudiences audiences(CIIssuerSpec issuer) {
    if (issuer.getAudiences() == null) {
      issuer.setAudiences(new IssuerAudiences());
    }
    return issuer.getAudiences();
  }

  /** A CIIssuer's name for an issuer URL: its host and path, as a DNS subdomain. */
  static String issuerName(String url) {
    return kubernetesName(url.replaceFirst("^https://", "").replace('/', '.'));
  }

  /** A DNS-subdomain name (lower case, digits, '-', '.'), at most 63 characters. */
  static String kubernetesName(String text) {
    String name = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]+", "-");
    name = name.replaceAll("^[^a-z0-9]+|[^a-z0-9]+$", "").replaceAll("\\.{2,}", ".");
    if (name.length() > 63) {
      name = name.substring(0, 63).replaceAll("[^a-z0-9]+$", "");
    }
    return name.isEmpty() ? "imported" : name;
  }
}
