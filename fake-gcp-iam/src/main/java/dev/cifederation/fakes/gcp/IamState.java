package dev.cifederation.fakes.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The fake's state and the semantics of the IAM v1 subset: workload identity pools and their OIDC
 * providers (create, get, list, patch with an update mask, soft delete, undelete, all through
 * long-running operations), and service-account IAM policies (etag read-modify-write, policy
 * version 3). Every method is synchronized: the HTTP threads and the tests' direct edits see one
 * consistent state.
 *
 * <p>Resources are kept as their JSON representation in proto3 JSON form: fields with default
 * values (empty strings, {@code false}, empty lists and maps) are omitted, as Google's servers do.
 *
 * <p>Long-running operations are pessimistic on purpose: a created resource is invisible (GET 404)
 * but its ID already taken (create 409) until its operation is done, and patches, deletions and
 * undeletions take effect only then. An operation is done after it was polled {@code
 * pollsUntilDone} times or {@code completeAfter} after it started, whichever comes first.
 *
 * <p>Names always carry the project number, whether a request named the project by ID or number.
 */
public final class IamState {

  /** How long a deleted pool or provider blocks its ID and can be undeleted. */
  public static final Duration SOFT_DELETE_RETENTION = Duration.ofDays(30);

  public static final String ACTIVE = "ACTIVE";
  public static final String DELETED = "DELETED";

  static final String TYPE_PREFIX = "type.googleapis.com/google.iam.v1.";
  static final String EMPTY_POLICY_ETAG = "ACAB";

  private static final Pattern ID = Pattern.compile("[a-z0-9-]{4,32}");
  private static final Pattern ATTRIBUTE_KEY =
      Pattern.compile(
          "google\\.(subject|groups|display_name|profile_photo)|attribute\\.[a-z0-9_]+");
  private static final Pattern REFERENCES_A_CLAIM =
      Pattern.compile("\\b(assertion|attribute|google)\\s*(\\.\\s*[A-Za-z_]|\\[)");
  private static final Pattern MEMBER =
      Pattern.compile(
          "(user|serviceAccount|group|domain|deleted:user|deleted:serviceAccount|deleted:group):.+"
              + "|principal://iam\\.googleapis\\.com/projects/[0-9]+/locations/global/"
              + "workloadIdentityPools/[a-z0-9-]{4,32}/subject/.+"
              + "|principalSet://iam\\.googleapis\\.com/projects/[0-9]+/locations/global/"
              + "workloadIdentityPools/[a-z0-9-]{4,32}/.+"
              + "|allUsers|allAuthenticatedUsers");
  private static final Pattern SERVICE_ACCOUNT_ROLE =
      Pattern.compile("roles/(iam\\.[A-Za-z]+|owner|editor|viewer)");

  /**
   * Issuers for which Google requires an attribute condition that references the token's claims
   * (GitHub Actions and GitLab.com).
   */
  static final Set<String> ISSUERS_REQUIRING_A_CONDITION =
      Set.of("https://token.actions.githubusercontent.com", "https://gitlab.com");

  static final String CONDITION_REQUIRED_MESSAGE =
      "The attribute condition must reference one of the provider's claims. For more information,"
          + " see https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines#conditions";

  private static final Set<String> POOL_FIELDS =
      Set.of("name", "displayName", "description", "state", "disabled", "expireTime");
  private static final Set<String> PROVIDER_FIELDS =
      Set.of(
          "name",
          "displayName",
          "description",
          "state",
          "disabled",
          "attributeMapping",
          "attributeCondition",
          "oidc",
          "aws",
          "saml",
          "x509",
          "expireTime");
  private static final Set<String> OIDC_FIELDS =
      Set.of("issuerUri", "allowedAudiences", "jwksJson");
  private static final Set<String> POOL_MASK = Set.of("displayName", "description", "disabled");
  private static final Set<String> PROVIDER_MASK =
      Set.of(
          "displayName",
          "description",
          "disabled",
          "attributeMapping",
          "attributeCondition",
          "oidc",
          "oidc.issuerUri",
          "oidc.allowedAudiences",
          "oidc.jwksJson");

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** A pool or provider; invisible while its creation is pending. */
  private static final class Resource {
    ObjectNode body;
    boolean creating;

    Resource(ObjectNode body, boolean creating) {
      this.body = body;
      this.creating = creating;
    }

    String state() {
      return body.path("state").asText();
    }
  }

  private static final class Operation {
    final String name;
    final String kind;
    final Supplier<ObjectNode> apply;
    final Runnable abandon;
    final Instant started;
    final ApiError injectedError;
    int polls;
    boolean done;
    ObjectNode response;
    ApiError error;

    Operation(
        String name,
        String kind,
        Supplier<ObjectNode> apply,
        Runnable abandon,
        Instant started,
        ApiError injectedError) {
      this.name = name;
      this.kind = kind;
      this.apply = apply;
      this.abandon = abandon;
      this.started = started;
      this.injectedError = injectedError;
    }
  }

  private static final class Policy {
    List<ObjectNode> bindings = new ArrayList<>();
    String etag = EMPTY_POLICY_ETAG;
  }

