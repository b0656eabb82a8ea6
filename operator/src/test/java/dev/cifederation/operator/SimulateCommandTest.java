package dev.cifederation.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.testsupport.Cli;
import dev.cifederation.operator.testsupport.Repository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code simulate} through picocli, on the examples users read: the guide's Expected Behaviour
 * table for a CR, a raw org-wide trust policy, and every way the input can be wrong (exit 2).
 */
class SimulateCommandTest {

  private static final Path EXAMPLES = Repository.root().resolve("examples");
  private static final String ISSUER = example("issuer-github.yaml");

  @TempDir Path temp;

  private final Cli cli = new Cli();

  private static String example(String name) {
    return EXAMPLES.resolve(name).toString();
  }

  private static String claims(String name) {
    return EXAMPLES.resolve("claims").resolve(name).toString();
  }

  private int simulate(String... args) {
    return cli.run("simulate", args);
  }

  @Test
  void productionTokenOfTheNamedRepositoryIsAdmitted() {
    int exit =
        simulate(
            "--claims", claims("github-production.json"),
            "--identity", example("github-aws-production.yaml"),
            "--issuer", ISSUER);

    assertThat(exit).as(cli.err()).isZero();
    assertThat(cli.out())
        .startsWith(
            "who can assume (spec): AWS: GitHub Actions jobs of my-org/my-app in environment"
                + " production\n")
        .contains("AWS    admitted  allowed by statement 1");
  }

  @Test
  void forkPullRequestAndSideBranchAreRefusedWithTheReason() {
    int fork =
        simulate(
            "--claims", claims("github-fork-pull-request.json"),
            "--identity", example("github-aws-production.yaml"),
            "--issuer", ISSUER);
    String forkOut = cli.out();
    cli.clear();
    int side =
        simulate(
            "--claims", claims("github-side-branch.json"),
            "--identity", example("github-aws-production.yaml"),
            "--issuer", ISSUER);

    assertThat(fork).isEqualTo(1);
    assertThat(forkOut)
        .contains(
            "AWS    refused   statement 1: StringEquals token.actions.githubusercontent.com:sub:"
                + " the token's sub 'repo:my-org/my-app:pull_request' does not equal"
                + " 'repo:my-org/my-app:environment:production'");
    assertThat(side).isEqualTo(1);
    assertThat(cli.out()).contains("'repo:my-org/my-app:ref:refs/heads/feature-x' does not equal");
  }

  @Test
  void eachCloudAudienceLetsOneClaimsFileTestEveryCloud() {
    int withoutFlag =
        simulate(
            "--claims", claims("github-production.json"),
            "--identity", example("github-gcp.yaml"),
            "--issuer", ISSUER);
    String refused = cli.out();
    cli.clear();
    int withFlag =
        simulate(
            "--claims",
            claims("github-production.json"),
            "--identity",
            example("github-gcp.yaml"),
            "--issuer",
            ISSUER,
            "--each-cloud-audience");

    assertThat(withoutFlag).isEqualTo(1);
    assertThat(refused).contains("GCP    refused   the token's audience sts.amazonaws.com is not");
    assertThat(withFlag).as(cli.out()).isZero();
    assertThat(cli.out()).contains("GCP    admitted  the provider accepts the token");
  }

  @Test
  void anotherAudienceIsRefused() throws IOException {
    Path token = temp.resolve("claims.json");
    Files.writeString(
        token,
        Files.readString(Path.of(claims("github-production.json")))
            .replace("\"sts.amazonaws.com\"", "\"https://example.com/other\""));

    int exit =
        simulate(
            "--claims", token.toString(),
            "--identity", example("github-aws-production.yaml"),
            "--issuer", ISSUER);

    assertThat(exit).isEqualTo(1);
    assertThat(cli.out())
        .contains("the token's aud 'https://example.com/other' does not equal 'sts.amazonaws.com'");
  }

  @Test
  void rawOrgWideTrustPolicyLetsTheForkIn() {
    int exit =
        simulate(
            "--claims", claims("github-fork-pull-request.json"),
            "--aws-trust-policy", claims("org-wide-trust-policy.json"));

    assertThat(exit).isZero();
    assertThat(cli.out())
        .contains("the token's sub 'repo:my-org/my-app:pull_request' does match 'repo:my-org/*'");
  }

  @Test
  void roleArnPinsTheProvidersAccount() {
    int exit =
        simulate(
            "--claims", claims("github-production.json"),
            "--aws-trust-policy", claims("org-wide-trust-policy.json"),
            "--role-arn", "arn:aws:iam::999999999999:role/deploy");

    assertThat(exit).isEqualTo(1);
    assertThat(cli.out())
        .contains(
            "no Allow statement trusts arn:aws:iam::999999999999:oidc-provider/"
                + "token.actions.githubusercontent.com");
  }

