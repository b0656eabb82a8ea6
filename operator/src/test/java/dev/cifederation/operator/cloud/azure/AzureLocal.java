package dev.cifederation.operator.cloud.azure;

import dev.cifederation.fakes.azure.ArmState;
import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.cloud.RetryPolicy;
import dev.cifederation.operator.trust.LiveTrust;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Azure for tests outside this package: the fake ARM over HTTPS, the operator's adapter on it, and
 * the federated credentials an identity holds, in the claims evaluator's terms.
 */
public final class AzureLocal implements AutoCloseable {

  public static final String SUBSCRIPTION = ArmFixture.SUBSCRIPTION;
  public static final String GROUP = ArmFixture.GROUP;

  private final ArmFixture arm = ArmFixture.start(o -> o);

  public CloudReconciler adapter(String clusterName, MeterRegistry registry) {
    return AzureCloudReconciler.create(
        arm.settings(),
        clusterName,
        Duration.ofSeconds(5),
        RetryPolicy.forResync(Duration.ofSeconds(5)),
        registry,
        Clock.systemUTC(),
        new ArmRetry.Policy(4, Duration.ofMillis(100), Duration.ofSeconds(5)),
        d -> Thread.sleep(d.toMillis()));
  }

  public Optional<ArmState.Identity> identity(String name) {
    return arm.state().identity(SUBSCRIPTION, GROUP, name);
  }

  /** Every federated credential the identity holds now. */
  public LiveTrust.Azure liveTrust(String identityName) {
    ArmState.Identity identity = identity(identityName).orElseThrow();
    return new LiveTrust.Azure(
        identity.id(),
        arm.state().credentials(SUBSCRIPTION, GROUP, identityName).stream()
            .map(
                c ->
                    new LiveTrust.FederatedCredential(
                        c.name(), c.issuer(), c.subject(), c.audiences()))
            .toList());
  }

  @Override
  public void close() {
    arm.close();
  }
}