  private final Clock clock;
  private final Faults faults;
  private int pollsUntilDone;
  private Duration completeAfter;
  private int maxPageSize = 100;
  private long counter;

  private final Map<String, String> projectNumbers = new HashMap<>();
  private final Set<String> serviceAccounts = new TreeSet<>();
  private final Map<String, Resource> pools = new TreeMap<>();
  private final Map<String, Resource> providers = new TreeMap<>();
  private final Map<String, Operation> operations = new LinkedHashMap<>();
  private final Map<String, Policy> policies = new HashMap<>();

  IamState(Clock clock, Faults faults, int pollsUntilDone, Duration completeAfter) {
    this.clock = clock;
    this.faults = faults;
    this.pollsUntilDone = pollsUntilDone;
    this.completeAfter = completeAfter;
  }

  // ------------------------------------------------------------------------------ configuration

  /** Registers a project: paths may then name it by ID or by number. */
  public synchronized void addProject(String projectId, String projectNumber) {
    if (!projectNumber.matches("[0-9]+")) {
      throw new IllegalArgumentException("project number must be digits: " + projectNumber);
    }
    projectNumbers.put(projectId, projectNumber);
    projectNumbers.put(projectNumber, projectNumber);
  }

  /** Registers a service account, whose IAM policy starts empty. */
  public synchronized void addServiceAccount(String email) {
    serviceAccounts.add(email);
  }

  /** How many polls of an operation it takes until it is done (0: done at once). */
  public synchronized void setPollsUntilDone(int polls) {
    this.pollsUntilDone = polls;
  }

  /** After how long an operation is done even if nobody polls it. */
  public synchronized void setCompleteAfter(Duration completeAfter) {
    this.completeAfter = completeAfter;
  }

  /** The largest page a list call returns, whatever pageSize asks for. */
  public synchronized void setMaxPageSize(int maxPageSize) {
    this.maxPageSize = maxPageSize;
  }

  // ------------------------------------------------------------------------------------- pools

  synchronized ObjectNode createPool(
      String project, String location, String poolId, ObjectNode body) {
    sweep();
    String number = project(project);
    requireGlobal(location);
    requireId(poolId, "workload_identity_pool_id");
    requireKnownFields(body, POOL_FIELDS, "workload_identity_pool");
    validatePool(body);
    String name = poolName(number, poolId);
    if (pools.containsKey(name)) {
      throw ApiError.alreadyExists();
    }
    Resource pool = new Resource(canonicalPool(name, body, ACTIVE, null), true);
    pools.put(name, pool);
    return startOperation(
        name,
        "WorkloadIdentityPool",
        () -> {
          pool.creating = false;
          return pool.body.deepCopy();
        },
        () -> pools.remove(name));
  }

  synchronized ObjectNode getPool(String project, String location, String poolId) {
    sweep();
    return visiblePool(project, location, poolId).body.deepCopy();
  }

  synchronized ObjectNode listPools(
      String project, String location, boolean showDeleted, Integer pageSize, String pageToken) {
    sweep();
    String prefix = poolName(project(project), "");
    requireGlobal(location);
    List<ObjectNode> all = new ArrayList<>();
    pools.forEach(
        (name, pool) -> {
          if (name.startsWith(prefix)
              && !pool.creating
              && (showDeleted || ACTIVE.equals(pool.state()))) {
            all.add(pool.body.deepCopy());
          }
        });
    return page(all, "workloadIdentityPools", pageSize, pageToken);
  }

  synchronized ObjectNode patchPool(
      String project, String location, String poolId, ObjectNode body, String updateMask) {
    sweep();
    Resource pool = visiblePool(project, location, poolId);
    requireKnownFields(body, POOL_FIELDS, "workload_identity_pool");
    List<String> paths = mask(updateMask, POOL_MASK);
    requireActive(pool, "workload identity pool");
    validatePool(applyMask(pool.body.deepCopy(), body, paths));
    String name = pool.body.get("name").asText();
    return startOperation(
        name,
        "WorkloadIdentityPool",
        () -> {
          pool.body = canonicalPool(name, applyMask(pool.body, body, paths), pool.state(), null);
          return pool.body.deepCopy();
        },
        () -> {});
  }

  synchronized ObjectNode deletePool(String project, String location, String poolId) {
    sweep();
    Resource pool = visiblePool(project, location, poolId);
    requireActive(pool, "workload identity pool");
    return startOperation(
        pool.body.get("name").asText(),
        "WorkloadIdentityPool",
        () -> {
          softDelete(pool);
          return pool.body.deepCopy();
        },
        () -> {});
  }

  synchronized ObjectNode undeletePool(String project, String location, String poolId) {
    sweep();
    Resource pool = visiblePool(project, location, poolId);
    if (!DELETED.equals(pool.state())) {
      throw ApiError.precondition("The workload identity pool is not deleted.");
    }
    return startOperation(
        pool.body.get("name").asText(),
        "WorkloadIdentityPool",
        () -> {
          undelete(pool);
          return pool.body.deepCopy();
        },
        () -> {});
  }

