package dev.cifederation.operator.cloud.aws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.ScopeBreakers;
import dev.cifederation.operator.cloud.aws.AwsFailure.Kind;
import dev.cifederation.operator.observe.CloudCalls;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.EntityType;
import software.amazon.awssdk.services.iam.model.GetAccountAuthorizationDetailsResponse;
import software.amazon.awssdk.services.iam.model.GetOpenIdConnectProviderResponse;
import software.amazon.awssdk.services.iam.model.ListAttachedRolePoliciesResponse;
import software.amazon.awssdk.services.iam.model.ListRolePoliciesResponse;
import software.amazon.awssdk.services.iam.model.ListRolesResponse;
import software.amazon.awssdk.services.iam.model.PolicyDetail;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iam.model.RoleDetail;
import software.amazon.awssdk.services.iam.model.Tag;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The IAM calls of one account, each counted by {@link CloudCalls} and each failure turned into an
 * {@link AwsFailure}; results come back as the adapter's own model ({@link LiveRole}, {@link
 * LiveProvider}), so nothing above this class sees the SDK.
 *
 * <p>Writes carry {@link #attributedTo the attribution} of the identity they are made for (its
 * User-Agent product, and its own role session when the operator assumes a role); reads always use
 * the account's shared session.
 */
final class IamGateway implements AutoCloseable {

  /** The most IAM returns per page; fewer pages, fewer calls. */
  private static final int PAGE_SIZE = 1000;

  private final String accountId;
  private final AwsCredentialsProvider credentials;
  private final IamClient iam;
  private final StsClient sts;
  private final CloudCalls calls;
  private final Clock clock;
  private final Consumer<AwsRequestOverrideConfiguration.Builder> writes;
  private volatile boolean accountVerified;

  IamGateway(
      String accountId,
      AwsCredentialsProvider credentials,
      IamClient iam,
      StsClient sts,
      CloudCalls calls,
      Clock clock) {
    this(accountId, credentials, iam, sts, calls, clock, o -> {});
  }

  private IamGateway(
      String accountId,
      AwsCredentialsProvider credentials,
      IamClient iam,
      StsClient sts,
      CloudCalls calls,
      Clock clock,
      Consumer<AwsRequestOverrideConfiguration.Builder> writes) {
    this.accountId = accountId;
    this.credentials = credentials;
    this.iam = iam;
    this.sts = sts;
    this.calls = calls;
    this.clock = clock;
    this.writes = writes;
  }

  /**
   * The same account and clients, with {@code writes} applied to every write request (the
   * identity's User-Agent product and credentials); a view for one pass, never closed itself.
   */
  IamGateway attributedTo(Consumer<AwsRequestOverrideConfiguration.Builder> writes) {
    IamGateway view = new IamGateway(accountId, credentials, iam, sts, calls, clock, writes);
    view.accountVerified = accountVerified;
    return view;
  }

  String accountId() {
    return accountId;
  }

  /**
   * Checks once that the credentials act in this gateway's account: without an assume-role template
   * the default credentials reach one account only, and writing an identity's role into another
   * account than its spec names would be wrong in a way nothing else detects.
   */
  void verifyAccount() {
    if (accountVerified) {
      return;
    }
    // identities applied together reach here on many threads at once: one of them asks
    synchronized (this) {
      verifyAccountOnce();
    }
  }

  private void verifyAccountOnce() {
    if (accountVerified) {
      return;
    }
    try {
      // apart, so that "no credentials at all" is told from a refused or failed call
      credentials.resolveCredentials();
    } catch (SdkException e) {
      throw AwsFailure.ofCredentials(e);
    }
    String actual = call("GetCallerIdentity", () -> sts.getCallerIdentity()).account();
    if (!accountId.equals(actual)) {
      throw new AwsFailure(
          Kind.DENIED,
          "GetCallerIdentity",
          null,
          "the operator's AWS credentials act in account "
              + actual
              + ", not in "
              + accountId
              + "; set "
              + AwsSettings.ASSUME_ROLE_TEMPLATE_VARIABLE
              + " to manage several accounts");
    }
    accountVerified = true;
  }

  // ------------------------------------------------------------------------------ bulk reads

