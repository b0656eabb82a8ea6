package dev.cifederation.operator.cloud.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.HttpPipelineSyncPolicy;
import com.azure.core.http.policy.RequestIdPolicy;
import com.azure.core.http.policy.UserAgentPolicy;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.http.policy.ArmChallengeAuthenticationPolicy;
import com.azure.identity.DefaultAzureCredentialBuilder;
import dev.cifederation.operator.cloud.Attribution;
import dev.cifederation.operator.issuer.TrustAnchors;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLException;

/**
 * The HTTP side of the adapter: one Netty client (with extra trust anchors when configured), one
 * pipeline with the credential, and the ARM environment pointing at the configured endpoint. No
 * retry policy in the pipeline: {@link ArmRetry} retries, so that each attempt is counted.
 */
final class ArmPipeline {

  /** The {@link com.azure.core.util.Context} key of the identity a call is made for. */
  static final String ATTRIBUTION_KEY = "cifederation-attribution";

  private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(30);
  // the token audience of Azure Resource Manager, whatever endpoint serves it
  private static final String ARM_SCOPE = "https://management.azure.com/.default";

  private ArmPipeline() {}

  static HttpPipeline build(AzureSettings settings) {
    List<HttpPipelinePolicy> policies = new ArrayList<>();
    policies.add(new UserAgentPolicy("cifederation-operator"));
    // before RequestIdPolicy, which keeps a client request ID that is already set
    policies.add(new AttributionPolicy());
    policies.add(new RequestIdPolicy());
    policies.add(
        settings
            .accessToken()
            .<HttpPipelinePolicy>map(StaticBearerPolicy::new)
            .orElseGet(
                () ->
                    new ArmChallengeAuthenticationPolicy(defaultCredential(settings), ARM_SCOPE)));
    return new HttpPipelineBuilder()
        .httpClient(httpClient(settings))
        .policies(policies.toArray(HttpPipelinePolicy[]::new))
        .build();
  }

  /** Azure's public cloud, with the Resource Manager endpoint replaced when configured. */
  static AzureEnvironment environment(AzureSettings settings) {
    if (settings.armEndpoint().isEmpty()) {
      return AzureEnvironment.AZURE;
    }
    Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
    URI endpoint = settings.armEndpoint().get();
    // like Azure's own "https://management.azure.com/": the SDK then sends "//subscriptions/…"
    String url = endpoint.toString().endsWith("/") ? endpoint.toString() : endpoint + "/";
    endpoints.put("resourceManagerEndpointUrl", url);
    return new AzureEnvironment(endpoints);
  }

  private static TokenCredential defaultCredential(AzureSettings settings) {
    DefaultAzureCredentialBuilder builder = new DefaultAzureCredentialBuilder();
    settings.tenantId().ifPresent(builder::tenantId);
    return builder.build();
  }

  private static HttpClient httpClient(AzureSettings settings) {
    reactor.netty.http.client.HttpClient netty = reactor.netty.http.client.HttpClient.create();
    if (settings.caFile().isPresent()) {
      SslContext ssl = sslContext(settings);
      netty = netty.secure(spec -> spec.sslContext(ssl));
    }
    return new NettyAsyncHttpClientBuilder(netty)
        .responseTimeout(RESPONSE_TIMEOUT)
        .readTimeout(RESPONSE_TIMEOUT)
        .build();
  }

  /** The JDK's trust anchors plus those of {@code CIFED_AZURE_CA_FILE}. */
  private static SslContext sslContext(AzureSettings settings) {
    TrustAnchors anchors = TrustAnchors.withFile(AzureSettings.CA_FILE, settings.caFile());
    try {
      return SslContextBuilder.forClient().trustManager(anchors.trustManagers()).build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build the Azure client's TLS context", e);
    }
  }

  /**
   * The {@code x-ms-client-request-id} of a call made for {@code who}: a GUID, as ARM expects,
   * whose first 16 hex digits are the identity's {@link Attribution#digest()} and the rest random,
   * one per request. The Activity Log keeps it ({@code httpRequest.clientRequestId}) where it keeps
   * no User-Agent, so a change there leads to the identity by its prefix.
   */
  static String clientRequestId(Attribution who) {
    String digest = who.digest();
    String random = UUID.randomUUID().toString().replace("-", "").substring(16);
    return digest.substring(0, 8)
        + "-"
        + digest.substring(8, 12)
        + "-"
        + digest.substring(12, 16)
        + "-"
        + random.substring(0, 4)
        + "-"
        + random.substring(4);
  }

  /**
   * Marks a request whose context names an identity: {@code cifed-identity/<label>} appended to the
   * User-Agent, and a client request ID that leads to it (see {@link #clientRequestId}).
   */
  private static final class AttributionPolicy extends HttpPipelineSyncPolicy {
    @Override
    protected void beforeSendingRequest(HttpPipelineCallContext context) {
      context
          .getData(ATTRIBUTION_KEY)
          .filter(Attribution.class::isInstance)
          .map(Attribution.class::cast)
          .ifPresent(
              who -> {
                HttpHeaders headers = context.getHttpRequest().getHeaders();
                String agent = headers.getValue(HttpHeaderName.USER_AGENT);
                headers.set(
                    HttpHeaderName.USER_AGENT,
                    agent == null ? who.userAgentToken() : agent + " " + who.userAgentToken());
                headers.set(HttpHeaderName.X_MS_CLIENT_REQUEST_ID, clientRequestId(who));
              });
    }
  }

  /** Sends {@code CIFED_AZURE_ACCESS_TOKEN} as the bearer token of every request. */
  private static final class StaticBearerPolicy implements HttpPipelinePolicy {
    private final String authorization;

    StaticBearerPolicy(String token) {
      this.authorization = "Bearer " + token;
    }

    @Override
    public reactor.core.publisher.Mono<com.azure.core.http.HttpResponse> process(
        com.azure.core.http.HttpPipelineCallContext context,
        com.azure.core.http.HttpPipelineNextPolicy next) {
      context.getHttpRequest().setHeader(HttpHeaderName.AUTHORIZATION, authorization);
      return next.process();
    }

    @Override
    public com.azure.core.http.HttpResponse processSync(
        com.azure.core.http.HttpPipelineCallContext context,
        com.azure.core.http.HttpPipelineNextSyncPolicy next) {
      context.getHttpRequest().setHeader(HttpHeaderName.AUTHORIZATION, authorization);
      return next.processSync();
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
      return HttpPipelinePosition.PER_RETRY;
    }
  }
}