  // --------------------------------------------------------------------------------- providers

  synchronized ObjectNode createProvider(
      String project, String location, String poolId, String providerId, ObjectNode body) {
    sweep();
    Resource pool = visiblePool(project, location, poolId);
    requireId(providerId, "workload_identity_pool_provider_id");
    requireKnownFields(body, PROVIDER_FIELDS, "workload_identity_pool_provider");
    if (!ACTIVE.equals(pool.state())) {
      throw ApiError.precondition("The parent workload identity pool is deleted.");
    }
    validateProvider(body);
    String name = pool.body.get("name").asText() + "/providers/" + providerId;
    if (providers.containsKey(name)) {
      // also while the ID is held by a soft-deleted provider: IDs are not reusable for 30 days
      throw ApiError.alreadyExists();
    }
    Resource provider = new Resource(canonicalProvider(name, body, ACTIVE, null), true);
    providers.put(name, provider);
    return startOperation(
        name,
        "WorkloadIdentityPoolProvider",
        () -> {
          provider.creating = false;
          return provider.body.deepCopy();
        },
        () -> providers.remove(name));
  }

  synchronized ObjectNode getProvider(
      String project, String location, String poolId, String providerId) {
    sweep();
    return visibleProvider(project, location, poolId, providerId).body.deepCopy();
  }

  synchronized ObjectNode listProviders(
      String project,
      String location,
      String poolId,
      boolean showDeleted,
      Integer pageSize,
      String pageToken) {
    sweep();
    Resource pool = visiblePool(project, location, poolId);
    String prefix = pool.body.get("name").asText() + "/providers/";
    List<ObjectNode> all = new ArrayList<>();
    providers.forEach(
        (name, provider) -> {
          if (name.startsWith(prefix)
              && !provider.creating
              && (showDeleted || ACTIVE.equals(provider.state()))) {
            all.add(provider.body.deepCopy());
          }
        });
    return page(all, "workloadIdentityPoolProviders", pageSize, pageToken);
  }

  synchronized ObjectNode patchProvider(
      String project,
      String location,
      String poolId,
      String providerId,
      ObjectNode body,
      String updateMask) {
    sweep();
    Resource provider = visibleProvider(project, location, poolId, providerId);
    requireKnownFields(body, PROVIDER_FIELDS, "workload_identity_pool_provider");
    List<String> paths = mask(updateMask, PROVIDER_MASK);
    requireActive(provider, "workload identity pool provider");
    validateProvider(applyMask(provider.body.deepCopy(), body, paths));
    String name = provider.body.get("name").asText();
    return startOperation(
        name,
        "WorkloadIdentityPoolProvider",
        () -> {
          provider.body =
              canonicalProvider(
                  name, applyMask(provider.body, body, paths), provider.state(), null);
          return provider.body.deepCopy();
        },
        () -> {});
  }

  synchronized ObjectNode deleteProvider(
      String project, String location, String poolId, String providerId) {
    sweep();
    Resource provider = visibleProvider(project, location, poolId, providerId);
    requireActive(provider, "workload identity pool provider");
    return startOperation(
        provider.body.get("name").asText(),
        "WorkloadIdentityPoolProvider",
        () -> {
          softDelete(provider);
          return provider.body.deepCopy();
        },
        () -> {});
  }

  synchronized ObjectNode undeleteProvider(
      String project, String location, String poolId, String providerId) {
    sweep();
    Resource pool = visiblePool(project, location, poolId);
    Resource provider = visibleProvider(project, location, poolId, providerId);
    if (!DELETED.equals(provider.state())) {
      throw ApiError.precondition("The workload identity pool provider is not deleted.");
    }
    if (!ACTIVE.equals(pool.state())) {
      throw ApiError.precondition("The parent workload identity pool is deleted.");
    }
    return startOperation(
        provider.body.get("name").asText(),
        "WorkloadIdentityPoolProvider",
        () -> {
          undelete(provider);
          return provider.body.deepCopy();
        },
        () -> {});
  }

  // -------------------------------------------------------------------------------- operations

  synchronized ObjectNode getOperation(String project, String operationPath) {
    sweep();
    String name = "projects/" + project(project) + "/" + operationPath;
    Operation operation = operations.get(name);
    if (operation == null) {
      throw ApiError.notFound();
    }
    operation.polls++;
    if (!operation.done && operation.polls >= pollsUntilDone) {
      complete(operation);
    }
    return operationJson(operation);
  }

  private ObjectNode startOperation(
      String resourceName, String kind, Supplier<ObjectNode> apply, Runnable abandon) {
    String name = resourceName + "/operations/" + Long.toString(++counter * 7919 + 100000, 36);
    Operation operation =
        new Operation(
            name, kind, apply, abandon, clock.instant(), faults.nextOperationError().orElse(null));
    operations.put(name, operation);
    if (pollsUntilDone <= 0) {
      complete(operation);
    }
    return operationJson(operation);
  }

  private void complete(Operation operation) {
    operation.done = true;
    if (operation.injectedError != null) {
      operation.error = operation.injectedError;
      operation.abandon.run();
      return;
    }
    operation.response = operation.apply.get();
  }