  /**
   * One sweep of the account: GetAccountAuthorizationDetails (roles only) for every role's trust
   * policy, policies, boundary and tags; ListRoles under the IAM path for MaxSessionDuration, which
   * the former lacks; ListOpenIDConnectProviders. A few paged calls per account, not per role.
   */
  AccountSnapshot readAccount(String iamPath) {
    Map<String, OptionalInt> sessions = new HashMap<>();
    String marker = null;
    do {
      String page = marker;
      ListRolesResponse roles =
          call(
              "ListRoles",
              () -> iam.listRoles(r -> r.pathPrefix(iamPath).maxItems(PAGE_SIZE).marker(page)));
      for (Role role : roles.roles()) {
        sessions.put(role.roleName(), optionalInt(role.maxSessionDuration()));
      }
      marker = Boolean.TRUE.equals(roles.isTruncated()) ? roles.marker() : null;
    } while (marker != null);

    var roles = new AccountSnapshot.Builder();
    marker = null;
    do {
      String page = marker;
      GetAccountAuthorizationDetailsResponse details =
          call(
              "GetAccountAuthorizationDetails",
              () ->
                  iam.getAccountAuthorizationDetails(
                      r -> r.filter(EntityType.ROLE).maxItems(PAGE_SIZE).marker(page)));
      for (RoleDetail role : details.roleDetailList()) {
        roles.add(liveRole(role, sessions.getOrDefault(role.roleName(), OptionalInt.empty())));
      }
      marker = Boolean.TRUE.equals(details.isTruncated()) ? details.marker() : null;
    } while (marker != null);

    Set<String> providers = new TreeSet<>();
    call("ListOpenIDConnectProviders", () -> iam.listOpenIDConnectProviders())
        .openIDConnectProviderList()
        .forEach(p -> providers.add(p.arn()));
    return roles.build(clock.instant(), providers);
  }

  private static LiveRole liveRole(RoleDetail role, OptionalInt maxSessionDuration) {
    Map<String, JsonNode> inline = new HashMap<>();
    for (PolicyDetail policy : role.rolePolicyList()) {
      inline.put(policy.policyName(), PolicyDocuments.parseLenient(policy.policyDocument()));
    }
    Set<String> attached = new TreeSet<>();
    role.attachedManagedPolicies().forEach(p -> attached.add(p.policyArn()));
    return new LiveRole(
        role.roleName(),
        role.path(),
        role.arn(),
        PolicyDocuments.parseLenient(role.assumeRolePolicyDocument()),
        attached,
        inline,
        maxSessionDuration,
        Optional.ofNullable(role.permissionsBoundary()).map(b -> b.permissionsBoundaryArn()),
        tags(role.tags()));
  }

  // ------------------------------------------------------------------------ single-role reads

  /**
   * A role read on its own (GetRole and its policy listings): for a role the bulk read did not
   * cover, after EntityAlreadyExists, and before deleting.
   */
  Optional<LiveRole> readRole(String roleName) {
    Role role;
    try {
      role = call("GetRole", () -> iam.getRole(r -> r.roleName(roleName))).role();
    } catch (AwsFailure e) {
      if (e.kind() == Kind.NO_SUCH_ENTITY) {
        return Optional.empty();
      }
      throw e;
    }
    Set<String> attached = new TreeSet<>();
    String marker = null;
    do {
      String page = marker;
      ListAttachedRolePoliciesResponse response =
          call(
              "ListAttachedRolePolicies",
              () ->
                  iam.listAttachedRolePolicies(
                      r -> r.roleName(roleName).maxItems(PAGE_SIZE).marker(page)));
      response.attachedPolicies().stream().map(AttachedPolicy::policyArn).forEach(attached::add);
      marker = Boolean.TRUE.equals(response.isTruncated()) ? response.marker() : null;
    } while (marker != null);

    Map<String, JsonNode> inline = new HashMap<>();
    marker = null;
    do {
      String page = marker;
      ListRolePoliciesResponse response =
          call(
              "ListRolePolicies",
              () ->
                  iam.listRolePolicies(r -> r.roleName(roleName).maxItems(PAGE_SIZE).marker(page)));
      for (String policyName : response.policyNames()) {
        String document =
            call(
                    "GetRolePolicy",
                    () -> iam.getRolePolicy(r -> r.roleName(roleName).policyName(policyName)))
                .policyDocument();
        inline.put(policyName, PolicyDocuments.parseLenient(document));
      }
      marker = Boolean.TRUE.equals(response.isTruncated()) ? response.marker() : null;
    } while (marker != null);

    return Optional.of(
        new LiveRole(
            role.roleName(),
            role.path(),
            role.arn(),
            PolicyDocuments.parseLenient(role.assumeRolePolicyDocument()),
            attached,
            inline,
            optionalInt(role.maxSessionDuration()),
            Optional.ofNullable(role.permissionsBoundary()).map(b -> b.permissionsBoundaryArn()),
            tags(role.tags())));
  }

