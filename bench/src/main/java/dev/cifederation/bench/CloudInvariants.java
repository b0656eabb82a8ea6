package dev.cifederation.bench;

import com.azure.resourcemanager.msi.fluent.models.FederatedIdentityCredentialInner;
import com.azure.resourcemanager.msi.fluent.models.IdentityInner;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.services.iam.v1.model.Binding;
import com.google.api.services.iam.v1.model.ListWorkloadIdentityPoolProvidersResponse;
import com.google.api.services.iam.v1.model.Policy;
import com.google.api.services.iam.v1.model.WorkloadIdentityPoolProvider;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.Tag;

/**
 * What the soak checks after each phase, read from the clouds themselves (never from the operator's
 * status): for each live identity exactly one role / provider + binding / managed identity +
 * credential + role assignment with exactly the declared trust and permissions; no object marked by
 * this cluster without a live identity; the bystanders (unmarked, another cluster's) unchanged.
 */
final class CloudInvariants {

  static final String CLUSTER = "soak";
  static final String OTHER_CLUSTER = "other-cluster";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AWS_CLUSTER_TAG = "cifederation.dev/cluster";
  private static final String AZURE_CLUSTER_TAG = "cifederation.dev_cluster";
  private static final String GCP_POOL =
      "projects/"
          + Workload.GCP_PROJECT_NUMBER
          + "/locations/global/workloadIdentityPools/"
          + Workload.GCP_POOL;
  private static final String WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser";

  /** What identity i should look like in the clouds in the current phase. */
  record Expected(String environment, String artifactPrefix, String azureRole) {
    String subject(int i) {
      return "repo:" + Workload.repository(i) + ":environment:" + environment;
    }

    Map<String, Object> inlinePolicy(int i) {
      return Map.of(
          "Version",
          "2012-10-17",
          "Statement",
          List.of(
              Map.of(
                  "Effect",
                  "Allow",
                  "Action",
                  "s3:GetObject",
                  "Resource",
                  "arn:aws:s3:::" + artifactPrefix + "/app-" + i + "/*")));
    }
  }

  /** The outcome of one check: how many objects were read, and every violation found. */
  record Report(int objectsChecked, List<String> violations) {
    boolean ok() {
      return violations.isEmpty();
    }
  }

  private final CloudClients clients;
  private final Map<String, String> bystandersBefore = new TreeMap<>();

  CloudInvariants(CloudClients clients) {
    this.clients = clients;
  }

  // ----------------------------------------------------------------------------- bystanders

  /**
   * Objects the operator must never touch: in each cloud one without marks and one marked by
   * another cluster for a name a soak identity also uses.
   */
  void createBystanders() throws IOException {
    String trust =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
            + "{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";
    clients.aws.createRole(
        r ->
            r.roleName("soak-bystander-unmarked")
                .path(Workload.IAM_PATH)
                .assumeRolePolicyDocument(trust));
    clients.aws.createRole(
        r ->
            r.roleName("soak-bystander-other-cluster")
                .path(Workload.IAM_PATH)
                .assumeRolePolicyDocument(trust)
                .tags(
                    Tag.builder()
                        .key("cifederation.dev/owner")
                        .value(Workload.NAMESPACE + "/" + Workload.name(0))
                        .build(),
                    Tag.builder().key(AWS_CLUSTER_TAG).value(OTHER_CLUSTER).build()));
    clients.azureIdentities.createOrUpdate(
        Workload.AZURE_GROUP,
        "soak-bystander-unmarked",
        new IdentityInner().withLocation("eastus"));
    clients.azureIdentities.createOrUpdate(
        Workload.AZURE_GROUP,
        "soak-bystander-other-cluster",
        new IdentityInner()
            .withLocation("eastus")
            .withTags(
                Map.of(
                    "cifederation.dev_owner",
                    Workload.NAMESPACE + "/" + Workload.name(0),
                    AZURE_CLUSTER_TAG,
                    OTHER_CLUSTER)));
    // GCP: an out-of-band member on a service account the soak's identities are bound to
    String account = "projects/-/serviceAccounts/" + Workload.serviceAccount(0);
    Policy policy =
        clients
            .gcp
            .projects()
            .serviceAccounts()
            .getIamPolicy(account)
            .setOptionsRequestedPolicyVersion(3)
            .execute();
    List<Binding> bindings =
        new ArrayList<>(policy.getBindings() == null ? List.of() : policy.getBindings());
    bindings.add(
        new Binding()
            .setRole("roles/iam.serviceAccountTokenCreator")
            .setMembers(bystanderMember()));
    policy.setBindings(bindings);
    clients
        .gcp
        .projects()
        .serviceAccounts()
        .setIamPolicy(
            account,
            new com.google.api.services.iam.v1.model.SetIamPolicyRequest().setPolicy(policy))
        .execute();
    bystandersBefore.putAll(bystanders());
  }

