package dev.cifederation.fakes.azure;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fake's in-memory Azure: subscriptions, resource groups, user-assigned managed identities with
 * their federated identity credentials, principals, built-in role definitions and role assignments,
 * with the rules the real services enforce (see each method). Thread-safe.
 *
 * <p>Methods named after an ARM operation apply ARM's rules and throw {@link ArmException}; the
 * {@code …OutOfBand} methods and plain accessors are for tests and demos that play "someone with
 * the portal" or inspect the state, and bypass the request rules.
 */
public final class ArmState {

  /** Federated identity credentials per user-assigned identity (Entra limit). */
  public static final int MAX_FEDERATED_CREDENTIALS = 20;

  public static final String IDENTITY_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities";
  public static final String CREDENTIAL_TYPE =
      "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials";
  public static final String ASSIGNMENT_PATH =
      "/providers/Microsoft.Authorization/roleAssignments/";
  public static final String DEFINITION_PATH =
      "/providers/Microsoft.Authorization/roleDefinitions/";

  /** Azure's built-in roles used here, with their real, global definition GUIDs. */
  public static final List<RoleDefinition> BUILT_IN_ROLES =
      List.of(
          new RoleDefinition(
              "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
              "Owner",
              "Grants full access to manage all resources, including the ability to assign roles in"
                  + " Azure RBAC."),
          new RoleDefinition(
              "b24988ac-6180-42a0-ab88-20f7382dd24c",
              "Contributor",
              "Grants full access to manage all resources, but does not allow you to assign roles"
                  + " in Azure RBAC."),
          new RoleDefinition(
              "acdd72a7-3385-48ef-bd42-f606fba81ae7",
              "Reader",
              "View all resources, but does not allow you to make any changes."),
          new RoleDefinition(
              "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
              "User Access Administrator",
              "Lets you manage user access to Azure resources."));