  @Test
  void issuerInTheIdentityFileAndARawJwtAreRead() throws IOException {
    Path identity = temp.resolve("both.yaml");
    Files.writeString(
        identity,
        Files.readString(Path.of(ISSUER))
            + "\n---\n"
            + Files.readString(Path.of(example("github-azure.yaml"))));
    String payload = Files.readString(Path.of(claims("github-production.json")));
    Path jwt = temp.resolve("token.jwt");
    Files.writeString(
        jwt,
        "eyJhbGciOiJSUzI1NiJ9."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8))
            + ".c2lnbmF0dXJl\n");

    int exit =
        simulate(
            "--claims", jwt.toString(), "--identity", identity.toString(), "--each-cloud-audience");

    assertThat(exit).as(cli.out() + " " + cli.err()).isZero();
    assertThat(cli.out()).doesNotContain("issuer: none given").contains("Azure  admitted");
  }

  @Test
  void withoutAnIssuerTheTokensIssIsAssumedAndSaid() {
    int exit =
        simulate(
            "--claims", claims("github-production.json"),
            "--identity", example("github-aws-production.yaml"));

    assertThat(exit).isZero();
    assertThat(cli.out())
        .startsWith(
            "issuer: none given, assuming the token's iss"
                + " https://token.actions.githubusercontent.com (GitHub)");
  }

  @Test
  void tokensOfTheOtherCiSystemsAreJudgedByTheirIdentities() {
    assertThat(
            simulate(
                "--claims", claims("circleci-job.json"),
                "--identity", example("circleci-aws.yaml"),
                "--issuer", example("issuer-circleci.yaml")))
        .as(cli.out() + cli.err())
        .isZero();
    assertThat(cli.out()).contains("AWS    admitted");

    // the HCP Terraform file's first identity is the apply phase: a plan token is refused
    assertThat(
            simulate(
                "--claims", claims("hcp-terraform-plan.json"),
                "--identity", example("hcp-terraform-aws.yaml"),
                "--issuer", example("issuer-hcp-terraform.yaml")))
        .isEqualTo(1);
    assertThat(cli.out())
        .contains("AWS    refused")
        .contains("run_phase:plan")
        .contains("run_phase:apply");
  }

  @Test
  void withoutAnIssuerTheDialectIsRecognisedFromTheToken() {
    int exit =
        simulate(
            "--claims", claims("buildkite-main.json"),
            "--identity", example("buildkite-aws.yaml"));

    assertThat(exit).as(cli.out() + cli.err()).isZero();
    assertThat(cli.out())
        .startsWith(
            "issuer: none given, assuming the token's iss https://agent.buildkite.com (Buildkite)");
  }

  @Test
  void cloudSelectsOneCloudOfTheIdentity() {
    int exit =
        simulate(
            "--claims",
            claims("github-production.json"),
            "--identity",
            example("github-all-clouds.yaml"),
            "--issuer",
            ISSUER,
            "--cloud",
            "azure");

    assertThat(exit).isEqualTo(1);
    assertThat(cli.out())
        .contains("Azure  refused")
        .doesNotContain("AWS    ")
        .doesNotContain("GCP    ");
  }

  @Test
  void usageAndInputErrorsExitTwoAndSayWhat() throws IOException {
    Path notJson = temp.resolve("bad.json");
    Files.writeString(notJson, "[1, 2]");
    Path gitLabEnvironment = temp.resolve("gitlab-env.yaml");
    Files.writeString(
        gitLabEnvironment, Files.readString(Path.of(example("github-aws-production.yaml"))));

    assertThat(simulate("--claims", claims("github-production.json"))).isEqualTo(2);
    assertThat(cli.err())
        .contains("give exactly one of --identity FILE or --aws-trust-policy FILE");

    assertThat(simulate("--identity", example("github-aws-production.yaml"))).isEqualTo(2);
    assertThat(cli.err()).contains("Missing required option: '--claims=FILE'");

    assertThat(
            simulate(
                "--claims", notJson.toString(),
                "--identity", example("github-aws-production.yaml")))
        .isEqualTo(2);
    assertThat(cli.err()).contains("bad.json: claims must be a JSON object");

    assertThat(
            simulate(
                "--claims", temp.resolve("missing.json").toString(),
                "--identity", example("github-aws-production.yaml")))
        .isEqualTo(2);
    assertThat(cli.err()).contains("cannot read").contains("missing.json");

    assertThat(
            simulate(
                "--claims", claims("github-production.json"),
                "--identity", example("github-aws-production.yaml"),
                "--cloud", "oracle"))
        .isEqualTo(2);
    assertThat(cli.err()).contains("--cloud must be aws, gcp or azure, not 'oracle'");

    assertThat(
            simulate(
                "--claims", claims("github-production.json"),
                "--identity", gitLabEnvironment.toString(),
                "--issuer", example("issuer-gitlab.yaml")))
        .isEqualTo(2);
    assertThat(cli.err())
        .contains("spec.subject.environment cannot be expressed for a GitLab issuer");

    assertThat(simulate("--claims", claims("github-production.json"), "--identity", ISSUER))
        .isEqualTo(2);
    assertThat(cli.err()).contains("no document of kind CIFederatedIdentity");
  }
}