  private static List<String> bystanderMember() {
    return List.of("user:release-manager@example.com");
  }

  /** A fingerprint of each bystander: what the operator must leave as it is. */
  private Map<String, String> bystanders() throws IOException {
    Map<String, String> prints = new TreeMap<>();
    for (String name : List.of("soak-bystander-unmarked", "soak-bystander-other-cluster")) {
      Role role = clients.aws.getRole(r -> r.roleName(name)).role();
      prints.put(
          "aws " + name,
          decode(role.assumeRolePolicyDocument())
              + " "
              + clients.aws.listRoleTags(r -> r.roleName(name)).tags());
      IdentityInner identity =
          clients.azureIdentities.getByResourceGroup(Workload.AZURE_GROUP, name);
      prints.put(
          "azure " + name,
          identity.id()
              + " "
              + new TreeMap<>(identity.tags() == null ? Map.of() : identity.tags()));
    }
    Policy policy = gcpPolicy(Workload.serviceAccount(0));
    prints.put(
        "gcp serviceAccountTokenCreator",
        policy.getBindings().stream()
            .filter(b -> b.getRole().equals("roles/iam.serviceAccountTokenCreator"))
            .map(b -> new TreeSet<>(b.getMembers()).toString())
            .collect(Collectors.joining(";")));
    return prints;
  }

  // ------------------------------------------------------------------------------ the check

  /** Checks every cloud for the identities {@code live} (indexes) as {@code expected}. */
  Report check(Set<Integer> live, Expected expected) throws IOException {
    Report clouds = checkClouds(live, expected, Set.of("aws", "gcp", "azure"));
    List<String> violations = new ArrayList<>(clouds.violations());
    int objects = clouds.objectsChecked();
    Map<String, String> now = bystanders();
    objects += now.size();
    now.forEach(
        (name, print) -> {
          if (!print.equals(bystandersBefore.get(name))) {
            violations.add(
                "bystander "
                    + name
                    + " changed: was "
                    + bystandersBefore.get(name)
                    + ", is "
                    + print);
          }
        });
    return new Report(objects, violations);
  }

  /** The same check on some clouds only (e.g. the healthy ones during another's outage). */
  Report checkClouds(Set<Integer> live, Expected expected, Set<String> which) throws IOException {
    List<String> violations = new ArrayList<>();
    int objects = 0;
    if (which.contains("aws")) {
      objects += checkAws(live, expected, violations);
    }
    if (which.contains("gcp")) {
      objects += checkGcp(live, expected, violations);
    }
    if (which.contains("azure")) {
      objects += checkAzure(live, expected, violations);
    }
    return new Report(objects, violations);
  }