  private static final Pattern GUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern IDENTITY_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}");
  private static final Pattern CREDENTIAL_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_-]{2,119}");
  private static final Pattern RESOURCE_GROUP_NAME = Pattern.compile("[-\\w._()]{1,90}");
  private static final Pattern SCOPE =
      Pattern.compile(
          "/subscriptions/([^/]+)(?:/resourceGroups/([^/]+))?(/.*)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern ROLE_DEFINITION_ID =
      Pattern.compile(
          "(?:/subscriptions/[^/]+)?/providers/Microsoft\\.Authorization/roleDefinitions/([^/]+)",
          Pattern.CASE_INSENSITIVE);
  private static final int MAX_TAGS = 50;

  /** A user-assigned managed identity; {@link #id()} in the form ARM returns it. */
  public record Identity(
      String subscriptionId,
      String resourceGroup,
      String name,
      String location,
      Map<String, String> tags,
      String tenantId,
      String principalId,
      String clientId) {
    public Identity {
      tags = tags == null ? Map.of() : Map.copyOf(tags);
    }

    public String id() {
      // the managed-identity provider answers with a lower-case "resourcegroups" segment
      return "/subscriptions/"
          + subscriptionId
          + "/resourcegroups/"
          + resourceGroup
          + "/providers/"
          + IDENTITY_TYPE
          + "/"
          + name;
    }
  }

  /** A federated identity credential of an identity. */
  public record FederatedCredential(
      String identityId, String name, String issuer, String subject, List<String> audiences) {
    public FederatedCredential {
      audiences = List.copyOf(audiences);
    }

    public String id() {
      return identityId + "/federatedIdentityCredentials/" + name;
    }
  }

  /** A role assignment at a scope. */
  public record RoleAssignment(
      String scope,
      String name,
      String roleDefinitionId,
      String principalId,
      String principalType,
      String description,
      Instant createdOn) {
    public String id() {
      return scope + ASSIGNMENT_PATH + name;
    }

    /** The role definition GUID, the last segment of {@link #roleDefinitionId()}. */
    public String roleDefinitionName() {
      return roleDefinitionId.substring(roleDefinitionId.lastIndexOf('/') + 1);
    }
  }

  /**
   * A role definition; {@code name} is its GUID, {@code type} {@code BuiltInRole} or {@code
   * CustomRole}. A built-in role is assignable everywhere ({@code /}); a custom one at and below
   * its assignable scopes only.
   */
  public record RoleDefinition(
      String name,
      String roleName,
      String description,
      String type,
      List<String> assignableScopes) {
    public RoleDefinition {
      assignableScopes = List.copyOf(assignableScopes);
    }

    /** A built-in role. */
    public RoleDefinition(String name, String roleName, String description) {
      this(name, roleName, description, "BuiltInRole", List.of("/"));
    }

    boolean builtIn() {
      return "BuiltInRole".equals(type);
    }

    /** Whether the role can be seen and assigned at {@code scope}. */
    boolean visibleAt(String scope) {
      return builtIn()
          || assignableScopes.stream().anyMatch(assignable -> isWithin(scope, assignable));
    }

    /** The definition's ID as seen from a scope (subscription-relative unless at the root). */
    public String idAt(String subscriptionId) {
      return (subscriptionId == null ? "" : "/subscriptions/" + subscriptionId)
          + DEFINITION_PATH
          + name;
    }
  }

  /** A directory object role assignments can name. */
  public record Principal(String id, String type, Instant createdAt) {}

  /** The result of a PUT: the resource and whether it was created (201) rather than updated. */
  public record Put<T>(T resource, boolean created) {}

  private final String tenantId;
  private final Clock clock;
  private final Duration principalReplicationDelay;
  private final Duration credentialWriteLatency;

  private final Set<String> subscriptions = new HashSet<>();
  private final Map<String, String> resourceGroups = new TreeMap<>(); // key -> display name
  private final Map<String, Identity> identities = new LinkedHashMap<>();
  private final Map<String, Map<String, FederatedCredential>> credentials = new LinkedHashMap<>();
  private final Set<String> credentialWritesInFlight = new HashSet<>();
  private final Map<String, RoleAssignment> assignments = new LinkedHashMap<>();
  private final Map<String, Principal> principals = new LinkedHashMap<>();
  private final Map<String, RoleDefinition> customRoles = new LinkedHashMap<>();

  /**
   * @param principalReplicationDelay how long a new principal is unknown to role assignments that
   *     do not say {@code principalType} (Entra replication; Azure's documented race)
   * @param credentialWriteLatency how long one credential write takes; writes to the same identity
   *     that overlap fail with 409
   *     ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity
   */
  public ArmState(
      String tenantId,
      Clock clock,
      Duration principalReplicationDelay,
      Duration credentialWriteLatency) {
    this.tenantId = tenantId;
    this.clock = clock;
    this.principalReplicationDelay = principalReplicationDelay;
    this.credentialWriteLatency = credentialWriteLatency;
  }

  public String tenantId() {
    return tenantId;
  }

  // ------------------------------------------------------------------ subscriptions, groups

  public synchronized void addSubscription(String subscriptionId) {
    subscriptions.add(key(subscriptionId));
  }

  /** Creates (or keeps) a resource group, and its subscription. */
  public synchronized void addResourceGroup(String subscriptionId, String resourceGroup) {
    addSubscription(subscriptionId);
    resourceGroups.putIfAbsent(key(subscriptionId, resourceGroup), resourceGroup);
  }

  /** PUT of a resource group (Microsoft.Resources), so a demo can create groups over HTTP. */
  public synchronized Put<String> putResourceGroup(String subscriptionId, String resourceGroup) {
    requireSubscription(subscriptionId);
    if (!RESOURCE_GROUP_NAME.matcher(resourceGroup).matches() || resourceGroup.endsWith(".")) {
      throw ArmException.badRequest(
          "InvalidResourceGroup",
          "The provided resource group name '"
              + resourceGroup
              + "'"
              + " has these invalid characters or is too long.");
    }
    String previous = resourceGroups.putIfAbsent(key(subscriptionId, resourceGroup), resourceGroup);
    return new Put<>(previous == null ? resourceGroup : previous, previous == null);
  }

  public synchronized String getResourceGroup(String subscriptionId, String resourceGroup) {
    requireResourceGroup(subscriptionId, resourceGroup);
    return resourceGroups.get(key(subscriptionId, resourceGroup));
  }

  // ---------------------------------------------------------------------------- identities

  public synchronized Identity getIdentity(String subscriptionId, String group, String name) {
    requireResourceGroup(subscriptionId, group);
    Identity identity = identities.get(key(subscriptionId, group, name));
    if (identity == null) {
      throw ArmException.notFound(
          "ResourceNotFound",
          "The Resource '"
              + IDENTITY_TYPE
              + "/"
              + name
              + "' under resource group '"
              + group
              + "' was not found. For more details please go to"
              + " https://aka.ms/ARMResourceNotFoundFix");
    }
    return identity;
  }

  public synchronized List<Identity> listIdentities(String subscriptionId, String group) {
    requireResourceGroup(subscriptionId, group);
    String prefix = key(subscriptionId, group) + "/";
    return identities.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .map(Map.Entry::getValue)
        .toList();
  }

  /** Every identity of the subscription, in every resource group (ARM's listBySubscription). */
  public synchronized List<Identity> listIdentities(String subscriptionId) {
    requireSubscription(subscriptionId);
    String prefix = key(subscriptionId) + "/";
    return identities.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .map(Map.Entry::getValue)
        .toList();
  }

  /**
   * PUT: creates the identity (with a new service principal and client ID) or replaces its tags. A
   * PUT replaces the whole tag set; the location of an existing identity cannot change.
   */
  public synchronized Put<Identity> putIdentity(
      String subscriptionId, String group, String name, String location, Map<String, String> tags) {
    requireResourceGroup(subscriptionId, group);
    if (!IDENTITY_NAME.matcher(name).matches()) {
      throw ArmException.badRequest(
          "InvalidResourceName",
          "Resource name '"
              + name
              + "' is invalid. The name must be 3-128 characters of letters, digits, '-' and '_',"
              + " starting with a letter or digit.");
    }
    if (location == null || location.isBlank()) {
      throw ArmException.badRequest(
          "LocationRequired", "The location property is required for this definition.");
    }
    checkTags(tags);
    String key = key(subscriptionId, group, name);
    Identity existing = identities.get(key);
    if (existing != null) {
      if (!normaliseLocation(existing.location()).equals(normaliseLocation(location))) {
        throw ArmException.badRequest(
            "InvalidResourceLocation",
            "The resource '"
                + name
                + "' already exists in location '"
                + existing.location()
                + "' in resource group '"
                + group
                + "'. A resource with the same name cannot be created in location '"
                + location
                + "'. Please select a new resource name.");
      }
      Identity updated = withTags(existing, tags);
      identities.put(key, updated);
      return new Put<>(updated, false);
    }
    Principal principal =
        new Principal(UUID.randomUUID().toString(), "ServicePrincipal", clock.instant());
    principals.put(principal.id(), principal);
    Identity created =
        new Identity(
            subscriptionId,
            resourceGroups.get(key(subscriptionId, group)),
            name,
            normaliseLocation(location),
            tags,
            tenantId,
            principal.id(),
            UUID.randomUUID().toString());
    identities.put(key, created);
    credentials.put(key, new LinkedHashMap<>());
    return new Put<>(created, true);
  }

  /** PATCH: tags given replace all tags (ARM semantics); null leaves them. */
  public synchronized Identity patchIdentity(
      String subscriptionId, String group, String name, Map<String, String> tags) {
    Identity existing = getIdentity(subscriptionId, group, name);
    if (tags == null) {
      return existing;
    }
    checkTags(tags);
    Identity updated = withTags(existing, tags);
    identities.put(key(subscriptionId, group, name), updated);
    return updated;
  }

  /**
   * DELETE: removes the identity, its credentials and its principal. Role assignments naming the
   * principal stay (as in Azure, where they show as "Identity not found").
   */
  public synchronized Optional<Identity> deleteIdentity(
      String subscriptionId, String group, String name) {
    requireResourceGroup(subscriptionId, group);
    String key = key(subscriptionId, group, name);
    Identity removed = identities.remove(key);
    if (removed != null) {
      credentials.remove(key);
      principals.remove(removed.principalId());
    }
    return Optional.ofNullable(removed);
  }

  // ------------------------------------------------------------------ federated credentials

  public synchronized List<FederatedCredential> listCredentials(
      String subscriptionId, String group, String identityName) {
    return List.copyOf(credentialsOf(subscriptionId, group, identityName).values());
  }

  public synchronized FederatedCredential getCredential(
      String subscriptionId, String group, String identityName, String name) {
    FederatedCredential credential =
        credentialsOf(subscriptionId, group, identityName).get(key(name));
    if (credential == null) {
      throw ArmException.notFound(
          "ResourceNotFound",
          "The Resource '"
              + CREDENTIAL_TYPE
              + "/"
              + identityName
              + "/"
              + name
              + "' under resource group '"
              + group
              + "' was not found.");
    }
    return credential;
  }

  /**
   * PUT of a credential: exactly one audience, an https issuer, a unique issuer+subject per
   * identity, at most {@value #MAX_FEDERATED_CREDENTIALS} per identity, and no write overlapping
   * another write to the same identity.
   */
  public Put<FederatedCredential> putCredential(
      String subscriptionId,
      String group,
      String identityName,
      String name,
      String issuer,
      String subject,
      List<String> audiences) {
    String identityKey = beginCredentialWrite(subscriptionId, group, identityName);
    try {
      pause(credentialWriteLatency);
      synchronized (this) {
        Map<String, FederatedCredential> onIdentity =
            credentialsOf(subscriptionId, group, identityName);
        if (!CREDENTIAL_NAME.matcher(name).matches()) {
          throw ArmException.badRequest(
              "BadRequest",
              "The federated identity credential name '"
                  + name
                  + "' is invalid: 3-120 of letters, digits, '-' and '_', starting with a letter"
                  + " or digit.");
        }
        if (issuer == null || !issuer.startsWith("https://")) {
          throw ArmException.badRequest(
              "BadRequest", "The issuer '" + issuer + "' must be a URL using the https scheme.");
        }
        if (subject == null || subject.isBlank()) {
          throw ArmException.badRequest("BadRequest", "The subject is required.");
        }
        if (audiences == null || audiences.size() != 1 || audiences.get(0).isBlank()) {
          throw ArmException.badRequest(
              "BadRequest",
              "Exactly one audience must be given for a federated identity credential; found "
                  + (audiences == null ? 0 : audiences.size())
                  + ".");
        }
        boolean duplicate =
            onIdentity.values().stream()
                .anyMatch(
                    c ->
                        !c.name().equalsIgnoreCase(name)
                            && c.issuer().equals(issuer)
                            && c.subject().equals(subject));
        if (duplicate) {
          throw ArmException.badRequest(
              "BadRequest",
              "Issuer and subject combination already exists for this Managed Identity.");
        }
        boolean created = !onIdentity.containsKey(key(name));
        if (created && onIdentity.size() >= MAX_FEDERATED_CREDENTIALS) {
          throw ArmException.badRequest(
              "BadRequest",
              "Too many federated identity credentials: a managed identity holds at most "
                  + MAX_FEDERATED_CREDENTIALS
                  + ".");
        }
        Identity identity = identities.get(identityKey);
        FederatedCredential credential =
            new FederatedCredential(identity.id(), name, issuer, subject, audiences);
        onIdentity.put(key(name), credential);
        return new Put<>(credential, created);
      }
    } finally {
      endCredentialWrite(identityKey);
    }
  }

  /** DELETE of a credential; a write like a PUT, so it counts for the concurrency rule. */
  public Optional<FederatedCredential> deleteCredential(
      String subscriptionId, String group, String identityName, String name) {
    String identityKey = beginCredentialWrite(subscriptionId, group, identityName);
    try {
      pause(credentialWriteLatency);
      synchronized (this) {
        return Optional.ofNullable(
            credentialsOf(subscriptionId, group, identityName).remove(key(name)));
      }
    } finally {
      endCredentialWrite(identityKey);
    }
  }

  private synchronized String beginCredentialWrite(
      String subscriptionId, String group, String identityName) {
    Identity identity = parentIdentity(subscriptionId, group, identityName);
    String identityKey = key(subscriptionId, group, identityName);
    if (!credentialWritesInFlight.add(identityKey)) {
      throw ArmException.conflict(
          "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity",
          "Too many Federated Identity Credentials are written concurrently for the managed"
              + " identity '"
              + identity.id().toLowerCase(Locale.ROOT)
              + "'. Concurrent Federated Identity Credentials writes under the same managed"
              + " identity are not supported.");
    }
    return identityKey;
  }

  private synchronized void endCredentialWrite(String identityKey) {
    credentialWritesInFlight.remove(identityKey);
  }

  // -------------------------------------------------------------------- role definitions

  /**
   * GET of role definitions at a scope, {@code $filter} {@code roleName eq '…'} or {@code type eq
   * '…'}.
   */
  public synchronized List<RoleDefinition> listRoleDefinitions(String scope, String filter) {
    checkDefinitionScope(scope);
    List<RoleDefinition> all = definitionsVisibleAt(scope);
    if (filter == null || filter.isBlank()) {
      return all;
    }
    Matcher roleName = Pattern.compile("roleName eq '(.*)'").matcher(filter.trim());
    if (roleName.matches()) {
      String wanted = roleName.group(1).replace("''", "'");
      return all.stream().filter(d -> d.roleName().equalsIgnoreCase(wanted)).toList();
    }
    Matcher type = Pattern.compile("type eq '(.*)'").matcher(filter.trim());
    if (type.matches()) {
      return all.stream().filter(d -> d.type().equalsIgnoreCase(type.group(1))).toList();
    }
    throw ArmException.badRequest(
        "InvalidFilterInQueryString", "The filter '" + filter + "' is not supported.");
  }

  /**
   * GET of one role definition by GUID: a built-in one from anywhere, a custom one from a scope it
   * is assignable at.
   */
  public synchronized RoleDefinition getRoleDefinition(String scope, String name) {
    checkDefinitionScope(scope);
    return definitionAt(scope, name)
        .orElseThrow(
            () ->
                ArmException.notFound(
                    "RoleDefinitionDoesNotExist",
                    "The specified role definition with ID '" + name + "' does not exist."));
  }

  // --------------------------------------------------------------------- role assignments

  /**
   * PUT of a role assignment: the name must be a GUID; role definition and principal must exist (a
   * principal younger than the replication delay exists only for requests that state {@code
   * principalType}); assignments are immutable (400 RoleAssignmentUpdateNotPermitted) and one
   * principal+role+scope exists once (409 RoleAssignmentExists, whatever the name).
   */
  public synchronized RoleAssignment putRoleAssignment(
      String scope,
      String name,
      String roleDefinitionId,
      String principalId,
      String principalType,
      String description) {
    String subscriptionId = checkAssignmentScope(scope);
    if (!GUID.matcher(name).matches()) {
      throw ArmException.badRequest(
          "InvalidRoleAssignmentId",
          "The role assignment ID '"
              + name
              + "' is not valid. The role assignment ID must be a GUID.");
    }
    if (roleDefinitionId == null || principalId == null) {
      throw ArmException.badRequest(
          "InvalidCreateRoleAssignmentRequest",
          "The request to create role assignment '"
              + name
              + "' is not valid. Role definition ID"
              + " and principal ID are required.");
    }
    Matcher definition = ROLE_DEFINITION_ID.matcher(roleDefinitionId);
    Optional<RoleDefinition> role =
        definition.matches() ? definitionAt(scope, definition.group(1)) : Optional.empty();
    if (role.isEmpty()) {
      throw ArmException.badRequest(
          "RoleDefinitionDoesNotExist",
          "The specified role definition with ID '" + roleDefinitionId + "' does not exist.");
    }
    Principal principal = principals.get(principalId.toLowerCase(Locale.ROOT));
    boolean replicated =
        principal != null
            && !clock.instant().isBefore(principal.createdAt().plus(principalReplicationDelay));
    if (principal == null || (principalType == null && !replicated)) {
      throw ArmException.badRequest(
          "PrincipalNotFound",
          "Principal "
              + principalId.replace("-", "")
              + " does not exist in the directory "
              + tenantId
              + ". Check that you have the correct principal ID. If you are creating this principal"
              + " and then immediately assigning a role, this error might be related to a"
              + " replication delay. In this case, set the role assignment principalType property"
              + " to a value, such as ServicePrincipal, User, or Group.");
    }
    String normalisedDefinition = role.get().idAt(subscriptionId);
    RoleAssignment sameName = assignments.get(key(scope + ASSIGNMENT_PATH + name));
    for (RoleAssignment existing : assignments.values()) {
      if (existing.principalId().equalsIgnoreCase(principalId)
          && existing.roleDefinitionName().equalsIgnoreCase(role.get().name())
          && sameScope(existing.scope(), scope)) {
        throw ArmException.conflict("RoleAssignmentExists", "The role assignment already exists.");
      }
    }
    if (sameName != null) {
      throw ArmException.badRequest(
          "RoleAssignmentUpdateNotPermitted",
          "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.");
    }
    RoleAssignment created =
        new RoleAssignment(
            scope,
            name.toLowerCase(Locale.ROOT),
            normalisedDefinition,
            principalId.toLowerCase(Locale.ROOT),
            principalType == null ? principal.type() : principalType,
            description,
            clock.instant());
    assignments.put(key(created.id()), created);
    return created;
  }

  public synchronized RoleAssignment getRoleAssignment(String scope, String name) {
    checkAssignmentScope(scope);
    RoleAssignment assignment = assignments.get(key(scope + ASSIGNMENT_PATH + name));
    if (assignment == null) {
      throw ArmException.notFound(
          "RoleAssignmentNotFound", "The role assignment '" + name + "' is not found.");
    }
    return assignment;
  }

  public synchronized Optional<RoleAssignment> deleteRoleAssignment(String scope, String name) {
    checkAssignmentScope(scope);
    return Optional.ofNullable(assignments.remove(key(scope + ASSIGNMENT_PATH + name)));
  }

  /**
   * GET of the assignments that apply to a scope. {@code $filter}: none (at, above and below),
   * {@code atScope()} (at or above), {@code principalId eq '…'} or {@code assignedTo('…')} (that
   * principal, at, above or below), optionally joined with {@code and}.
   */
  public synchronized List<RoleAssignment> listRoleAssignments(String scope, String filter) {
    checkAssignmentScope(scope);
    boolean atScope = false;
    String principal = null;
    if (filter != null && !filter.isBlank()) {
      for (String clause : filter.trim().split("(?i)\\s+and\\s+")) {
        Matcher principalEq =
            Pattern.compile("principalId eq '?([^']+?)'?", Pattern.CASE_INSENSITIVE)
                .matcher(clause.trim());
        Matcher assignedTo =
            Pattern.compile("assignedTo\\('([^']+)'\\)", Pattern.CASE_INSENSITIVE)
                .matcher(clause.trim());
        if (clause.trim().equalsIgnoreCase("atScope()")) {
          atScope = true;
        } else if (principalEq.matches()) {
          principal = principalEq.group(1);
        } else if (assignedTo.matches()) {
          principal = assignedTo.group(1);
        } else {
          throw ArmException.badRequest(
              "UnsupportedQuery", "The filter '" + filter + "' is not supported.");
        }
      }
    }
    List<RoleAssignment> result = new ArrayList<>();
    for (RoleAssignment assignment : assignments.values()) {
      boolean above = isWithin(scope, assignment.scope());
      boolean below = isWithin(assignment.scope(), scope);
      if (!(above || (!atScope && below))) {
        continue;
      }
      if (principal != null && !assignment.principalId().equalsIgnoreCase(principal)) {
        continue;
      }
      result.add(assignment);
    }
    return result;
  }

  // ------------------------------------------------------------------ out of band, for tests

  /** Every identity, in creation order. */
  public synchronized List<Identity> identities() {
    return List.copyOf(identities.values());
  }

  public synchronized Optional<Identity> identity(
      String subscriptionId, String group, String name) {
    return Optional.ofNullable(identities.get(key(subscriptionId, group, name)));
  }

  /** The credentials of an identity, empty when the identity does not exist. */
  public synchronized List<FederatedCredential> credentials(
      String subscriptionId, String group, String identityName) {
    Map<String, FederatedCredential> onIdentity =
        credentials.get(key(subscriptionId, group, identityName));
    return onIdentity == null ? List.of() : List.copyOf(onIdentity.values());
  }

  /** Every role assignment, in creation order. */
  public synchronized List<RoleAssignment> roleAssignments() {
    return List.copyOf(assignments.values());
  }

  /** The role assignments naming a principal. */
  public synchronized List<RoleAssignment> roleAssignmentsOf(String principalId) {
    return assignments.values().stream()
        .filter(a -> a.principalId().equalsIgnoreCase(principalId))
        .sorted(Comparator.comparing(RoleAssignment::scope).thenComparing(RoleAssignment::name))
        .toList();
  }

  /** Creates an identity as someone else would (e.g. without the operator's tags). */
  public synchronized Identity createIdentityOutOfBand(
      String subscriptionId, String group, String name, String location, Map<String, String> tags) {
    return putIdentity(subscriptionId, group, name, location, tags).resource();
  }

  /** Replaces an identity's tags as someone in the portal would. */
  public synchronized Identity setTagsOutOfBand(
      String subscriptionId, String group, String name, Map<String, String> tags) {
    return patchIdentity(subscriptionId, group, name, tags);
  }

  /** Creates or edits a credential without the write-concurrency rule (e.g. a portal edit). */
  public synchronized FederatedCredential putCredentialOutOfBand(
      String subscriptionId,
      String group,
      String identityName,
      String name,
      String issuer,
      String subject,
      List<String> audiences) {
    Map<String, FederatedCredential> onIdentity =
        credentialsOf(subscriptionId, group, identityName);
    FederatedCredential credential =
        new FederatedCredential(
            identities.get(key(subscriptionId, group, identityName)).id(),
            name,
            issuer,
            subject,
            audiences);
    onIdentity.put(key(name), credential);
    return credential;
  }

  /** Deletes a credential as someone in the portal would; whether it existed. */
  public synchronized boolean deleteCredentialOutOfBand(
      String subscriptionId, String group, String identityName, String name) {
    return credentialsOf(subscriptionId, group, identityName).remove(key(name)) != null;
  }

  /** Marks a credential write to the identity as in flight until the returned handle closes. */
  public AutoCloseable holdCredentialWrites(
      String subscriptionId, String group, String identityName) {
    String identityKey = beginCredentialWrite(subscriptionId, group, identityName);
    return () -> endCredentialWrite(identityKey);
  }

  /** A new principal of a type (User, Group, ServicePrincipal), replicated at once; its ID. */
  public synchronized String addPrincipal(String type) {
    Principal principal =
        new Principal(
            UUID.randomUUID().toString(), type, clock.instant().minus(principalReplicationDelay));
    principals.put(principal.id(), principal);
    return principal.id();
  }

  /** A role assignment made by hand (random GUID name, as the portal and CLI do). */
  public synchronized RoleAssignment assignRoleOutOfBand(
      String scope, String roleName, String principalId) {
    RoleDefinition role =
        BUILT_IN_ROLES.stream()
            .filter(r -> r.roleName().equals(roleName))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("not a built-in role: " + roleName));
    String subscriptionId = checkAssignmentScope(scope);
    return putRoleAssignment(
        scope,
        UUID.randomUUID().toString(),
        role.idAt(subscriptionId),
        principalId,
        principals.containsKey(principalId.toLowerCase(Locale.ROOT))
            ? principals.get(principalId.toLowerCase(Locale.ROOT)).type()
            : null,
        null);
  }

  /**
   * A custom role definition, as an administrator makes one (PUT roleDefinitions): a GUID of its
   * own, assignable at and below {@code assignableScopes}. Role names are unique in the directory,
   * built-in ones included (400 RoleDefinitionWithSameNameExists).
   */
  public synchronized RoleDefinition defineCustomRole(
      String guid, String roleName, List<String> assignableScopes) {
    if (!GUID.matcher(guid).matches()) {
      throw ArmException.badRequest(
          "InvalidRoleDefinitionId", "The role definition ID '" + guid + "' is not valid.");
    }
    if (assignableScopes.isEmpty()) {
      throw ArmException.badRequest(
          "InvalidAssignableScopes", "A custom role needs at least one assignable scope.");
    }
    assignableScopes.forEach(this::checkAssignmentScope);
    boolean taken =
        BUILT_IN_ROLES.stream().anyMatch(r -> r.roleName().equalsIgnoreCase(roleName))
            || customRoles.values().stream()
                .anyMatch(
                    r ->
                        r.roleName().equalsIgnoreCase(roleName)
                            && !r.name().equalsIgnoreCase(guid));
    if (taken) {
      throw ArmException.badRequest(
          "RoleDefinitionWithSameNameExists",
          "A role definition cannot be updated with a name that already exists.");
    }
    if (builtIn(guid).isPresent()) {
      throw ArmException.badRequest(
          "RoleDefinitionUpdateNotPermitted", "A built-in role definition cannot be updated.");
    }
    RoleDefinition role =
        new RoleDefinition(
            guid.toLowerCase(Locale.ROOT), roleName, "", "CustomRole", assignableScopes);
    customRoles.put(role.name(), role);
    return role;
  }

  /** Removes a role assignment as someone in the portal would. */
  public synchronized boolean removeRoleAssignmentOutOfBand(String assignmentId) {
    return assignments.remove(key(assignmentId)) != null;
  }

  // ------------------------------------------------------------------------------- helpers

  private Map<String, FederatedCredential> credentialsOf(
      String subscriptionId, String group, String identityName) {
    parentIdentity(subscriptionId, group, identityName);
    return credentials.get(key(subscriptionId, group, identityName));
  }

  private Identity parentIdentity(String subscriptionId, String group, String identityName) {
    requireResourceGroup(subscriptionId, group);
    Identity identity = identities.get(key(subscriptionId, group, identityName));
    if (identity == null) {
      throw ArmException.notFound(
          "ParentResourceNotFound",
          "Can not perform requested operation on nested resource. Parent resource '"
              + identityName
              + "' not found.");
    }
    return identity;
  }

  private void requireSubscription(String subscriptionId) {
    if (!subscriptions.contains(key(subscriptionId))) {
      throw ArmException.notFound(
          "SubscriptionNotFound", "The subscription '" + subscriptionId + "' could not be found.");
    }
  }

  private void requireResourceGroup(String subscriptionId, String group) {
    requireSubscription(subscriptionId);
    if (!resourceGroups.containsKey(key(subscriptionId, group))) {
      throw ArmException.notFound(
          "ResourceGroupNotFound", "Resource group '" + group + "' could not be found.");
    }
  }

  /** The subscription of a role-assignment scope, which must exist (as must its group). */
  private String checkAssignmentScope(String scope) {
    Matcher matcher = SCOPE.matcher(scope);
    if (!matcher.matches()) {
      throw ArmException.badRequest(
          "InvalidScope", "The scope '" + scope + "' is not a valid resource scope.");
    }
    if (matcher.group(2) != null) {
      requireResourceGroup(matcher.group(1), matcher.group(2));
    } else {
      requireSubscription(matcher.group(1));
    }
    return matcher.group(1);
  }

  private void checkDefinitionScope(String scope) {
    if (!scope.isEmpty() && !scope.equals("/")) {
      checkAssignmentScope(scope);
    }
  }

  private static Optional<RoleDefinition> builtIn(String name) {
    return BUILT_IN_ROLES.stream().filter(r -> r.name().equalsIgnoreCase(name)).findFirst();
  }

  private List<RoleDefinition> definitionsVisibleAt(String scope) {
    List<RoleDefinition> all = new ArrayList<>(BUILT_IN_ROLES);
    customRoles.values().stream().filter(d -> d.visibleAt(scope)).forEach(all::add);
    return all;
  }

  private Optional<RoleDefinition> definitionAt(String scope, String guid) {
    return definitionsVisibleAt(scope).stream()
        .filter(r -> r.name().equalsIgnoreCase(guid))
        .findFirst();
  }

  private static void checkTags(Map<String, String> tags) {
    if (tags == null) {
      return;
    }
    if (tags.size() > MAX_TAGS) {
      throw ArmException.badRequest(
          "InvalidTagCount", "A resource can have at most " + MAX_TAGS + " tags.");
    }
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      String name = tag.getKey();
      if (name.isEmpty() || name.length() > 512 || name.matches(".*[<>%&\\\\?/\\p{Cntrl}].*")) {
        throw ArmException.badRequest(
            "InvalidTagNameCharacters",
            "The tag names '"
                + name
                + "' have reserved characters '<,>,%,&,\\,?,/' or control characters.");
      }
      if (tag.getValue() != null && tag.getValue().length() > 256) {
        throw ArmException.badRequest(
            "InvalidTagValueLength",
            "The tag value '" + tag.getValue() + "' exceeds the maximum length of 256.");
      }
    }
  }

  private static Identity withTags(Identity identity, Map<String, String> tags) {
    return new Identity(
        identity.subscriptionId(),
        identity.resourceGroup(),
        identity.name(),
        identity.location(),
        tags == null ? Map.of() : tags,
        identity.tenantId(),
        identity.principalId(),
        identity.clientId());
  }

  /** Whether {@code outer} is {@code inner} or one of its ancestors, segment-wise. */
  private static boolean isWithin(String inner, String outer) {
    String in = key(trimSlashes(inner));
    String out = key(trimSlashes(outer));
    return in.equals(out) || in.startsWith(out + "/");
  }

  private static boolean sameScope(String a, String b) {
    return key(trimSlashes(a)).equals(key(trimSlashes(b)));
  }

  private static String trimSlashes(String scope) {
    String s = scope;
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }

  private static String normaliseLocation(String location) {
    return location.replace(" ", "").toLowerCase(Locale.ROOT);
  }

  private static String key(String... parts) {
    return String.join("/", parts).toLowerCase(Locale.ROOT);
  }

  private static void pause(Duration duration) {
    if (duration.isZero()) {
      return;
    }
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ArmException(500, "InternalServerError", "interrupted");
    }
  }
}
