package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.cloud.Attribution;
import dev.cifederation.operator.observe.CloudCalls;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ApiName;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * One {@link IamGateway} per AWS account, built on first use: with the base credentials (the
 * default chain, or what the tests pass), or, when {@code CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE} is
 * set, with a role assumed in that account. Every client has the same explicit retry policy:
 * exponential backoff with full jitter, a longer base for throttling.
 *
 * <p>Attribution: the writes made for an identity carry its label ({@link Attribution}) as a
 * User-Agent product, which CloudTrail records as {@code userAgent}. With a role to assume they
 * also run in a session of their own, named by the label, which CloudTrail records in {@code
 * userIdentity.arn} ({@code assumed-role/<role>/cifed.<namespace>.<name>}): an AssumeRole per
 * identity that writes, reused for an hour by its later writes, while reads and issuer upkeep keep
 * the shared session {@value #SESSION_NAME}. Without a role to assume the session name is not the
 * operator's to choose, and the User-Agent is all that names the identity.
 */
final class IamAccounts implements AutoCloseable {

  static final String SESSION_NAME = "cifederation-operator";

  /**
   * Write sessions kept: writes are rare (creation, a spec change, drift), so the identities
   * written recently fit; an evicted one assumes the role again on its next write.
   */
  static final int WRITE_SESSIONS = 256;

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(30);

  private final AwsSettings settings;
  private final AwsCredentialsProvider baseCredentials;
  private final CloudCalls calls;
  private final Clock clock;
  private final Map<String, IamGateway> gateways = new ConcurrentHashMap<>();
  private final Map<String, SdkAutoCloseable> assumedCredentials = new ConcurrentHashMap<>();
  private final Map<WriteSession, StsAssumeRoleCredentialsProvider> writeSessions =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(
            Map.Entry<WriteSession, StsAssumeRoleCredentialsProvider> eldest) {
          // refreshed synchronously, so an evicted provider holds no thread: nothing to close
          return size() > WRITE_SESSIONS;
        }
      };
  private volatile StsClient baseSts;

  IamAccounts(
      AwsSettings settings, AwsCredentialsProvider baseCredentials, CloudCalls calls, Clock clock) {
    this.settings = settings;
    this.baseCredentials = baseCredentials;
    this.calls = calls;
    this.clock = clock;
  }

  /** The account's gateway, its credentials checked to act in that account. */
  IamGateway gateway(String accountId) {
    IamGateway gateway = gateways.computeIfAbsent(accountId, this::build);
    gateway.verifyAccount();
    return gateway;
  }

  /**
   * The account's gateway whose writes are made for {@code who}: its User-Agent product always, and
   * its own role session when the operator assumes a role in the account.
   */
  IamGateway gateway(String accountId, Attribution who) {
    IamGateway shared = gateway(accountId);
    ApiName product =
        ApiName.builder().name(Attribution.USER_AGENT_PRODUCT).version(who.label()).build();
    Optional<AwsCredentialsProvider> session =
        settings
            .assumeRoleArn(accountId)
            .map(role -> writeSession(new WriteSession(role, who.label())));
    return shared.attributedTo(
        o -> {
          o.addApiName(product);
          session.ifPresent(o::credentialsProvider);
        });
  }

  /** A role and the session name its writes for one identity run under. */
  record WriteSession(String roleArn, String sessionName) {}

  /**
   * Credentials of the write session, assumed on the first write that resolves them (a pass that
   * writes nothing costs no AssumeRole) and then cached and refreshed by the SDK's provider.
   */
  private AwsCredentialsProvider writeSession(WriteSession key) {
    return () -> writeSessionProvider(key).resolveCredentials();
  }

  private StsAssumeRoleCredentialsProvider writeSessionProvider(WriteSession key) {
    synchronized (writeSessions) {
      return writeSessions.computeIfAbsent(
          key,
          k ->
              StsAssumeRoleCredentialsProvider.builder()
                  .stsClient(baseSts())
                  .refreshRequest(r -> r.roleArn(k.roleArn()).roleSessionName(k.sessionName()))
                  .build());
    }
  }

  private IamGateway build(String accountId) {
    AwsCredentialsProvider credentials =
        settings.assumeRoleArn(accountId).map(this::assumedRole).orElse(baseCredentials);
    if (credentials instanceof SdkAutoCloseable closeable) {
      assumedCredentials.put(accountId, closeable);
    }
    return new IamGateway(
        accountId, credentials, iamClient(credentials), stsClient(credentials), calls, clock);
  }

  private AwsCredentialsProvider assumedRole(String roleArn) {
    return StsAssumeRoleCredentialsProvider.builder()
        .stsClient(baseSts())
        .refreshRequest(r -> r.roleArn(roleArn).roleSessionName(SESSION_NAME))
        .build();
  }

  private synchronized StsClient baseSts() {
    if (baseSts == null) {
      baseSts = stsClient(baseCredentials);
    }
    return baseSts;
  }

  private IamClient iamClient(AwsCredentialsProvider credentials) {
    var builder =
        IamClient.builder()
            .credentialsProvider(credentials)
            .httpClientBuilder(httpClient())
            .overrideConfiguration(overrides())
            // IAM is global; an emulator or a proxy is signed for us-east-1, where IAM lives
            .region(settings.iamEndpoint().isPresent() ? Region.US_EAST_1 : Region.AWS_GLOBAL);
    settings.iamEndpoint().ifPresent(builder::endpointOverride);
    return builder.build();
  }

  private StsClient stsClient(AwsCredentialsProvider credentials) {
    var builder =
        StsClient.builder()
            .credentialsProvider(credentials)
            .httpClientBuilder(httpClient())
            .overrideConfiguration(overrides())
            .region(Region.of(settings.stsRegion()));
    settings.stsEndpoint().ifPresent(builder::endpointOverride);
    return builder.build();
  }

  private static UrlConnectionHttpClient.Builder httpClient() {
    return UrlConnectionHttpClient.builder()
        .connectionTimeout(CONNECT_TIMEOUT)
        .socketTimeout(SOCKET_TIMEOUT);
  }

  private ClientOverrideConfiguration overrides() {
    return ClientOverrideConfiguration.builder()
        .retryStrategy(retryStrategy(settings))
        .apiCallAttemptTimeout(ATTEMPT_TIMEOUT)
        .build();
  }

  /**
   * The SDK's standard strategy (it knows AWS's throttling codes, 5xx and connection errors),
   * configured explicitly: attempts, and exponential backoff with full jitter for both kinds.
   */
  static RetryStrategy retryStrategy(AwsSettings settings) {
    return AwsRetryStrategy.standardRetryStrategy().toBuilder()
        .maxAttempts(settings.maxAttempts())
        .backoffStrategy(
            BackoffStrategy.exponentialDelay(settings.baseDelay(), settings.maxBackoff()))
        .throttlingBackoffStrategy(
            BackoffStrategy.exponentialDelay(settings.throttlingBaseDelay(), settings.maxBackoff()))
        .build();
  }

  @Override
  public void close() {
    gateways.values().forEach(IamGateway::close);
    assumedCredentials.values().forEach(SdkAutoCloseable::close);
    if (baseSts != null) {
      baseSts.close();
    }
  }
}