  // --------------------------------------------------------------------------- OIDC providers

  Optional<LiveProvider> readProvider(String arn) {
    GetOpenIdConnectProviderResponse provider;
    try {
      provider =
          call(
              "GetOpenIDConnectProvider",
              () -> iam.getOpenIDConnectProvider(r -> r.openIDConnectProviderArn(arn)));
    } catch (AwsFailure e) {
      if (e.kind() == Kind.NO_SUCH_ENTITY) {
        return Optional.empty();
      }
      throw e;
    }
    return Optional.of(
        new LiveProvider(
            arn, provider.clientIDList(), provider.thumbprintList(), tags(provider.tags())));
  }

  /** Creates the provider with its ownership tags in the same call, so it is never untagged. */
  String createProvider(
      String url, List<String> clientIds, List<String> thumbprints, Map<String, String> tags) {
    return call(
            "CreateOpenIDConnectProvider",
            () ->
                iam.createOpenIDConnectProvider(
                    r ->
                        r.overrideConfiguration(writes)
                            .url(url)
                            .clientIDList(clientIds)
                            .thumbprintList(thumbprints)
                            .tags(sdkTags(tags))))
        .openIDConnectProviderArn();
  }

  void addClientId(String providerArn, String clientId) {
    call(
        "AddClientIDToOpenIDConnectProvider",
        () ->
            iam.addClientIDToOpenIDConnectProvider(
                r ->
                    r.overrideConfiguration(writes)
                        .openIDConnectProviderArn(providerArn)
                        .clientID(clientId)));
  }

  void updateThumbprints(String providerArn, List<String> thumbprints) {
    call(
        "UpdateOpenIDConnectProviderThumbprint",
        () ->
            iam.updateOpenIDConnectProviderThumbprint(
                r ->
                    r.overrideConfiguration(writes)
                        .openIDConnectProviderArn(providerArn)
                        .thumbprintList(thumbprints)));
  }

  void deleteProvider(String providerArn) {
    call(
        "DeleteOpenIDConnectProvider",
        () ->
            iam.deleteOpenIDConnectProvider(
                r -> r.overrideConfiguration(writes).openIDConnectProviderArn(providerArn)));
  }

  // ------------------------------------------------------------------------------ role writes

  /**
   * Creates the role with its trust policy, session limit, boundary and ownership tags in one call:
   * a role of ours never exists without its tags, so a restart can always recognise it.
   *
   * @return the created role as IAM now has it (no policies yet)
   */
  LiveRole createRole(DesiredRole desired) {
    Role role =
        call(
                "CreateRole",
                () ->
                    iam.createRole(
                        r -> {
                          r.overrideConfiguration(writes)
                              .roleName(desired.name())
                              .path(desired.path())
                              .description(desired.description())
                              .assumeRolePolicyDocument(
                                  PolicyDocuments.toJson(desired.trustPolicy()))
                              .maxSessionDuration(desired.maxSessionDuration())
                              .tags(sdkTags(desired.tags()));
                          desired.permissionsBoundaryArn().ifPresent(r::permissionsBoundary);
                        }))
            .role();
    return LiveRole.created(desired, role.arn());
  }

