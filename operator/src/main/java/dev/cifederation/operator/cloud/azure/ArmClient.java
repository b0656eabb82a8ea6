package dev.cifederation.operator.cloud.azure;

import com.azure.core.http.HttpPipeline;
import com.azure.core.http.rest.PagedIterable;
import com.azure.core.http.rest.PagedResponse;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.core.util.Context;
import com.azure.resourcemanager.authorization.fluent.RoleAssignmentsClient;
import com.azure.resourcemanager.authorization.fluent.RoleDefinitionsClient;
import com.azure.resourcemanager.authorization.fluent.models.RoleAssignmentInner;
import com.azure.resourcemanager.authorization.fluent.models.RoleDefinitionInner;
import com.azure.resourcemanager.authorization.models.PrincipalType;
import com.azure.resourcemanager.authorization.models.RoleAssignmentCreateParameters;
import com.azure.resourcemanager.msi.MsiManager;
import com.azure.resourcemanager.msi.fluent.FederatedIdentityCredentialsClient;
import com.azure.resourcemanager.msi.fluent.UserAssignedIdentitiesClient;
import com.azure.resourcemanager.msi.fluent.models.FederatedIdentityCredentialInner;
import com.azure.resourcemanager.msi.fluent.models.IdentityInner;
import com.azure.resourcemanager.msi.models.IdentityUpdate;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.cloud.Attribution;
import dev.cifederation.operator.cloud.CloudFailure;
import dev.cifederation.operator.cloud.azure.CredentialPlan.Credential;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * The Azure SDK calls the adapter makes, through {@link ArmRetry} (counted, retried, typed), with
 * SDK types turned into the package's own records. One {@link MsiManager} per subscription, all on
 * one HTTP pipeline; role assignments and definitions are addressed by scope. A pass uses the view
 * {@link #attributedTo} its identity, whose calls all carry it in their {@link Context}.
 */
final class ArmClient {

  /** A user-assigned managed identity as Azure has it. */
  record LiveIdentity(
      String id,
      String name,
      String location,
      Map<String, String> tags,
      String clientId,
      String principalId,
      String tenantId) {
    LiveIdentity {
      tags = tags == null ? Map.of() : Map.copyOf(tags);
    }
  }

  /** A role definition found by name or GUID. */
  record RoleDefinitionRef(String guid, String roleName, boolean builtIn) {}

  private final HttpPipeline pipeline;
  private final AzureEnvironment environment;
  private final String tenantId;
  private final ArmRetry retry;
  private final Map<String, MsiManager> managers;
  private final Context context;

  ArmClient(HttpPipeline pipeline, AzureEnvironment environment, String tenantId, ArmRetry retry) {
    this(pipeline, environment, tenantId, retry, new ConcurrentHashMap<>(), Context.NONE);
  }

  private ArmClient(
      HttpPipeline pipeline,
      AzureEnvironment environment,
      String tenantId,
      ArmRetry retry,
      Map<String, MsiManager> managers,
      Context context) {
    this.pipeline = pipeline;
    this.environment = environment;
    this.tenantId = tenantId;
    this.retry = retry;
    this.managers = managers;
    this.context = context;
  }

  /**
   * The same client, every call of which is made for {@code who}: its User-Agent and client request
   * ID name the identity ({@link ArmPipeline}).
   */
  ArmClient attributedTo(Attribution who) {
    return new ArmClient(
        pipeline,
        environment,
        tenantId,
        retry,
        managers,
        new Context(ArmPipeline.ATTRIBUTION_KEY, who));
  }

  // ------------------------------------------------------------------------------ identities

  /** The identity, or empty when it does not exist (a missing resource group is NotFound). */
  Optional<LiveIdentity> getIdentity(String subscriptionId, String group, String name) {
    try {
      IdentityInner inner =
          retry.call(
              "identities.get",
              () ->
                  identities(subscriptionId)
                      .getByResourceGroupWithResponse(group, name, context)
                      .getValue());
      return Optional.of(live(inner));
    } catch (AzureFailure failure) {
      if (failure.is(404, ArmError.RESOURCE_NOT_FOUND)) {
        return Optional.empty();
      }
      throw failure;
    }
  }

  /** Every user-assigned identity of the subscription, or of one resource group when given. */
  List<LiveIdentity> listIdentities(String subscriptionId, Optional<String> group) {
    return listIdentities(subscriptionId, group, pages -> {});
  }

  /** As {@link #listIdentities(String, Optional)}, telling {@code pages} how many it read. */
  List<LiveIdentity> listIdentities(
      String subscriptionId, Optional<String> group, IntConsumer pages) {
    String operation =
        group.isPresent() ? "identities.listByResourceGroup" : "identities.listBySubscription";
    return retry.call(
        operation,
        () ->
            every(
                operation,
                group.isPresent()
                    ? identities(subscriptionId).listByResourceGroup(group.get(), context)
                    : identities(subscriptionId).list(context),
                this::live,
                pages));
  }

  /**
   * Every item of a paged list, read page by page. The call counts the first request; each further
   * page is a request of its own and is counted as one, as AWS's and GCP's pages are.
   */
  private <T, R> List<R> every(String operation, PagedIterable<T> list, Function<T, R> item) {
    return every(operation, list, item, pages -> {});
  }

  private <T, R> List<R> every(
      String operation, PagedIterable<T> list, Function<T, R> item, IntConsumer pagesRead) {
    List<R> items = new ArrayList<>();
    int pages = 0;
    for (PagedResponse<T> page : list.iterableByPage()) {
      if (pages++ > 0) {
        retry.countPage(operation);
      }
      page.getValue().forEach(i -> items.add(item.apply(i)));
    }
    pagesRead.accept(pages);
    return items;
  }

  LiveIdentity createIdentity(
      String subscriptionId, String group, String name, String location, Map<String, String> tags) {
    IdentityInner request = new IdentityInner().withLocation(location).withTags(tags);
    return live(
        retry.call(
            "identities.createOrUpdate",
            () ->
                identities(subscriptionId)
                    .createOrUpdateWithResponse(group, name, request, context)
                    .getValue()));
  }

  /** PATCH: the tags given replace all tags of the identity. */
  LiveIdentity setTags(String subscriptionId, String group, String name, Map<String, String> tags) {
    IdentityUpdate update = new IdentityUpdate().withTags(tags);
    return live(
        retry.call(
            "identities.update",
            () ->
                identities(subscriptionId)
                    .updateWithResponse(group, name, update, context)
                    .getValue()));
  }

  void deleteIdentity(String subscriptionId, String group, String name) {
    retry.call(
        "identities.delete",
        () -> {
          identities(subscriptionId).deleteWithResponse(group, name, context);
          return null;
        });
  }

  // -------------------------------------------------------------------- federated credentials

  List<Credential> listCredentials(String subscriptionId, String group, String identityName) {
    return retry.call(
        "federatedCredentials.list",
        () ->
            every(
                "federatedCredentials.list",
                credentials(subscriptionId).list(group, identityName, null, null, context),
                c ->
                    new Credential(
                        c.name(),
                        c.issuer(),
                        c.subject(),
                        c.audiences() == null ? List.of() : c.audiences())));
  }

  void putCredential(
      String subscriptionId, String group, String identityName, Credential credential) {
    FederatedCredentialInnerFactory request = new FederatedCredentialInnerFactory(credential);
    retry.call(
        "federatedCredentials.createOrUpdate",
        () ->
            credentials(subscriptionId)
                .createOrUpdateWithResponse(
                    group, identityName, credential.name(), request.build(), context));
  }

  void deleteCredential(String subscriptionId, String group, String identityName, String name) {
    retry.call(
        "federatedCredentials.delete",
        () -> {
          credentials(subscriptionId).deleteWithResponse(group, identityName, name, context);
          return null;
        });
  }

  // ------------------------------------------------------------------------- role definitions

  /** The role definitions named {@code roleName} at a scope (normally one). */
  List<RoleDefinitionRef> findRoleDefinitions(String scope, String roleName) {
    // this client encodes $filter itself (unlike the role-assignment client)
    String filter = "roleName eq '" + roleName.replace("'", "''") + "'";
    String subscriptionId = AssignmentPlan.subscriptionOf(scope);
    return retry.call(
        "roleDefinitions.list",
        () ->
            every(
                    "roleDefinitions.list",
                    definitions(subscriptionId).list(scope, filter, context),
                    (RoleDefinitionInner d) -> d)
                .stream()
                .filter(d -> roleName.equalsIgnoreCase(d.roleName()))
                .map(
                    d ->
                        new RoleDefinitionRef(
                            d.name(), d.roleName(), "BuiltInRole".equalsIgnoreCase(d.roleType())))
                .toList());
  }

  /**
   * The role definition of a GUID as seen from a scope (built-in ones everywhere, custom ones where
   * assignable), or empty when Azure has none there.
   */
  Optional<RoleDefinitionRef> getRoleDefinition(String scope, String guid) {
    String subscriptionId = AssignmentPlan.subscriptionOf(scope);
    try {
      RoleDefinitionInner d =
          retry.call(
              "roleDefinitions.get",
              () -> definitions(subscriptionId).getWithResponse(scope, guid, context).getValue());
      if (d == null) {
        return Optional.empty();
      }
      return Optional.of(
          new RoleDefinitionRef(
              d.name(), d.roleName(), "BuiltInRole".equalsIgnoreCase(d.roleType())));
    } catch (AzureFailure failure) {
      if (failure.hasStatus(404)) {
        return Optional.empty();
      }
      throw failure;
    }
  }

  // ------------------------------------------------------------------------- role assignments

  /** Every assignment naming the principal at, above or below a scope. */
  List<AssignmentPlan.Live> listAssignments(String scope, String principalId) {
    String filter = encodedFilter("principalId eq '" + principalId + "'");
    String subscriptionId = AssignmentPlan.subscriptionOf(scope);
    return retry.call(
        "roleAssignments.listForScope",
        () ->
            every(
                "roleAssignments.listForScope",
                assignments(subscriptionId).listForScope(scope, filter, null, null, context),
                ArmClient::live));
  }

  /** Every assignment at, above or below a scope, of every principal, in one paged list. */
  List<AssignmentPlan.Live> listAssignmentsAround(String scope) {
    String subscriptionId = AssignmentPlan.subscriptionOf(scope);
    return retry.call(
        "roleAssignments.listForScope",
        () ->
            every(
                "roleAssignments.listForScope",
                assignments(subscriptionId).listForScope(scope, null, null, null, context),
                ArmClient::live));
  }

  Optional<AssignmentPlan.Live> getAssignment(String scope, String name) {
    try {
      return Optional.of(
          live(
              retry.call(
                  "roleAssignments.get",
                  () ->
                      assignments(AssignmentPlan.subscriptionOf(scope))
                          .getWithResponse(scope, name, null, context)
                          .getValue())));
    } catch (AzureFailure failure) {
      if (failure.hasStatus(404)) {
        return Optional.empty();
      }
      throw failure;
    }
  }

  /**
   * Creates an assignment for a service principal ({@code principalType} set, so that Azure does
   * not look the new principal up in a directory replica that may not have it yet). Returns false
   * when Azure answers 409 RoleAssignmentExists.
   */
  boolean createAssignment(
      String scope, String name, String roleDefinitionId, String principalId, String description) {
    RoleAssignmentCreateParameters parameters =
        new RoleAssignmentCreateParameters()
            .withRoleDefinitionId(roleDefinitionId)
            .withPrincipalId(principalId)
            .withPrincipalType(PrincipalType.SERVICE_PRINCIPAL)
            .withDescription(description);
    try {
      retry.call(
          "roleAssignments.create",
          () ->
              assignments(AssignmentPlan.subscriptionOf(scope))
                  .createWithResponse(scope, name, parameters, context));
      return true;
    } catch (AzureFailure failure) {
      if (failure.is(409, ArmError.ROLE_ASSIGNMENT_EXISTS)) {
        return false;
      }
      throw failure;
    }
  }

  void deleteAssignment(String scope, String name) {
    retry.call(
        "roleAssignments.delete",
        () ->
            assignments(AssignmentPlan.subscriptionOf(scope))
                .deleteWithResponse(scope, name, null, context));
  }

  // ----------------------------------------------------------------------------------- SDK

  /**
   * The role-assignment client declares {@code $filter} as already encoded and sends it as given,
   * so the OData expression is percent-encoded here (spaces and quotes are not legal in a URI).
   */
  static String encodedFilter(String filter) {
    return java.net.URLEncoder.encode(filter, java.nio.charset.StandardCharsets.UTF_8)
        .replace("+", "%20");
  }

  private MsiManager manager(String subscriptionId) {
    return managers.computeIfAbsent(
        subscriptionId.toLowerCase(java.util.Locale.ROOT),
        id ->
            MsiManager.authenticate(
                pipeline, new AzureProfile(tenantId, subscriptionId, environment)));
  }

  private UserAssignedIdentitiesClient identities(String subscriptionId) {
    return manager(subscriptionId).serviceClient().getUserAssignedIdentities();
  }

  private FederatedIdentityCredentialsClient credentials(String subscriptionId) {
    return manager(subscriptionId).serviceClient().getFederatedIdentityCredentials();
  }

  private RoleAssignmentsClient assignments(String subscriptionId) {
    return manager(subscriptionId).authorizationManager().roleServiceClient().getRoleAssignments();
  }

  private RoleDefinitionsClient definitions(String subscriptionId) {
    return manager(subscriptionId).authorizationManager().roleServiceClient().getRoleDefinitions();
  }

  private LiveIdentity live(IdentityInner inner) {
    if (inner == null) {
      throw new CloudFailure(CloudReason.Transient, "Azure returned no identity body");
    }
    return new LiveIdentity(
        inner.id(),
        inner.name(),
        inner.location(),
        inner.tags(),
        inner.clientId() == null ? null : inner.clientId().toString(),
        inner.principalId() == null ? null : inner.principalId().toString(),
        inner.tenantId() == null ? tenantId : inner.tenantId().toString());
  }

  private static AssignmentPlan.Live live(RoleAssignmentInner inner) {
    return new AssignmentPlan.Live(
        inner.id(),
        inner.name(),
        inner.scope(),
        inner.roleDefinitionId(),
        inner.principalId(),
        inner.principalType() == null ? null : inner.principalType().toString());
  }

  /** Builds a fresh request body per attempt (SDK models are mutable). */
  private record FederatedCredentialInnerFactory(Credential credential) {
    FederatedIdentityCredentialInner build() {
      return new FederatedIdentityCredentialInner()
          .withIssuer(credential.issuer())
          .withSubject(credential.subject())
          .withAudiences(credential.audiences());
    }
  }
}