  private static ObjectNode operationJson(Operation operation) {
    ObjectNode json = JSON.objectNode();
    json.put("name", operation.name);
    json.putObject("metadata").put("@type", TYPE_PREFIX + operation.kind + "OperationMetadata");
    if (operation.done) {
      json.put("done", true);
      if (operation.error != null) {
        json.putObject("error")
            .put("code", operation.error.code().grpc())
            .put("message", operation.error.getMessage());
      } else {
        ObjectNode response = JSON.objectNode().put("@type", TYPE_PREFIX + operation.kind);
        response.setAll(operation.response);
        json.set("response", response);
      }
    }
    return json;
  }

  // ---------------------------------------------------------------------- service-account IAM

  /**
   * projects.serviceAccounts.list: the accounts whose email is in the project's domain ({@code
   * NAME@PROJECT_ID.iam.gserviceaccount.com}), in the real response shape ({@code accounts}).
   */
  synchronized ObjectNode listServiceAccounts(String project, Integer pageSize, String pageToken) {
    String number = project(project);
    List<ObjectNode> all = new ArrayList<>();
    for (String email : serviceAccounts) {
      String domain = email.substring(email.indexOf('@') + 1);
      String projectId = domain.replaceFirst("\\.iam\\.gserviceaccount\\.com$", "");
      if (!number.equals(projectNumbers.get(projectId)) || projectId.matches("[0-9]+")) {
        continue;
      }
      ObjectNode account = JSON.objectNode();
      account.put("name", "projects/" + projectId + "/serviceAccounts/" + email);
      account.put("projectId", projectId);
      account.put("uniqueId", uniqueId(email));
      account.put("email", email);
      account.put("etag", "MDEwMjE5MjA=");
      account.put("oauth2ClientId", uniqueId(email));
      all.add(account);
    }
    return page(all, "accounts", pageSize, pageToken);
  }

  /** A stable 21-digit ID per account, as Google's numeric unique IDs look. */
  private static String uniqueId(String email) {
    long hash = Integer.toUnsignedLong(email.hashCode());
    return String.format("1%020d", hash);
  }

  synchronized ObjectNode getIamPolicy(String project, String account, Integer requestedVersion) {
    sweep();
    String email = serviceAccount(project, account);
    int requested = requestedVersion == null ? 0 : requestedVersion;
    if (requested != 0 && requested != 1 && requested != 3) {
      throw ApiError.invalid("Invalid requested policy version: " + requested);
    }
    Policy policy = policies.computeIfAbsent(email, e -> new Policy());
    if (hasConditions(policy.bindings) && requested < 3) {
      throw ApiError.invalid(
          "The policy contains conditional role bindings; request policy version 3 to read it.");
    }
    return policyJson(policy);
  }

  synchronized ObjectNode setIamPolicy(String project, String account, ObjectNode request) {
    sweep();
    String email = serviceAccount(project, account);
    requireKnownFields(request, Set.of("policy", "updateMask"), "");
    JsonNode body = request.get("policy");
    if (body == null || !body.isObject()) {
      throw ApiError.invalid("Request contains an invalid argument: policy is required.");
    }
    requireKnownFields(
        (ObjectNode) body, Set.of("version", "bindings", "etag", "auditConfigs"), "policy");
    int version = body.path("version").asInt(0);
    if (version != 0 && version != 1 && version != 3) {
      throw ApiError.invalid("Invalid policy version: " + version);
    }
    List<ObjectNode> bindings = new ArrayList<>();
    for (JsonNode binding : body.path("bindings")) {
      bindings.add(validBinding(binding));
    }
    if (hasConditions(bindings) && version != 3) {
      throw ApiError.invalid(
          "Conditional role bindings require policy version 3 (the request has version "
              + version
              + ").");
    }
    faults.nextBeforeSetIamPolicy().ifPresent(Runnable::run);
    Policy policy = policies.computeIfAbsent(email, e -> new Policy());
    String etag = body.path("etag").asText("");
    if (!etag.isEmpty() && !etag.equals(policy.etag)) {
      throw new ApiError(
          ApiError.Code.ABORTED,
          "There were concurrent policy changes. Please retry the whole read-modify-write with"
              + " exponential backoff.");
    }
    policy.bindings = normalise(bindings);
    policy.etag = nextEtag();
    return policyJson(policy);
  }

  // ------------------------------------------------------------- direct access for tests/demo

  /** The pool of that full name (with project number), if visible; a copy. */
  public synchronized Optional<ObjectNode> pool(String name) {
    sweep();
    Resource pool = pools.get(name);
    return pool == null || pool.creating ? Optional.empty() : Optional.of(pool.body.deepCopy());
  }

  /** The provider of that full name (with project number), if visible; a copy. */
  public synchronized Optional<ObjectNode> provider(String name) {
    sweep();
    Resource provider = providers.get(name);
    return provider == null || provider.creating
        ? Optional.empty()
        : Optional.of(provider.body.deepCopy());
  }

