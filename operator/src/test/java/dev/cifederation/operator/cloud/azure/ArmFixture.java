package dev.cifederation.operator.cloud.azure;

import dev.cifederation.fakes.azure.ArmState;
import dev.cifederation.fakes.azure.FakeAzureArm;
import dev.cifederation.operator.cloud.RetryPolicy;
import dev.cifederation.operator.cloud.Sleeper;
import dev.cifederation.operator.config.OperatorConfig;
import dev.cifederation.operator.config.Variable;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The fake ARM over HTTPS with its certificate in a PEM file, and adapters configured for it the
 * way the operator configures itself from {@code CIFED_AZURE_*} (through {@link OperatorConfig}).
 */
final class ArmFixture implements AutoCloseable {

  static final String SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
  static final String GROUP = "my-rg";
  static final String GROUP_SCOPE = "/subscriptions/" + SUBSCRIPTION + "/resourceGroups/" + GROUP;
  static final String TOKEN = "fake-arm-token";
  static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

  /**
   * When the adapters under test retry a failed pass: the operator's policy with a resync long
   * enough not to cut its delays short, so that tests see them.
   */
  static final RetryPolicy RETRIES = RetryPolicy.forResync(Duration.ofMinutes(10));

  final FakeAzureArm fake;
  final Path caFile;

  private ArmFixture(FakeAzureArm fake, Path caFile) {
    this.fake = fake;
    this.caFile = caFile;
  }

  /** A fake whose new principals replicate slowly, so a missing principalType would fail. */
  static ArmFixture start(UnaryOperator<FakeAzureArm.Options> options) {
    FakeAzureArm fake =
        FakeAzureArm.start(
            options.apply(
                FakeAzureArm.Options.defaults(TOKEN)
                    .withHttps(true)
                    .withTenantId(TENANT)
                    .withPageSize(2)
                    .withPrincipalReplicationDelay(Duration.ofMinutes(10))));
    fake.state().addResourceGroup(SUBSCRIPTION, GROUP);
    try {
      Path ca = Files.createTempFile("fake-arm-", ".pem");
      ca.toFile().deleteOnExit();
      Files.writeString(ca, fake.certificatePem().orElseThrow());
      return new ArmFixture(fake, ca);
    } catch (IOException e) {
      fake.close();
      throw new UncheckedIOException(e);
    }
  }

  ArmState state() {
    return fake.state();
  }

  /** The configuration of an operator started with the environment that points it at this fake. */
  OperatorConfig config() {
    return OperatorConfig.fromEnvironment(
        Map.of(
            Variable.CIFED_CLUSTER_NAME.name(),
            "test-cluster",
            Variable.CIFED_AZURE_ARM_ENDPOINT.name(),
            fake.baseUrl() + "/",
            Variable.CIFED_AZURE_ACCESS_TOKEN.name(),
            TOKEN,
            Variable.CIFED_AZURE_TENANT_ID.name(),
            TENANT,
            Variable.CIFED_AZURE_CA_FILE.name(),
            caFile.toString()));
  }

  AzureSettings settings() {
    return AzureSettings.from(config().azure());
  }

  AzureSettings settingsWithToken(String token) {
    AzureSettings settings = settings();
    return new AzureSettings(
        settings.armEndpoint(), Optional.of(token), settings.tenantId(), settings.caFile());
  }

  AzureCloudReconciler adapter(
      AzureSettings settings, MeterRegistry registry, ArmRetry.Policy policy, Sleeper sleeper) {
    return AzureCloudReconciler.create(
        settings,
        "test-cluster",
        Duration.ofSeconds(10),
        RETRIES,
        registry,
        Clock.systemUTC(),
        policy,
        sleeper);
  }

  URI baseUri() {
    return URI.create(fake.baseUrl());
  }

  @Override
  public void close() {
    fake.close();
  }
}