  void apply(DesiredRole desired, RoleChange change) {
    String roleName = desired.name();
    String operation = change.operation();
    // Java 17: no pattern matching in switch yet
    if (change instanceof RoleChange.UpdateTrustPolicy c) {
      call(
          operation,
          () ->
              iam.updateAssumeRolePolicy(
                  r ->
                      r.overrideConfiguration(writes)
                          .roleName(roleName)
                          .policyDocument(PolicyDocuments.toJson(c.document()))));
    } else if (change instanceof RoleChange.AttachManagedPolicy c) {
      call(
          operation,
          () ->
              iam.attachRolePolicy(
                  r ->
                      r.overrideConfiguration(writes).roleName(roleName).policyArn(c.policyArn())));
    } else if (change instanceof RoleChange.DetachManagedPolicy c) {
      detachPolicy(roleName, c.policyArn());
    } else if (change instanceof RoleChange.PutInlinePolicy c) {
      call(
          operation,
          () ->
              iam.putRolePolicy(
                  r ->
                      r.overrideConfiguration(writes)
                          .roleName(roleName)
                          .policyName(c.policyName())
                          .policyDocument(PolicyDocuments.toJson(c.document()))));
    } else if (change instanceof RoleChange.DeleteInlinePolicy c) {
      deleteInlinePolicy(roleName, c.policyName());
    } else if (change instanceof RoleChange.UpdateMaxSessionDuration c) {
      // the description goes along: UpdateRole without it may clear it (moto does)
      call(
          operation,
          () ->
              iam.updateRole(
                  r ->
                      r.overrideConfiguration(writes)
                          .roleName(roleName)
                          .description(desired.description())
                          .maxSessionDuration(c.seconds())));
    } else if (change instanceof RoleChange.PutPermissionsBoundary c) {
      call(
          operation,
          () ->
              iam.putRolePermissionsBoundary(
                  r ->
                      r.overrideConfiguration(writes)
                          .roleName(roleName)
                          .permissionsBoundary(c.policyArn())));
    } else if (change instanceof RoleChange.DeletePermissionsBoundary) {
      call(
          operation,
          () ->
              iam.deleteRolePermissionsBoundary(
                  r -> r.overrideConfiguration(writes).roleName(roleName)));
    } else if (change instanceof RoleChange.TagRole c) {
      call(
          operation,
          () ->
              iam.tagRole(
                  r -> r.overrideConfiguration(writes).roleName(roleName).tags(sdkTags(c.tags()))));
    } else {
      throw new IllegalStateException("unknown change " + change);
    }
  }

  /** Replaces the role's trust policy (a withdrawal: nothing else of the role changes). */
  void updateTrustPolicy(String roleName, JsonNode document) {
    call(
        "UpdateAssumeRolePolicy",
        () ->
            iam.updateAssumeRolePolicy(
                r ->
                    r.overrideConfiguration(writes)
                        .roleName(roleName)
                        .policyDocument(PolicyDocuments.toJson(document))));
  }

  /** Adds or overwrites tags (the ownership marks of an adopted or migrated role). */
  void tagRole(String roleName, Map<String, String> tags) {
    call(
        "TagRole",
        () ->
            iam.tagRole(
                r -> r.overrideConfiguration(writes).roleName(roleName).tags(sdkTags(tags))));
  }

  void detachPolicy(String roleName, String policyArn) {
    call(
        "DetachRolePolicy",
        () ->
            iam.detachRolePolicy(
                r -> r.overrideConfiguration(writes).roleName(roleName).policyArn(policyArn)));
  }

  void deleteInlinePolicy(String roleName, String policyName) {
    call(
        "DeleteRolePolicy",
        () ->
            iam.deleteRolePolicy(
                r -> r.overrideConfiguration(writes).roleName(roleName).policyName(policyName)));
  }

  void untagRole(String roleName, Collection<String> keys) {
    call(
        "UntagRole",
        () -> iam.untagRole(r -> r.overrideConfiguration(writes).roleName(roleName).tagKeys(keys)));
  }

  void deleteRole(String roleName) {
    call(
        "DeleteRole",
        () -> iam.deleteRole(r -> r.overrideConfiguration(writes).roleName(roleName)));
  }

  @Override
  public void close() {
    iam.close();
    sts.close();
  }

  // ---------------------------------------------------------------------------------------------

  private <T> T call(String operation, Supplier<T> sdkCall) {
    // breaker hook (cloud.ScopeBreakers): this gateway's calls go to its account
    ScopeBreakers.enter(Cloud.AWS, accountId);
    try {
      return calls.call(operation, sdkCall);
    } catch (ScopeBreakers.ScopeUnavailable e) {
      throw AwsFailure.paused(operation, e);
    } catch (SdkException e) {
      throw AwsFailure.of(operation, e);
    }
  }

  private static Map<String, String> tags(List<Tag> tags) {
    Map<String, String> map = new LinkedHashMap<>();
    tags.forEach(t -> map.put(t.key(), t.value()));
    return map;
  }

  private static List<Tag> sdkTags(Map<String, String> tags) {
    List<Tag> list = new ArrayList<>();
    tags.forEach((k, v) -> list.add(Tag.builder().key(k).value(v).build()));
    return list;
  }

  private static OptionalInt optionalInt(Integer value) {
    return value == null ? OptionalInt.empty() : OptionalInt.of(value);
  }
}