  /** Every visible provider of a pool, ACTIVE and DELETED; copies. */
  public synchronized List<ObjectNode> providers(String poolName) {
    sweep();
    List<ObjectNode> result = new ArrayList<>();
    providers.forEach(
        (name, provider) -> {
          if (name.startsWith(poolName + "/providers/") && !provider.creating) {
            result.add(provider.body.deepCopy());
          }
        });
    return result;
  }

  /**
   * Creates a pool out of band (as another tool or a person would), ACTIVE at once. {@code fields}
   * may hold displayName, description, disabled; nothing is validated.
   */
  public synchronized String putPool(String projectNumber, String poolId, ObjectNode fields) {
    String name = poolName(projectNumber, poolId);
    pools.put(name, new Resource(canonicalPool(name, fields, ACTIVE, null), false));
    return name;
  }

  /** Creates a provider out of band, ACTIVE at once; nothing is validated. */
  public synchronized String putProvider(String poolName, String providerId, ObjectNode fields) {
    String name = poolName + "/providers/" + providerId;
    providers.put(name, new Resource(canonicalProvider(name, fields, ACTIVE, null), false));
    return name;
  }

  /**
   * Edits a provider out of band, bypassing validation (e.g. a provider created before Google
   * required attribute conditions). The name and state cannot be changed this way.
   */
  public synchronized void editProvider(String name, Consumer<ObjectNode> edit) {
    Resource provider = requireVisible(providers.get(name), name);
    ObjectNode body = provider.body.deepCopy();
    edit.accept(body);
    provider.body =
        canonicalProvider(name, body, provider.state(), provider.body.path("expireTime").asText());
  }

  /** Edits a pool out of band, bypassing validation. */
  public synchronized void editPool(String name, Consumer<ObjectNode> edit) {
    Resource pool = requireVisible(pools.get(name), name);
    ObjectNode body = pool.body.deepCopy();
    edit.accept(body);
    pool.body = canonicalPool(name, body, pool.state(), pool.body.path("expireTime").asText());
  }

  /** Soft-deletes a provider at once, as a person with gcloud would. */
  public synchronized void softDeleteProvider(String name) {
    softDelete(requireVisible(providers.get(name), name));
  }

  /** Soft-deletes a pool at once. */
  public synchronized void softDeletePool(String name) {
    softDelete(requireVisible(pools.get(name), name));
  }

  /** The IAM policy of a service account, as getIamPolicy (version 3) would return it. */
  public synchronized ObjectNode policy(String email) {
    return policyJson(policies.computeIfAbsent(requireAccount(email), e -> new Policy()));
  }

  /** The members of the unconditional binding of {@code role} on a service account. */
  public synchronized Set<String> members(String email, String role) {
    Policy policy = policies.computeIfAbsent(requireAccount(email), e -> new Policy());
    Set<String> members = new TreeSet<>();
    for (ObjectNode binding : policy.bindings) {
      if (role.equals(binding.path("role").asText()) && !binding.has("condition")) {
        binding.path("members").forEach(m -> members.add(m.asText()));
      }
    }
    return members;
  }

  /** Adds a member out of band (a new etag, as any write). */
  public synchronized void addMember(String email, String role, String member) {
    editBindings(email, role, members -> members.add(member));
  }

  /** Removes a member out of band (a new etag, as any write). */
  public synchronized void removeMember(String email, String role, String member) {
    editBindings(email, role, members -> members.remove(member));
  }

  /** Adds a conditional binding out of band (someone else's; it makes the policy version 3). */
  public synchronized void addConditionalBinding(
      String email, String role, String member, String title, String expression) {
    Policy policy = policies.computeIfAbsent(requireAccount(email), e -> new Policy());
    ObjectNode binding = JSON.objectNode().put("role", role);
    binding.putArray("members").add(member);
    binding.putObject("condition").put("title", title).put("expression", expression);
    List<ObjectNode> bindings = new ArrayList<>(policy.bindings);
    bindings.add(binding);
    policy.bindings = normalise(bindings);
    policy.etag = nextEtag();
  }

  /** Names of the operations that are not done yet. */
  public synchronized List<String> pendingOperations() {
    sweep();
    return operations.values().stream().filter(o -> !o.done).map(o -> o.name).toList();
  }

  /** Completes every pending operation now. */
  public synchronized void completePendingOperations() {
    operations.values().stream().filter(o -> !o.done).toList().forEach(this::complete);
  }

  // ---------------------------------------------------------------------------------- helpers

  /** Completes operations whose time has come and forgets deletions older than the retention. */
  private void sweep() {
    Instant now = clock.instant();
    for (Operation operation : List.copyOf(operations.values())) {
      if (!operation.done && !now.isBefore(operation.started.plus(completeAfter))) {
        complete(operation);
      }
    }
    purgeExpired(pools, now);
    purgeExpired(providers, now);
  }

  private static void purgeExpired(Map<String, Resource> resources, Instant now) {
    for (Iterator<Resource> it = resources.values().iterator(); it.hasNext(); ) {
      Resource resource = it.next();
      if (DELETED.equals(resource.state())
          && resource.body.has("expireTime")
          && Instant.parse(resource.body.get("expireTime").asText()).isBefore(now)) {
        it.remove();
      }
    }
  }

