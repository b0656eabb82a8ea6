package dev.cifederation.fakes.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fake checked by a client nobody here wrote: the installed Google Cloud CLI, pointed at the
 * fake with {@code api_endpoint_overrides/iam} and authenticated with an access-token file, runs
 * the guide's GCP commands. Offline: gcloud needs no network for this. Skipped where gcloud is not
 * installed. One scenario, in order (each gcloud run takes a second or two).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GcloudAgainstFakeIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SA = "ci-deployer@my-project.iam.gserviceaccount.com";
  private static final String ROLE = "roles/iam.workloadIdentityUser";
  private static final String POOL =
      "projects/123456789012/locations/global/workloadIdentityPools/github-pool";
  private static final String PROVIDER = POOL + "/providers/github-provider";
  private static final String PRINCIPAL =
      "principal://iam.googleapis.com/"
          + POOL
          + "/subject/repo:my-org/my-app:environment:production";

  @TempDir static Path config;
  private static FakeGcpIam fake;
  private static Path tokenFile;

  record Run(int exitCode, String stdout, String stderr) {
    JsonNode json() {
      try {
        return JSON.readTree(stdout);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(gcloudOnPath(), "gcloud is not installed");
    fake =
        FakeGcpIam.builder()
            .token("gcloud-test-token")
            .project("my-project", "123456789012")
            .serviceAccount(SA)
            // gcloud does not poll these operations: they must be done by the next command
            .completeAfter(Duration.ofMillis(100))
            .start();
    tokenFile = config.resolve("token");
    Files.writeString(tokenFile, fake.token());
  }

  @AfterAll
  static void stop() {
    if (fake != null) {
      fake.close();
    }
  }

  @Test
  @Order(1)
  void createsAndDescribesThePool() {
    Run created =
        gcloud(
            "iam",
            "workload-identity-pools",
            "create",
            "github-pool",
            "--location=global",
            "--display-name=GitHub Actions Pool");
    assertThat(created.exitCode()).as(created.stderr()).isZero();

    Run described =
        gcloud(
            "iam",
            "workload-identity-pools",
            "describe",
            "github-pool",
            "--location=global",
            "--format=json");

    assertThat(described.exitCode()).as(described.stderr()).isZero();
    assertThat(described.json().path("name").asText()).isEqualTo(POOL);
    assertThat(described.json().path("state").asText()).isEqualTo("ACTIVE");
    assertThat(described.json().path("displayName").asText()).isEqualTo("GitHub Actions Pool");
  }

  @Test
  @Order(2)
  void refusesAGitHubProviderWithoutAClaimCondition() {
    Run refused = createOidc(null);

    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.stderr()).contains("INVALID_ARGUMENT").contains("must reference");
  }

  @Test
  @Order(3)
  void createsUpdatesAndListsTheProviderAsTheGuideDoes() {
    Run created =
        createOidc("attribute.repository=='my-org/my-app' && attribute.environment=='production'");
    assertThat(created.exitCode()).as(created.stderr()).isZero();

    Run updated =
        gcloud(
            "iam",
            "workload-identity-pools",
            "providers",
            "update-oidc",
            "github-provider",
            "--location=global",
            "--workload-identity-pool=github-pool",
            "--attribute-condition=attribute.repository=='my-org/my-app'");
    assertThat(updated.exitCode()).as(updated.stderr()).isZero();
    pause();

    JsonNode provider =
        gcloud(
                "iam",
                "workload-identity-pools",
                "providers",
                "describe",
                "github-provider",
                "--location=global",
                "--workload-identity-pool=github-pool",
                "--format=json")
            .json();
    assertThat(provider.path("name").asText()).isEqualTo(PROVIDER);
    assertThat(provider.path("attributeCondition").asText())
        .isEqualTo("attribute.repository=='my-org/my-app'");
    assertThat(provider.path("attributeMapping").path("attribute.environment").asText())
        .isEqualTo("assertion.environment");
    assertThat(provider.path("oidc").path("issuerUri").asText())
        .isEqualTo("https://token.actions.githubusercontent.com");
    assertThat(fake.requests())
        .anySatisfy(
            r -> {
              assertThat(r.method()).isEqualTo("PATCH");
              assertThat(r.query()).containsEntry("updateMask", "attributeCondition");
            });

    Run list =
        gcloud(
            "iam",
            "workload-identity-pools",
            "providers",
            "list",
            "--location=global",
            "--workload-identity-pool=github-pool",
            "--format=value(name)");
    assertThat(list.stdout().strip()).isEqualTo(PROVIDER);
  }

  @Test
  @Order(4)
  void deleteIsSoftAndUndeleteRestores() {
    Run deleted =
        gcloud(
            "iam",
            "workload-identity-pools",
            "providers",
            "delete",
            "github-provider",
            "--location=global",
            "--workload-identity-pool=github-pool",
            "--quiet");
    assertThat(deleted.exitCode()).as(deleted.stderr()).isZero();
    pause();
    assertThat(fake.state().provider(PROVIDER).orElseThrow().path("state").asText())
        .isEqualTo("DELETED");

    Run recreated = createOidc("attribute.repository=='my-org/my-app'");
    assertThat(recreated.exitCode()).isNotZero();
    assertThat(recreated.stderr()).contains("ALREADY_EXISTS");

    Run undeleted =
        gcloud(
            "iam",
            "workload-identity-pools",
            "providers",
            "undelete",
            "github-provider",
            "--location=global",
            "--workload-identity-pool=github-pool");
    assertThat(undeleted.exitCode()).as(undeleted.stderr()).isZero();
    pause();
    assertThat(fake.state().provider(PROVIDER).orElseThrow().path("state").asText())
        .isEqualTo("ACTIVE");
  }

  @Test
  @Order(5)
  void bindsAndUnbindsOnTheServiceAccountKeepingOtherMembers() {
    Run bound = binding("add-iam-policy-binding", PRINCIPAL);
    assertThat(bound.exitCode()).as(bound.stderr()).isZero();
    assertThat(binding("add-iam-policy-binding", "user:alice@example.com").exitCode()).isZero();

    Run unbound = binding("remove-iam-policy-binding", "user:alice@example.com");

    assertThat(unbound.exitCode()).as(unbound.stderr()).isZero();
    assertThat(fake.state().members(SA, ROLE)).containsExactly(PRINCIPAL);
    Run policy = gcloud("iam", "service-accounts", "get-iam-policy", SA, "--format=json");
    assertThat(policy.json().path("bindings").get(0).path("members").get(0).asText())
        .isEqualTo(PRINCIPAL);
    assertThat(fake.requests())
        .filteredOn(r -> r.path().endsWith(":getIamPolicy"))
        .allSatisfy(
            r -> assertThat(r.query()).containsEntry("options.requestedPolicyVersion", "3"));
  }

  @Test
  @Order(6)
  void aConcurrentPolicyChangeIsAnAbortedConflictAndNothingIsLost() {
    fake.faults()
        .beforeNextSetIamPolicy(() -> fake.state().addMember(SA, ROLE, "user:bob@example.com"));

    Run run = binding("add-iam-policy-binding", "user:carol@example.com");

    // gcloud (528) does not retry a declarative add-iam-policy-binding: it reports the conflict
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.stderr()).contains("ABORTED").contains("concurrent policy changes");
    assertThat(fake.state().members(SA, ROLE))
        .containsExactlyInAnyOrder(PRINCIPAL, "user:bob@example.com");
  }

  // ---------------------------------------------------------------------------------- helpers

  private static Run createOidc(String condition) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "iam",
                "workload-identity-pools",
                "providers",
                "create-oidc",
                "github-provider",
                "--location=global",
                "--workload-identity-pool=github-pool",
                "--issuer-uri=https://token.actions.githubusercontent.com",
                "--attribute-mapping=google.subject=assertion.sub,"
                    + "attribute.repository=assertion.repository,"
                    + "attribute.environment=assertion.environment"));
    if (condition != null) {
      args.add("--attribute-condition=" + condition);
    }
    Run run = gcloud(args.toArray(String[]::new));
    pause();
    return run;
  }

  private static Run binding(String verb, String member) {
    return gcloud(
        "iam",
        "service-accounts",
        verb,
        SA,
        "--role=" + ROLE,
        "--member=" + member,
        "--format=json");
  }

  /** Lets the operation of the previous command complete (gcloud does not poll it). */
  private static void pause() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Run gcloud(String... args) {
    List<String> command = new ArrayList<>();
    command.add("gcloud");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.put("CLOUDSDK_CONFIG", config.resolve("gcloud").toString());
    env.put("CLOUDSDK_API_ENDPOINT_OVERRIDES_IAM", fake.baseUrl());
    env.put("CLOUDSDK_AUTH_ACCESS_TOKEN_FILE", tokenFile.toString());
    env.put("CLOUDSDK_CORE_PROJECT", "my-project");
    env.put("CLOUDSDK_CORE_DISABLE_USAGE_REPORTING", "true");
    env.put("CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK", "true");
    env.put("CLOUDSDK_CORE_DISABLE_PROMPTS", "true");
    try {
      Path out = Files.createTempFile(config, "out", ".txt");
      Path err = Files.createTempFile(config, "err", ".txt");
      Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      process.getOutputStream().close();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("gcloud timed out: " + command);
      }
      return new Run(
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static boolean gcloudOnPath() {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "gcloud"))) {
        return true;
      }
    }
    return false;
  }
}
