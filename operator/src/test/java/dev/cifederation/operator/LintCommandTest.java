package dev.cifederation.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.testsupport.Cli;
import dev.cifederation.operator.testsupport.Repository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lint} through picocli, as a user runs it: output, and the exit code CI checks. */
class LintCommandTest {

  private static final Path EXAMPLES = Repository.root().resolve("examples");
  @TempDir Path dir;
  private final Cli cli = new Cli();

  private int lint(String... args) {
    return cli.run("lint", args);
  }

  @Test
  void theExamplesAreClean() {
    int code =
        lint(
            EXAMPLES.resolve("issuer-github.yaml").toString(),
            EXAMPLES.resolve("issuer-gitlab.yaml").toString(),
            EXAMPLES.resolve("github-all-clouds.yaml").toString(),
            EXAMPLES.resolve("gitlab-aws-main.yaml").toString());
    assertThat(cli.err()).isEmpty();
    assertThat(cli.out()).contains("0 finding(s)");
    assertThat(code).isZero();
  }

  @Test
  void anOrgWideTrustPolicyFailsWithTheRuleAndTheFix() throws IOException {
    Path policy =
        write(
            "trust.json",
            """
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
              "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
              "Action": "sts:AssumeRoleWithWebIdentity",
              "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": ["repo:my-org/my-app:ref:refs/heads/main", "repo:*/*"]}}}]}
            """);

    assertThat(lint(policy.toString())).isEqualTo(LintCommand.FINDINGS);
    assertThat(cli.out())
        .contains("Critical WildcardSubject [AWS]")
        .contains("repo:*/*")
        .contains("High MissingAudience")
        .contains("Fix: ");
  }

  @Test
  void theThresholdDecidesTheExitCode() throws IOException {
    // a get-role answer whose only problem is a Low one: StringLike without a wildcard
    Path role =
        write(
            "role.json",
            """
            {"Role": {"Arn": "arn:aws:iam::123456789012:role/deploy", "AssumeRolePolicyDocument":
              {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                  "StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/my-app:environment:production"}}}]}}}
            """);

    assertThat(lint(role.toString())).isEqualTo(LintCommand.FINDINGS);
    assertThat(cli.out()).contains("arn:aws:iam::123456789012:role/deploy: Low UnneededStringLike");
    assertThat(lint("--fail-on", "Medium", role.toString())).isZero();
  }

  @Test
  void aPullRequestIdentityIsFlaggedAsCompiled() throws IOException {
    Path identity =
        write(
            "pr.yaml",
            """
            apiVersion: cifederation.dev/v1alpha1
            kind: CIFederatedIdentity
            metadata: {name: pr, namespace: team-a}
            spec:
              issuerRef: github
              repository: my-org/my-app
              subject: {pullRequest: true}
              aws: {accountId: "123456789012", maxSessionDuration: 4h}
            """);

    assertThat(lint("--max-session-duration", "1h", identity.toString()))
        .isEqualTo(LintCommand.FINDINGS);
    assertThat(cli.out())
        .contains("team-a/pr: High PullRequestSubject [Spec]")
        .contains("Medium SessionDurationAbovePolicy [Spec]");
  }

  private static final String NAME_BASED_ROLE =
      """
      {"Role": {"Arn": "arn:aws:iam::123456789012:role/adopted", "AssumeRolePolicyDocument":
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
          "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
          "Action": "sts:AssumeRoleWithWebIdentity",
          "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:my-org/my-app:environment:production"}}}]}}}
      """;

  @Test
  void aTrustPolicyIsHeldAgainstTheSubjectFormatItsIssuerDeclares() throws IOException {
    Path role = write("role.json", NAME_BASED_ROLE);
    Path issuer =
        write(
            "issuer.yaml",
            """
            apiVersion: cifederation.dev/v1alpha1
            kind: CIIssuer
            metadata: {name: github}
            spec:
              url: https://token.actions.githubusercontent.com
              dialect: GitHub
              subjectTemplate: {format: ImmutableIds}
            """);

    assertThat(lint(role.toString())).as("nothing declared: either format").isZero();
    cli.clear();

    assertThat(lint(issuer.toString(), role.toString())).isEqualTo(LintCommand.FINDINGS);
    assertThat(cli.out())
        .contains("arn:aws:iam::123456789012:role/adopted: High SubjectTemplateMismatch [AWS]")
        .contains("in the ImmutableIds format");
    cli.clear();

    assertThat(lint("--subject-format", "ImmutableIds", role.toString()))
        .isEqualTo(LintCommand.FINDINGS);
    assertThat(cli.out()).contains("High SubjectTemplateMismatch [AWS]");
    cli.clear();

    assertThat(lint("--subject-claims", "repo,job_workflow_ref", role.toString()))
        .as("a template without context: no token's sub names an environment")
        .isEqualTo(LintCommand.FINDINGS);
    assertThat(cli.out()).contains("[repo, job_workflow_ref]");
  }

  @Test
  void subjectOptionsDescribeGitHubOnly() throws IOException {
    Path role = write("role.json", NAME_BASED_ROLE);
    assertThat(lint("--dialect", "GitLab", "--subject-format", "Names", role.toString()))
        .isEqualTo(LintCommand.BAD_INPUT);
    assertThat(cli.err()).contains("--dialect GitHub");
  }

  @Test
  void aJenkinsPullRequestJobIsFlaggedThroughItsIssuer() throws IOException {
    Path identity =
        write(
            "pr.yaml",
            """
            apiVersion: cifederation.dev/v1alpha1
            kind: CIFederatedIdentity
            metadata: {name: pr-5, namespace: team-a}
            spec:
              issuerRef: jenkins
              repository: platform/deploy-app
              subject: {branch: PR-5}
              aws: {accountId: "123456789012"}
            """);

    assertThat(lint(EXAMPLES.resolve("issuer-jenkins.yaml").toString(), identity.toString()))
        .isEqualTo(LintCommand.FINDINGS);
    assertThat(cli.out()).contains("team-a/pr-5: High UntrustedTrigger [Spec]");
  }

  @Test
  void unreadableInputIsExitCodeTwo() throws IOException {
    Path broken = write("broken.json", "{\"Statement\": [");
    assertThat(lint(broken.toString())).isEqualTo(LintCommand.BAD_INPUT);
    assertThat(cli.err()).contains("broken.json");
  }

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }
}