  private void softDelete(Resource resource) {
    resource.body.put("state", DELETED);
    resource.body.put(
        "expireTime",
        clock.instant().plus(SOFT_DELETE_RETENTION).truncatedTo(ChronoUnit.MILLIS).toString());
  }

  private static void undelete(Resource resource) {
    resource.body.put("state", ACTIVE);
    resource.body.remove("expireTime");
  }

  private String project(String project) {
    String number = projectNumbers.get(project);
    if (number == null) {
      throw new ApiError(
          ApiError.Code.PERMISSION_DENIED,
          "Permission denied on resource project " + project + " (or it may not exist).");
    }
    return number;
  }

  private String serviceAccount(String project, String account) {
    if (!"-".equals(project)) {
      project(project);
    }
    if (!serviceAccounts.contains(account)) {
      throw new ApiError(
          ApiError.Code.NOT_FOUND,
          "Service account projects/"
              + project
              + "/serviceAccounts/"
              + account
              + " does not exist.");
    }
    return account;
  }

  private String requireAccount(String email) {
    if (!serviceAccounts.contains(email)) {
      throw new IllegalArgumentException("unknown service account " + email);
    }
    return email;
  }

  private static void requireGlobal(String location) {
    if (!"global".equals(location)) {
      throw ApiError.invalid(
          "Location '" + location + "' is not supported; workload identity pools are global.");
    }
  }

  private static void requireId(String id, String parameter) {
    if (id == null || id.isEmpty()) {
      throw ApiError.invalid(
          "Request contains an invalid argument: " + parameter + " is required.");
    }
    if (!ID.matcher(id).matches() || id.startsWith("gcp-")) {
      throw ApiError.invalid(
          "Invalid "
              + parameter
              + " '"
              + id
              + "': it must be 4-32 characters of [a-z0-9-], and the prefix gcp- is reserved.");
    }
  }

  private Resource visiblePool(String project, String location, String poolId) {
    String number = project(project);
    requireGlobal(location);
    Resource pool = pools.get(poolName(number, poolId));
    if (pool == null || pool.creating) {
      throw ApiError.notFound();
    }
    return pool;
  }

  private Resource visibleProvider(
      String project, String location, String poolId, String providerId) {
    Resource pool = visiblePool(project, location, poolId);
    Resource provider = providers.get(pool.body.get("name").asText() + "/providers/" + providerId);
    if (provider == null || provider.creating) {
      throw ApiError.notFound();
    }
    return provider;
  }

  private static Resource requireVisible(Resource resource, String name) {
    if (resource == null || resource.creating) {
      throw new IllegalArgumentException("no such resource: " + name);
    }
    return resource;
  }

  private static void requireActive(Resource resource, String what) {
    if (!ACTIVE.equals(resource.state())) {
      throw ApiError.precondition("The " + what + " is deleted; undelete it first.");
    }
  }

