package dev.cifederation.bench;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.resourcemanager.authorization.fluent.RoleAssignmentsClient;
import com.azure.resourcemanager.authorization.fluent.RoleDefinitionsClient;
import com.azure.resourcemanager.msi.MsiManager;
import com.azure.resourcemanager.msi.fluent.FederatedIdentityCredentialsClient;
import com.azure.resourcemanager.msi.fluent.UserAssignedIdentitiesClient;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.services.iam.v1.Iam;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * The cloud SDK clients the operator uses (AWS SDK v2 IAM over the URL-connection client, Google's
 * IAM v1 client over NetHttpTransport, Azure's MSI and authorization clients over Netty), built the
 * way the operator builds them and pointed at one set of emulators. Every call made through {@link
 * #call} is counted by cloud and operation, with the operator's operation names.
 */
final class CloudClients implements AutoCloseable {

  final IamClient aws;
  final Iam gcp;
  final UserAssignedIdentitiesClient azureIdentities;
  final FederatedIdentityCredentialsClient azureCredentials;
  final RoleAssignmentsClient azureAssignments;
  final RoleDefinitionsClient azureDefinitions;
  private final Map<String, Map<String, LongAdder>> calls = new ConcurrentHashMap<>();

  CloudClients(Emulators clouds, Workload workload) {
    aws = workload.has("aws") ? aws(clouds) : null;
    gcp = workload.has("gcp") ? gcp(clouds) : null;
    if (workload.has("azure")) {
      MsiManager msi =
          MsiManager.authenticate(
              azurePipeline(clouds),
              new AzureProfile(null, Workload.AZURE_SUBSCRIPTION, azureEnvironment(clouds)));
      azureIdentities = msi.serviceClient().getUserAssignedIdentities();
      azureCredentials = msi.serviceClient().getFederatedIdentityCredentials();
      azureAssignments = msi.authorizationManager().roleServiceClient().getRoleAssignments();
      azureDefinitions = msi.authorizationManager().roleServiceClient().getRoleDefinitions();
    } else {
      azureIdentities = null;
      azureCredentials = null;
      azureAssignments = null;
      azureDefinitions = null;
    }
  }

  /** One counted SDK call. */
  <T> T call(String cloud, String operation, SdkCall<T> sdkCall) {
    calls
        .computeIfAbsent(cloud, c -> new ConcurrentHashMap<>())
        .computeIfAbsent(operation, o -> new LongAdder())
        .increment();
    try {
      return sdkCall.call();
    } catch (IOException e) {
      throw new IllegalStateException(cloud + " " + operation + " failed: " + e.getMessage(), e);
    }
  }

  /** Calls made so far, by cloud and operation. */
  Map<String, Map<String, Double>> calls() {
    Map<String, Map<String, Double>> result = new java.util.TreeMap<>();
    calls.forEach(
        (cloud, ops) -> {
          Map<String, Double> byOp = new java.util.TreeMap<>();
          ops.forEach((op, n) -> byOp.put(op, n.doubleValue()));
          result.put(cloud, byOp);
        });
    return result;
  }

  @FunctionalInterface
  interface SdkCall<T> {
    T call() throws IOException;
  }

  private static IamClient aws(Emulators clouds) {
    return IamClient.builder()
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
        .httpClientBuilder(
            UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(Duration.ofSeconds(30)))
        .overrideConfiguration(
            ClientOverrideConfiguration.builder()
                // moto answers some concurrent CreateRoles with a 500 (a race in its role list,
                // before the role is stored): retried like the operator retries them
                .retryStrategy(
                    AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(10).build())
                .apiCallAttemptTimeout(Duration.ofSeconds(30))
                .build())
        .region(Region.US_EAST_1)
        .endpointOverride(URI.create(clouds.awsEndpoint()))
        .build();
  }

  private static Iam gcp(Emulators clouds) {
    String header = "Bearer " + Emulators.TOKEN;
    return new Iam.Builder(
            new NetHttpTransport.Builder().build(),
            GsonFactory.getDefaultInstance(),
            request -> {
              request.getHeaders().setAuthorization(header);
              request.setConnectTimeout(30_000);
              request.setReadTimeout(30_000);
            })
        .setRootUrl(clouds.gcpEndpoint())
        .setServicePath("")
        .setApplicationName("cifederation-bench")
        .build();
  }

  private static AzureEnvironment azureEnvironment(Emulators clouds) {
    Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
    endpoints.put("resourceManagerEndpointUrl", clouds.azureEndpoint());
    return new AzureEnvironment(endpoints);
  }

  private static HttpPipeline azurePipeline(Emulators clouds) {
    reactor.netty.http.client.HttpClient netty =
        clouds.azureCa() == null
            ? reactor.netty.http.client.HttpClient.create()
            : reactor.netty.http.client.HttpClient.create()
                .secure(spec -> spec.sslContext(trusting(clouds)));
    String authorization = "Bearer " + Emulators.TOKEN;
    return new HttpPipelineBuilder()
        .httpClient(
            new NettyAsyncHttpClientBuilder(netty)
                .responseTimeout(Duration.ofSeconds(30))
                .readTimeout(Duration.ofSeconds(30))
                .build())
        .policies(
            (context, next) -> {
              context.getHttpRequest().setHeader(HttpHeaderName.AUTHORIZATION, authorization);
              return next.process();
            })
        .build();
  }

  /** Trusts the fake's self-signed certificate, as CIFED_AZURE_CA_FILE makes the operator do. */
  private static SslContext trusting(Emulators clouds) {
    try {
      return SslContextBuilder.forClient()
          .trustManager(TrustStores.trusting(clouds.azureCa()))
          .build();
    } catch (IOException e) {
      throw new IllegalStateException("cannot trust the Azure fake's certificate", e);
    }
  }

  @Override
  public void close() {
    if (aws != null) {
      aws.close();
    }
  }
}