  private int checkAws(Set<Integer> live, Expected expected, List<String> violations)
      throws IOException {
    Map<String, Role> roles = new HashMap<>();
    clients
        .aws
        .listRolesPaginator(r -> r.pathPrefix(Workload.IAM_PATH))
        .roles()
        .forEach(role -> roles.put(role.roleName(), role));
    int objects = 0;
    Set<String> expectedNames = live.stream().map(Workload::name).collect(Collectors.toSet());
    for (Role role : roles.values()) {
      if (role.roleName().startsWith("soak-bystander")) {
        continue;
      }
      Map<String, String> tags = new HashMap<>();
      clients
          .aws
          .listRoleTags(r -> r.roleName(role.roleName()))
          .tags()
          .forEach(t -> tags.put(t.key(), t.value()));
      objects++;
      if (CLUSTER.equals(tags.get(AWS_CLUSTER_TAG)) && !expectedNames.contains(role.roleName())) {
        violations.add("aws: orphan role " + role.roleName() + " tagged by this cluster");
      }
    }
    for (int i : live) {
      String name = Workload.name(i);
      Role role = roles.get(name);
      if (role == null) {
        violations.add("aws: no role " + name);
        continue;
      }
      JsonNode trust = JSON.readTree(decode(role.assumeRolePolicyDocument()));
      JsonNode statements = trust.path("Statement");
      if (statements.size() != 1) {
        violations.add("aws: " + name + " has " + statements.size() + " trust statements");
        continue;
      }
      JsonNode statement = statements.get(0);
      JsonNode equals = statement.path("Condition").path("StringEquals");
      String sub = equals.path(Workload.ISSUER_HOST + ":sub").asText();
      String aud = equals.path(Workload.ISSUER_HOST + ":aud").asText();
      if (!sub.equals(expected.subject(i))
          || !aud.equals(Workload.AWS_AUDIENCE)
          || statement.path("Condition").size() != 1
          || equals.size() != 2
          || !statement
              .path("Principal")
              .path("Federated")
              .asText()
              .endsWith("oidc-provider/" + Workload.ISSUER_HOST)) {
        violations.add("aws: " + name + " trust is not the compiled one: " + trust);
      }
      List<String> inline = clients.aws.listRolePolicies(r -> r.roleName(name)).policyNames();
      if (inline.size() != 1) {
        violations.add("aws: " + name + " has inline policies " + inline);
      } else {
        String document =
            decode(
                clients
                    .aws
                    .getRolePolicy(r -> r.roleName(name).policyName(inline.get(0)))
                    .policyDocument());
        if (!JSON.readTree(document).equals(JSON.valueToTree(expected.inlinePolicy(i)))) {
          violations.add("aws: " + name + " inline policy is " + document);
        }
      }
      int attached =
          clients.aws.listAttachedRolePolicies(r -> r.roleName(name)).attachedPolicies().size();
      if (attached != 0) {
        violations.add("aws: " + name + " has " + attached + " managed policies, none declared");
      }
      objects += 2;
    }
    return objects;
  }

  private int checkGcp(Set<Integer> live, Expected expected, List<String> violations)
      throws IOException {
    List<WorkloadIdentityPoolProvider> providers = new ArrayList<>();
    String page = null;
    do {
      String token = page;
      ListWorkloadIdentityPoolProvidersResponse response =
          clients
              .gcp
              .projects()
              .locations()
              .workloadIdentityPools()
              .providers()
              .list(GCP_POOL)
              .setPageToken(token)
              .execute();
      if (response.getWorkloadIdentityPoolProviders() != null) {
        providers.addAll(response.getWorkloadIdentityPoolProviders());
      }
      page = response.getNextPageToken();
    } while (page != null && !page.isEmpty());
    Map<String, List<WorkloadIdentityPoolProvider>> byOwner = new HashMap<>();
    int objects = 0;
    for (WorkloadIdentityPoolProvider p : providers) {
      objects++;
      String description = p.getDescription() == null ? "" : p.getDescription();
      if (!"ACTIVE".equals(p.getState())
          || !description.contains("cifederation.dev/cluster=" + CLUSTER)) {
        continue;
      }
      String owner = owner(description);
      byOwner.computeIfAbsent(owner, o -> new ArrayList<>()).add(p);
    }
    Set<String> liveOwners = new HashSet<>();
    Map<String, Set<String>> expectedMembers = new HashMap<>();
    for (int i : live) {
      String owner = Workload.NAMESPACE + "/" + Workload.name(i);
      liveOwners.add(owner);
      List<WorkloadIdentityPoolProvider> mine = byOwner.getOrDefault(owner, List.of());
      if (mine.size() != 1) {
        violations.add("gcp: " + owner + " has " + mine.size() + " active providers");
        continue;
      }
      String condition = mine.get(0).getAttributeCondition();
      String wanted =
          "assertion.repository == '"
              + Workload.repository(i)
              + "' && assertion.sub == '"
              + expected.subject(i)
              + "'";
      if (!wanted.equals(condition)) {
        violations.add("gcp: " + owner + " condition is " + condition + ", not " + wanted);
      }
      expectedMembers
          .computeIfAbsent(Workload.serviceAccount(i), a -> new HashSet<>())
          .add("principal://iam.googleapis.com/" + GCP_POOL + "/subject/" + expected.subject(i));
    }
    byOwner.keySet().stream()
        .filter(owner -> !liveOwners.contains(owner))
        .forEach(owner -> violations.add("gcp: orphan provider of " + owner));
    Set<String> accounts = new HashSet<>(expectedMembers.keySet());
    accounts.add(Workload.serviceAccount(0));
    for (String account : accounts) {
      Set<String> members = new TreeSet<>();
      List<Binding> bindings = gcpPolicy(account).getBindings();
      if (bindings != null) {
        bindings.stream()
            .filter(b -> WORKLOAD_IDENTITY_USER.equals(b.getRole()))
            .forEach(b -> members.addAll(b.getMembers()));
      }
      objects++;
      Set<String> wanted = expectedMembers.getOrDefault(account, Set.of());
      if (!members.equals(wanted)) {
        Set<String> extra = new TreeSet<>(members);
        extra.removeAll(wanted);
        Set<String> missing = new TreeSet<>(wanted);
        missing.removeAll(members);
        violations.add(
            "gcp: " + account + " workloadIdentityUser extra " + extra + " missing " + missing);
      }
    }
    return objects;
  }