  private static void requireKnownFields(ObjectNode body, Set<String> known, String message) {
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!known.contains(field)) {
        throw ApiError.invalid(
            "Invalid JSON payload received. Unknown name \""
                + field
                + "\""
                + (message.isEmpty() ? "" : " at '" + message + "'")
                + ": Cannot find field.");
      }
    }
  }

  private static void validatePool(ObjectNode pool) {
    requireMaxLength(pool, "displayName", 32);
    requireMaxLength(pool, "description", 256);
  }

  private static void validateProvider(ObjectNode provider) {
    requireMaxLength(provider, "displayName", 32);
    requireMaxLength(provider, "description", 256);
    if (provider.hasNonNull("aws") || provider.hasNonNull("saml") || provider.hasNonNull("x509")) {
      throw ApiError.invalid("This fake supports OIDC providers only.");
    }
    JsonNode oidc = provider.get("oidc");
    if (oidc == null || !oidc.isObject()) {
      throw ApiError.invalid("A provider must specify one of oidc, aws, saml or x509.");
    }
    requireKnownFields((ObjectNode) oidc, OIDC_FIELDS, "workload_identity_pool_provider.oidc");
    String issuer = oidc.path("issuerUri").asText("");
    if (!issuer.startsWith("https://")) {
      throw ApiError.invalid("oidc.issuer_uri must be an https URL.");
    }
    if (oidc.path("allowedAudiences").size() > 10) {
      throw ApiError.invalid("oidc.allowed_audiences accepts at most 10 audiences.");
    }
    JsonNode mapping = provider.path("attributeMapping");
    if (!mapping.has("google.subject")) {
      throw ApiError.invalid("attribute_mapping must contain a mapping for google.subject.");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = mapping.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (!ATTRIBUTE_KEY.matcher(entry.getKey()).matches()) {
        throw ApiError.invalid("Invalid attribute_mapping key '" + entry.getKey() + "'.");
      }
      String expression = entry.getValue().asText("");
      if (expression.isEmpty() || expression.length() > 2048) {
        throw ApiError.invalid(
            "attribute_mapping '" + entry.getKey() + "' must be a CEL expression of 1-2048 chars.");
      }
    }
    String condition = provider.path("attributeCondition").asText("");
    if (condition.length() > 4096) {
      throw ApiError.invalid("attribute_condition cannot exceed 4096 characters.");
    }
    if (ISSUERS_REQUIRING_A_CONDITION.contains(stripTrailingSlash(issuer))
        && !REFERENCES_A_CLAIM.matcher(condition).find()) {
      throw ApiError.invalid(CONDITION_REQUIRED_MESSAGE);
    }
  }

  private static String stripTrailingSlash(String value) {
    return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
  }

  private static void requireMaxLength(ObjectNode body, String field, int max) {
    if (body.path(field).asText("").length() > max) {
      throw ApiError.invalid(field + " cannot exceed " + max + " characters.");
    }
  }

  /** The update mask's paths in camelCase (Google accepts snake_case too); required. */
  private static List<String> mask(String updateMask, Set<String> allowed) {
    if (updateMask == null || updateMask.isBlank()) {
      throw ApiError.invalid("update_mask is required.");
    }
    Set<String> paths = new LinkedHashSet<>();
    for (String raw : updateMask.split(",")) {
      String path = camelCase(raw.trim());
      if (!allowed.contains(path)) {
        throw ApiError.invalid("Invalid update_mask path '" + raw.trim() + "'.");
      }
      paths.add(path);
    }
    return List.copyOf(paths);
  }

  static String camelCase(String path) {
    StringBuilder out = new StringBuilder(path.length());
    boolean upper = false;
    for (char c : path.toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }

  /** Copies the masked fields from {@code source} into {@code target}; absent means cleared. */
  private static ObjectNode applyMask(ObjectNode target, ObjectNode source, List<String> paths) {
    for (String path : paths) {
      int dot = path.indexOf('.');
      if (dot < 0) {
        JsonNode value = source.get(path);
        if (value == null || value.isNull()) {
          target.remove(path);
        } else {
          target.set(path, value.deepCopy());
        }
      } else {
        String parent = path.substring(0, dot);
        String child = path.substring(dot + 1);
        JsonNode value = source.path(parent).get(child);
        ObjectNode targetParent =
            target.get(parent) instanceof ObjectNode o ? o : target.putObject(parent);
        if (value == null || value.isNull()) {
          targetParent.remove(child);
        } else {
          targetParent.set(child, value.deepCopy());
        }
      }
    }
    return target;
  }

  private static ObjectNode canonicalPool(
      String name, ObjectNode source, String state, String expireTime) {
    ObjectNode pool = JSON.objectNode().put("name", name);
    copyString(source, pool, "displayName");
    copyString(source, pool, "description");
    pool.put("state", state);
    if (source.path("disabled").asBoolean(false)) {
      pool.put("disabled", true);
    }
    if (expireTime != null && !expireTime.isEmpty()) {
      pool.put("expireTime", expireTime);
    }
    return pool;
  }

  private static ObjectNode canonicalProvider(
      String name, ObjectNode source, String state, String expireTime) {
    ObjectNode provider = JSON.objectNode().put("name", name);
    copyString(source, provider, "displayName");
    copyString(source, provider, "description");
    provider.put("state", state);
    if (source.path("disabled").asBoolean(false)) {
      provider.put("disabled", true);
    }
    JsonNode mapping = source.path("attributeMapping");
    if (mapping.isObject() && !mapping.isEmpty()) {
      ObjectNode sorted = provider.putObject("attributeMapping");
      new TreeMap<String, JsonNode>(toMap(mapping)).forEach((k, v) -> sorted.put(k, v.asText()));
    }
    copyString(source, provider, "attributeCondition");
    JsonNode oidc = source.path("oidc");
    if (oidc.isObject()) {
      ObjectNode out = provider.putObject("oidc");
      copyString(oidc, out, "issuerUri");
      if (oidc.path("allowedAudiences").isArray() && !oidc.path("allowedAudiences").isEmpty()) {
        ArrayNode audiences = out.putArray("allowedAudiences");
        oidc.path("allowedAudiences").forEach(a -> audiences.add(a.asText()));
      }
      copyString(oidc, out, "jwksJson");
    }
    if (expireTime != null && !expireTime.isEmpty()) {
      provider.put("expireTime", expireTime);
    }
    return provider;
  }

  private static Map<String, JsonNode> toMap(JsonNode object) {
    Map<String, JsonNode> map = new LinkedHashMap<>();
    object.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue()));
    return map;
  }

  private static void copyString(JsonNode source, ObjectNode target, String field) {
    String value = source.path(field).asText("");
    if (!value.isEmpty()) {
      target.put(field, value);
    }
  }

  private ObjectNode page(List<ObjectNode> all, String field, Integer pageSize, String pageToken) {
    int size = pageSize == null || pageSize <= 0 ? 50 : pageSize;
    size = Math.min(size, maxPageSize);
    int offset = 0;
    if (pageToken != null && !pageToken.isEmpty()) {
      try {
        offset =
            Integer.parseInt(
                new String(Base64.getUrlDecoder().decode(pageToken), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw ApiError.invalid("Invalid page token.");
      }
    }
    ObjectNode response = JSON.objectNode();
    List<ObjectNode> page =
        all.subList(Math.min(offset, all.size()), Math.min(offset + size, all.size()));
    if (!page.isEmpty()) {
      ArrayNode items = response.putArray(field);
      page.forEach(items::add);
    }
    if (offset + size < all.size()) {
      response.put(
          "nextPageToken",
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(Integer.toString(offset + size).getBytes(StandardCharsets.UTF_8)));
    }
    return response;
  }

  private ObjectNode validBinding(JsonNode binding) {
    if (!binding.isObject()) {
      throw ApiError.invalid("Invalid binding.");
    }
    requireKnownFields(
        (ObjectNode) binding, Set.of("role", "members", "condition"), "policy.bindings");
    String role = binding.path("role").asText("");
    if (!SERVICE_ACCOUNT_ROLE.matcher(role).matches()) {
      throw ApiError.invalid("Role " + role + " is not supported for this resource.");
    }
    if (!binding.path("members").isArray() || binding.path("members").isEmpty()) {
      throw ApiError.invalid("A binding of " + role + " has no members.");
    }
    for (JsonNode member : binding.path("members")) {
      if (!MEMBER.matcher(member.asText("")).matches()) {
        throw ApiError.invalid("Invalid member '" + member.asText() + "' in a binding of " + role);
      }
    }
    JsonNode condition = binding.get("condition");
    if (condition != null
        && (!condition.isObject() || condition.path("expression").asText("").isEmpty())) {
      throw ApiError.invalid("A condition needs an expression.");
    }
    return ((ObjectNode) binding).deepCopy();
  }

  /**
   * As Google does: bindings of the same role and condition merged, members de-duplicated and
   * sorted, bindings sorted by role, empty bindings dropped.
   */
  private static List<ObjectNode> normalise(List<ObjectNode> bindings) {
    Map<String, ObjectNode> merged = new TreeMap<>();
    Map<String, Set<String>> members = new HashMap<>();
    for (ObjectNode binding : bindings) {
      String key = binding.path("role").asText() + "\u0000" + binding.path("condition");
      merged.computeIfAbsent(
          key,
          k -> {
            ObjectNode out = JSON.objectNode().put("role", binding.path("role").asText());
            if (binding.has("condition")) {
              out.set("condition", binding.get("condition").deepCopy());
            }
            return out;
          });
      Set<String> set = members.computeIfAbsent(key, k -> new TreeSet<>());
      binding.path("members").forEach(m -> set.add(m.asText()));
    }
    List<ObjectNode> result = new ArrayList<>();
    merged.forEach(
        (key, binding) -> {
          Set<String> set = members.get(key);
          if (!set.isEmpty()) {
            ObjectNode out = JSON.objectNode().put("role", binding.get("role").asText());
            ArrayNode array = out.putArray("members");
            set.forEach(array::add);
            if (binding.has("condition")) {
              out.set("condition", binding.get("condition"));
            }
            result.add(out);
          }
        });
    result.sort(Comparator.comparing(b -> b.path("role").asText()));
    return result;
  }

  private void editBindings(String email, String role, Consumer<Set<String>> edit) {
    Policy policy = policies.computeIfAbsent(requireAccount(email), e -> new Policy());
    List<ObjectNode> bindings = new ArrayList<>();
    Set<String> members = new TreeSet<>();
    for (ObjectNode binding : policy.bindings) {
      if (role.equals(binding.path("role").asText()) && !binding.has("condition")) {
        binding.path("members").forEach(m -> members.add(m.asText()));
      } else {
        bindings.add(binding);
      }
    }
    edit.accept(members);
    if (!members.isEmpty()) {
      ObjectNode binding = JSON.objectNode().put("role", role);
      ArrayNode array = binding.putArray("members");
      members.forEach(array::add);
      bindings.add(binding);
    }
    policy.bindings = normalise(bindings);
    policy.etag = nextEtag();
  }

  private static boolean hasConditions(List<ObjectNode> bindings) {
    return bindings.stream().anyMatch(b -> b.has("condition"));
  }

  private static ObjectNode policyJson(Policy policy) {
    ObjectNode json = JSON.objectNode();
    if (!policy.bindings.isEmpty()) {
      json.put("version", hasConditions(policy.bindings) ? 3 : 1);
      ArrayNode bindings = json.putArray("bindings");
      policy.bindings.forEach(b -> bindings.add(b.deepCopy()));
    }
    json.put("etag", policy.etag);
    return json;
  }

  private String nextEtag() {
    ByteBuffer bytes =
        ByteBuffer.allocate(8).putShort((short) 0x0706).putShort((short) 0).putInt((int) ++counter);
    return Base64.getEncoder().encodeToString(bytes.array());
  }

  static String poolName(String projectNumber, String poolId) {
    return "projects/" + projectNumber + "/locations/global/workloadIdentityPools/" + poolId;
  }
}
