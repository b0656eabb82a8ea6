package dev.cifederation.operator.cloud.aws;

import dev.cifederation.operator.cloud.CloudReconciler;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * AWS for tests outside this package (several clouds at once): a moto_server, the operator's
 * adapter on it as the operator wires it, and reads of what IAM holds.
 */
public final class AwsLocal implements AutoCloseable {

  /** moto's account. */
  public static final String ACCOUNT = AwsCloudIT.ACCOUNT;

  private final MotoServer moto;
  private final IamClient iam;

  private AwsLocal(MotoServer moto) {
    this.moto = moto;
    this.iam = AwsTestSupport.iamClient(moto.endpoint(), AwsCloudIT.TEST_CREDENTIALS);
  }

  public static AwsLocal start() {
    return new AwsLocal(MotoServer.start());
  }

  /** The adapter of a cluster of that name, resyncing at that interval. */
  public CloudReconciler adapter(String clusterName, Duration resync, MeterRegistry registry) {
    return new AwsCloud(
        AwsTestSupport.operatorSettings(moto.endpoint()),
        AwsCloudIT.TEST_CREDENTIALS,
        ThumbprintSource.notRequired(),
        "/cifederation/",
        clusterName,
        AwsTestSupport.quickRetries(resync),
        registry,
        Clock.systemUTC());
  }

  public Optional<Role> role(String roleName) {
    try {
      return Optional.of(iam.getRole(r -> r.roleName(roleName)).role());
    } catch (NoSuchEntityException e) {
      return Optional.empty();
    }
  }

  /** The role's trust policy as IAM holds it, decoded. */
  public String trustPolicy(String roleName) {
    return URLDecoder.decode(
        role(roleName).orElseThrow().assumeRolePolicyDocument(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    iam.close();
    moto.close();
  }
}
