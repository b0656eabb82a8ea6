package dev.cifederation.operator.cloud.gcp;

import com.google.api.client.googleapis.services.AbstractGoogleClientRequest;
import com.google.api.client.googleapis.services.GoogleClientRequestInitializer;
import com.google.api.client.http.HttpHeaders;
import com.google.api.client.http.HttpRequestInitializer;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.client.json.JsonFactory;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.services.iam.v1.Iam;
import com.google.api.services.iam.v1.model.ListServiceAccountsResponse;
import com.google.api.services.iam.v1.model.ListWorkloadIdentityPoolProvidersResponse;
import com.google.api.services.iam.v1.model.ListWorkloadIdentityPoolsResponse;
import com.google.api.services.iam.v1.model.Operation;
import com.google.api.services.iam.v1.model.Policy;
import com.google.api.services.iam.v1.model.ServiceAccount;
import com.google.api.services.iam.v1.model.SetIamPolicyRequest;
import com.google.api.services.iam.v1.model.UndeleteWorkloadIdentityPoolProviderRequest;
import com.google.api.services.iam.v1.model.UndeleteWorkloadIdentityPoolRequest;
import com.google.api.services.iam.v1.model.WorkloadIdentityPool;
import com.google.api.services.iam.v1.model.WorkloadIdentityPoolProvider;
import com.google.auth.http.HttpCredentialsAdapter;
import com.google.auth.oauth2.GoogleCredentials;
import dev.cifederation.operator.api.v1alpha1.CloudReason;
import dev.cifederation.operator.cloud.Attribution;
import dev.cifederation.operator.cloud.RetryPolicy;
import dev.cifederation.operator.cloud.Sleeper;
import dev.cifederation.operator.cloud.gcp.GcpFailure.RpcStatus;
import dev.cifederation.operator.observe.CloudCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The only class that calls the IAM v1 SDK. Every call is counted by {@link CloudCalls} under its
 * operation name, every failure becomes a {@link GcpFailure}, and every long-running operation is
 * polled to completion with a bounded, jittered backoff (or reported as still running).
 *
 * <p>The SDK client is built on first use, so an operator without GCP credentials starts fine and
 * reports Unauthorized only on identities that have a {@code gcp} block.
 *
 * <p>Calls made inside {@link #attributeTo} carry the identity's {@link Attribution} as a
 * User-Agent product, which Cloud Audit Logs record as {@code
 * protoPayload.requestMetadata.callerSuppliedUserAgent}. The SDK runs each call on the calling
 * thread, so the identity is kept per thread, like the scope of the breaker hook.
 */
class IamGateway {

  static final String CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

  /** The operations that change state; a steady resync makes none of them. */
  static final Set<String> WRITE_OPERATIONS =
      Set.of(
          "pools.create",
          "pools.patch",
          "pools.delete",
          "pools.undelete",
          "providers.create",
          "providers.patch",
          "providers.delete",
          "providers.undelete",
          "serviceAccounts.setIamPolicy");

  private static final JsonFactory JSON = GsonFactory.getDefaultInstance();
  private static final int PAGE_SIZE = 100;

  /** One SDK call that may throw the SDK's IOException. */
  private interface SdkCall<T> {
    T execute() throws IOException;
  }

  private final GcpSettings settings;
  private final CloudCalls calls;
  private final Sleeper sleeper;
  private final ThreadLocal<Attribution> caller = new ThreadLocal<>();
  private volatile Iam client;

  /** Ends an {@link #attributeTo} scope. */
  interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  IamGateway(GcpSettings settings, CloudCalls calls, Sleeper sleeper) {
    this.settings = settings;
    this.calls = calls;
    this.sleeper = sleeper;
  }

  /**
   * Until the returned scope is closed, this thread's calls are made for {@code who}: each request
   * carries {@code cifed-identity/<label>} in its User-Agent.
   */
  Scope attributeTo(Attribution who) {
    Attribution before = caller.get();
    caller.set(who);
    return () -> {
      if (before == null) {
        caller.remove();
      } else {
        caller.set(before);
      }
    };
  }

  // ------------------------------------------------------------------------------------- pools

  Optional<WorkloadIdentityPool> getPool(String name) {
    return absentIfNotFound(
        () ->
            call(
                "pools.get",
                () -> iam().projects().locations().workloadIdentityPools().get(name).execute()));
  }

  WorkloadIdentityPool createPool(String parent, String poolId, WorkloadIdentityPool pool) {
    Operation operation =
        call(
            "pools.create",
            () ->
                iam()
                    .projects()
                    .locations()
                    .workloadIdentityPools()
                    .create(parent, pool)
                    .setWorkloadIdentityPoolId(poolId)
                    .execute());
    return result(
        await("creating pool " + parent + "/workloadIdentityPools/" + poolId, operation),
        WorkloadIdentityPool.class);
  }

  WorkloadIdentityPool undeletePool(String name) {
    Operation operation =
        call(
            "pools.undelete",
            () ->
                iam()
                    .projects()
                    .locations()
                    .workloadIdentityPools()
                    .undelete(name, new UndeleteWorkloadIdentityPoolRequest())
                    .execute());
    return result(await("undeleting pool " + name, operation), WorkloadIdentityPool.class);
  }

  WorkloadIdentityPool patchPool(String name, WorkloadIdentityPool body, String updateMask) {
    Operation operation =
        call(
            "pools.patch",
            () ->
                iam()
                    .projects()
                    .locations()
                    .workloadIdentityPools()
                    .patch(name, body)
                    .setUpdateMask(updateMask)
                    .execute());
    return result(await("patching pool " + name, operation), WorkloadIdentityPool.class);
  }

  void deletePool(String name) {
    Operation operation =
        call(
            "pools.delete",
            () -> iam().projects().locations().workloadIdentityPools().delete(name).execute());
    await("deleting pool " + name, operation);
  }

  /** Every ACTIVE pool under {@code parent} ({@code projects/P/locations/global}), all pages. */
  List<WorkloadIdentityPool> listPools(String parent) {
    List<WorkloadIdentityPool> pools = new ArrayList<>();
    String pageToken = null;
    do {
      String token = pageToken;
      ListWorkloadIdentityPoolsResponse page =
          call(
              "pools.list",
              () ->
                  iam()
                      .projects()
                      .locations()
                      .workloadIdentityPools()
                      .list(parent)
                      .setPageSize(PAGE_SIZE)
                      .setPageToken(token)
                      .execute());
      if (page.getWorkloadIdentityPools() != null) {
        pools.addAll(page.getWorkloadIdentityPools());
      }
      pageToken = page.getNextPageToken();
    } while (pageToken != null && !pageToken.isEmpty());
    return pools;
  }

  // --------------------------------------------------------------------------------- providers

  /** Every provider of the pool, ACTIVE and DELETED, all pages: one bulk read per pool. */
  List<WorkloadIdentityPoolProvider> listProviders(String poolName) {
    List<WorkloadIdentityPoolProvider> providers = new ArrayList<>();
    String pageToken = null;
    do {
      String token = pageToken;
      ListWorkloadIdentityPoolProvidersResponse page =
          call(
              "providers.list",
              () ->
                  iam()
                      .projects()
                      .locations()
                      .workloadIdentityPools()
                      .providers()
                      .list(poolName)
                      .setShowDeleted(true)
                      .setPageSize(PAGE_SIZE)
                      .setPageToken(token)
                      .execute());
      if (page.getWorkloadIdentityPoolProviders() != null) {
        providers.addAll(page.getWorkloadIdentityPoolProviders());
      }
      pageToken = page.getNextPageToken();
    } while (pageToken != null && !pageToken.isEmpty());
    return providers;
  }

  Optional<WorkloadIdentityPoolProvider> getProvider(String name) {
    return absentIfNotFound(
        () ->
            call(
                "providers.get",
                () ->
                    iam()
                        .projects()
                        .locations()
                        .workloadIdentityPools()
                        .providers()
                        .get(name)
                        .execute()));
  }

  WorkloadIdentityPoolProvider createProvider(
      String poolName, String providerId, WorkloadIdentityPoolProvider provider) {
    Operation operation =
        call(
            "providers.create",
            () ->
                iam()
                    .projects()
                    .locations()
                    .workloadIdentityPools()
                    .providers()
                    .create(poolName, provider)
                    .setWorkloadIdentityPoolProviderId(providerId)
                    .execute());
    return result(
        await("creating provider " + poolName + "/providers/" + providerId, operation),
        WorkloadIdentityPoolProvider.class);
  }

  WorkloadIdentityPoolProvider patchProvider(
      String name, WorkloadIdentityPoolProvider body, String updateMask) {
    Operation operation =
        call(
            "providers.patch",
            () ->
                iam()
                    .projects()
                    .locations()
                    .workloadIdentityPools()
                    .providers()
                    .patch(name, body)
                    .setUpdateMask(updateMask)
                    .execute());
    return result(
        await("patching provider " + name, operation), WorkloadIdentityPoolProvider.class);
  }

  WorkloadIdentityPoolProvider undeleteProvider(String name) {
    Operation operation =
        call(
            "providers.undelete",
            () ->
                iam()
                    .projects()
                    .locations()
                    .workloadIdentityPools()
                    .providers()
                    .undelete(name, new UndeleteWorkloadIdentityPoolProviderRequest())
                    .execute());
    return result(
        await("undeleting provider " + name, operation), WorkloadIdentityPoolProvider.class);
  }

  void deleteProvider(String name) {
    Operation operation =
        call(
            "providers.delete",
            () ->
                iam()
                    .projects()
                    .locations()
                    .workloadIdentityPools()
                    .providers()
                    .delete(name)
                    .execute());
    await("deleting provider " + name, operation);
  }

  // ---------------------------------------------------------------------- service-account IAM

  /** Every service account of the project ({@code projects/PROJECT_ID}), all pages. */
  List<ServiceAccount> listServiceAccounts(String project) {
    List<ServiceAccount> accounts = new ArrayList<>();
    String pageToken = null;
    do {
      String token = pageToken;
      ListServiceAccountsResponse page =
          call(
              "serviceAccounts.list",
              () ->
                  iam()
                      .projects()
                      .serviceAccounts()
                      .list(project)
                      .setPageSize(PAGE_SIZE)
                      .setPageToken(token)
                      .execute());
      if (page.getAccounts() != null) {
        accounts.addAll(page.getAccounts());
      }
      pageToken = page.getNextPageToken();
    } while (pageToken != null && !pageToken.isEmpty());
    return accounts;
  }

  /** The policy at version 3, so conditional bindings of others come back intact. */
  Policy getIamPolicy(String serviceAccountResource) {
    return call(
        "serviceAccounts.getIamPolicy",
        () ->
            iam()
                .projects()
                .serviceAccounts()
                .getIamPolicy(serviceAccountResource)
                .setOptionsRequestedPolicyVersion(PolicyMembers.POLICY_VERSION)
                .execute());
  }

  /** Writes the policy; its etag makes a concurrent change fail with 409 ABORTED. */
  Policy setIamPolicy(String serviceAccountResource, Policy policy) {
    return call(
        "serviceAccounts.setIamPolicy",
        () ->
            iam()
                .projects()
                .serviceAccounts()
                .setIamPolicy(serviceAccountResource, new SetIamPolicyRequest().setPolicy(policy))
                .execute());
  }

  // -------------------------------------------------------------------------------- operations

  /**
   * Polls an operation until it is done: waits start at pollInitial and double up to pollMax, each
   * spread like every retry ({@link RetryPolicy#spread}), within operationTimeout. An error inside
   * the operation becomes a typed failure; an operation still running at the deadline becomes
   * {@link GcpFailure#stillRunning}.
   */
  private Operation await(String what, Operation operation) {
    long deadline = System.nanoTime() + settings.operationTimeout().toNanos();
    Duration wait = settings.pollInitial();
    Operation current = operation;
    while (!Boolean.TRUE.equals(current.getDone())) {
      Duration jittered = RetryPolicy.spread(wait);
      if (System.nanoTime() + jittered.toNanos() > deadline) {
        throw GcpFailure.stillRunning(
            what
                + " is still running after "
                + settings.operationTimeout().toSeconds()
                + " s (operation "
                + current.getName()
                + "); looking again later");
      }
      try {
        sleeper.sleep(jittered);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new GcpFailure(
            CloudReason.Transient, RpcStatus.CANCELLED, "interrupted while " + what);
      }
      String name = current.getName();
      current = call("operations.get", () -> getOperation(name));
      wait = min(wait.multipliedBy(2), settings.pollMax());
    }
    if (current.getError() != null) {
      throw GcpFailure.ofOperation(
          what, current.getError().getCode(), current.getError().getMessage());
    }
    return current;
  }

  private Operation getOperation(String name) throws IOException {
    var pools = iam().projects().locations().workloadIdentityPools();
    return name.contains("/providers/")
        ? pools.providers().operations().get(name).execute()
        : pools.operations().get(name).execute();
  }

  private static <T> T result(Operation operation, Class<T> type) {
    Map<String, Object> response = operation.getResponse();
    if (response == null) {
      return null;
    }
    try {
      return JSON.fromString(JSON.toString(response), type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  // ------------------------------------------------------------------------------------ calls

  private <T> T call(String operation, SdkCall<T> sdkCall) {
    try {
      return calls.call(
          operation,
          () -> {
            try {
              return sdkCall.execute();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (UncheckedIOException e) {
      throw GcpFailure.of(operation, e.getCause());
    } catch (GcpFailure e) {
      throw e;
    } catch (RuntimeException e) {
      throw GcpFailure.of(operation, e);
    }
  }

  private static <T> Optional<T> absentIfNotFound(java.util.function.Supplier<T> read) {
    try {
      return Optional.ofNullable(read.get());
    } catch (GcpFailure e) {
      if (e.status() == RpcStatus.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  // ----------------------------------------------------------------------------------- client

  private Iam iam() {
    Iam current = client;
    if (current == null) {
      synchronized (this) {
        current = client;
        if (current == null) {
          current = buildClient(settings, this::attribute);
          client = current;
        }
      }
    }
    return current;
  }

  /** Appends the thread's identity, if any, to the User-Agent the SDK gave the request. */
  private void attribute(AbstractGoogleClientRequest<?> request) {
    Attribution who = caller.get();
    if (who != null) {
      HttpHeaders headers = request.getRequestHeaders();
      String agent = headers.getUserAgent();
      headers.setUserAgent(
          agent == null ? who.userAgentToken() : agent + " " + who.userAgentToken());
    }
  }

  static Iam buildClient(GcpSettings settings, GoogleClientRequestInitializer perRequest) {
    HttpRequestInitializer credentials = credentials(settings);
    int timeout = (int) settings.requestTimeout().toMillis();
    HttpRequestInitializer initializer =
        request -> {
          credentials.initialize(request);
          request.setConnectTimeout(timeout);
          request.setReadTimeout(timeout);
        };
    return new Iam.Builder(new NetHttpTransport.Builder().build(), JSON, initializer)
        .setRootUrl(settings.rootUrl())
        .setServicePath("")
        .setApplicationName("cifederation-operator")
        .setGoogleClientRequestInitializer(perRequest)
        .build();
  }

  private static HttpRequestInitializer credentials(GcpSettings settings) {
    if (settings.accessToken().isPresent()) {
      // a static token cannot be refreshed: set the header ourselves instead of letting
      // google-auth try (and fail) to refresh it on a 401
      String header = "Bearer " + settings.accessToken().get();
      return request -> request.getHeaders().setAuthorization(header);
    }
    try {
      GoogleCredentials adc =
          GoogleCredentials.getApplicationDefault().createScoped(List.of(CLOUD_PLATFORM_SCOPE));
      return new HttpCredentialsAdapter(adc);
    } catch (IOException e) {
      throw new GcpFailure(
          CloudReason.Unauthorized,
          RpcStatus.UNAUTHENTICATED,
          "no GCP credentials: application-default credentials are not available ("
              + e.getMessage()
              + "); use GKE workload identity, GOOGLE_APPLICATION_CREDENTIALS, or "
              + GcpSettings.TOKEN_VARIABLE
              + " for local use");
    }
  }
}