  private int checkAzure(Set<Integer> live, Expected expected, List<String> violations) {
    Map<String, IdentityInner> identities = new HashMap<>();
    clients
        .azureIdentities
        .listByResourceGroup(Workload.AZURE_GROUP)
        .forEach(i -> identities.put(i.name(), i));
    Set<String> expectedNames = live.stream().map(Workload::name).collect(Collectors.toSet());
    int objects = 0;
    for (IdentityInner identity : identities.values()) {
      objects++;
      Map<String, String> tags = identity.tags() == null ? Map.of() : identity.tags();
      if (CLUSTER.equals(tags.get(AZURE_CLUSTER_TAG)) && !expectedNames.contains(identity.name())) {
        violations.add("azure: orphan identity " + identity.name() + " tagged by this cluster");
      }
    }
    // assignments at the group scope, by principal
    Map<String, List<String>> assignments = new HashMap<>();
    clients
        .azureAssignments
        .listForScope(Workload.azureScope())
        .forEach(
            a ->
                assignments
                    .computeIfAbsent(a.principalId(), p -> new ArrayList<>())
                    .add(a.roleDefinitionId()));
    Set<String> livePrincipals = new HashSet<>();
    for (int i : live) {
      String name = Workload.name(i);
      IdentityInner identity = identities.get(name);
      if (identity == null) {
        violations.add("azure: no identity " + name);
        continue;
      }
      String principal = identity.principalId().toString();
      livePrincipals.add(principal);
      List<FederatedIdentityCredentialInner> credentials = new ArrayList<>();
      clients.azureCredentials.list(Workload.AZURE_GROUP, name).forEach(credentials::add);
      objects += credentials.size();
      if (credentials.size() != 1) {
        violations.add("azure: " + name + " has " + credentials.size() + " federated credentials");
      } else {
        FederatedIdentityCredentialInner c = credentials.get(0);
        if (!Workload.ISSUER_URL.equals(c.issuer())
            || !expected.subject(i).equals(c.subject())
            || !List.of("api://AzureADTokenExchange").equals(c.audiences())) {
          violations.add(
              "azure: "
                  + name
                  + " credential is "
                  + c.issuer()
                  + " "
                  + c.subject()
                  + " "
                  + c.audiences());
        }
      }
      List<String> roles = assignments.getOrDefault(principal, List.of());
      objects += roles.size();
      if (roles.size() != 1 || !roles.get(0).endsWith("/" + roleGuid(expected.azureRole()))) {
        violations.add(
            "azure: " + name + " role assignments " + roles + ", declared " + expected.azureRole());
      }
    }
    assignments.keySet().stream()
        .filter(p -> !livePrincipals.contains(p))
        .forEach(
            p -> violations.add("azure: assignment of a principal without a live identity: " + p));
    return objects;
  }

  /** The built-in role GUIDs the fake serves (the real ones). */
  private static String roleGuid(String role) {
    return switch (role) {
      case "Reader" -> "acdd72a7-3385-48ef-bd42-f606fba81ae7";
      case "Contributor" -> "b24988ac-6180-42a0-ab88-20f7382dd24c";
      default -> throw new IllegalArgumentException("unknown role " + role);
    };
  }

  private Policy gcpPolicy(String account) throws IOException {
    return clients
        .gcp
        .projects()
        .serviceAccounts()
        .getIamPolicy("projects/-/serviceAccounts/" + account)
        .setOptionsRequestedPolicyVersion(3)
        .execute();
  }

  private static String owner(String description) {
    for (String token : description.split("\\s+")) {
      if (token.startsWith("cifederation.dev/owner=")) {
        return token.substring("cifederation.dev/owner=".length());
      }
    }
    return "?";
  }

  private static String decode(String document) {
    return document.startsWith("%7B") || document.startsWith("%7b")
        ? URLDecoder.decode(document, StandardCharsets.UTF_8)
        : document;
  }
}
