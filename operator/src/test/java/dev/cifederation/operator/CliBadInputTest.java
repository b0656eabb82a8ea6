package dev.cifederation.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cifederation.operator.testsupport.Cli;
import dev.cifederation.operator.testsupport.Cli.Run;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * {@code lint} and {@code simulate} on bad input, as a user meets it: whatever the file holds, the
 * exit code is one the help names and stderr holds lines naming the file — never a stack trace. The
 * {@code @Example}s are inputs that once crashed.
 */
class CliBadInputTest {

  private static Path dir;

  @BeforeContainer
  static void directory() throws IOException {
    dir = Files.createTempDirectory("cli-bad-input");
  }

  @AfterContainer
  static void clean() throws IOException {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static Run run(String... args) {
    return Cli.once(args);
  }

  private static Path write(String name, String content) {
    try {
      return Files.writeString(dir.resolve(name), content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void assertClean(Run run, Path file, List<Integer> codes) {
    assertThat(run.code()).as(run.err()).isIn(codes);
    assertThat(run.err())
        .as("no stack trace")
        .doesNotContain("\tat ")
        .doesNotContain("Exception in")
        .doesNotContain("Caused by");
    for (String line : run.err().lines().toList()) {
      assertThat(line)
          .as("every error line names the file or the command")
          .containsAnyOf(file.getFileName().toString(), "simulate:", "lint:");
    }
  }

  // ------------------------------------------------------------------ regression examples

  @Example
  void anIdentityWithoutSpecIsOneLineAndExitTwo() {
    Path file =
        write(
            "no-spec.yaml",
            "apiVersion: cifederation.dev/v1alpha1\nkind: CIFederatedIdentity\nmetadata: {name: x}\n");
    Run run = run("lint", file.toString());
    assertThat(run.code()).isEqualTo(LintCommand.BAD_INPUT);
    assertThat(run.err().lines()).hasSize(1);
    assertThat(run.err()).contains("no-spec.yaml").contains("has no spec");
  }

  @Example
  void anIdentityWithoutMetadataIsOneLineAndExitTwo() {
    Path file =
        write(
            "no-metadata.yaml",
            "kind: CIFederatedIdentity\nspec: {issuerRef: github, repository: a/b}\n");
    Run run = run("lint", file.toString());
    assertThat(run.code()).isEqualTo(LintCommand.BAD_INPUT);
    assertThat(run.err()).contains("no-metadata.yaml").contains("metadata.name");
  }

  @Example
  void anIssuerWithoutSpecIsOneLineAndExitTwo() {
    Path file = write("issuer.yaml", "kind: CIIssuer\nmetadata: {name: github}\n");
    Run run = run("lint", file.toString());
    assertThat(run.code()).isEqualTo(LintCommand.BAD_INPUT);
    assertClean(run, file, List.of(2));
  }

  @Example
  void deeplyNestedJsonIsRefusedNotRecursedInto() {
    Path file = write("deep.json", "{\"Statement\": " + "[".repeat(5000) + "]".repeat(5000) + "}");
    Run run = run("lint", file.toString());
    assertClean(run, file, List.of(2));
  }

  @Example
  void aHostileInlinePolicyIsAFindingOrAnErrorNotAStackOverflow() {
    Path file =
        write(
            "stars.yaml",
            """
            apiVersion: cifederation.dev/v1alpha1
            kind: CIFederatedIdentity
            metadata: {name: stars, namespace: team-a}
            spec:
              issuerRef: github
              repository: my-org/my-app
              subject: {environment: production}
              aws:
                accountId: "123456789012"
                inlinePolicy:
                  Version: "2012-10-17"
                  Statement: [{Effect: Allow, Action: "i%s", Resource: "*"}]
            """
                .formatted("*".repeat(200_000)));
    Run run = run("lint", file.toString());
    assertClean(run, file, List.of(2));
    assertThat(run.err()).contains("spec.aws.inlinePolicy");
  }

  // ------------------------------------------------------------------------- properties

  @Property(tries = 300)
  void lintNeverPrintsAStackTrace(@ForAll("documents") String content) {
    Path file = write("fuzz.yaml", content);
    assertClean(run("lint", file.toString()), file, List.of(0, 1, 2));
  }

  @Property(tries = 200)
  void simulateNeverPrintsAStackTrace(
      @ForAll("documents") String identity, @ForAll("claims") String claims) {
    Path identityFile = write("identity.yaml", identity);
    Path claimsFile = write("claims.json", claims);
    Run run =
        run("simulate", "--claims", claimsFile.toString(), "--identity", identityFile.toString());
    assertThat(run.code()).as(run.err()).isIn(0, 1, 2);
    assertThat(run.err()).doesNotContain("\tat ").doesNotContain("Caused by");
  }

  @Provide
  Arbitrary<String> documents() {
    Arbitrary<String> spec =
        Arbitraries.of(
            "",
            "spec: {}\n",
            "spec: null\n",
            "spec: []\n",
            "spec: {issuerRef: github}\n",
            "spec: {issuerRef: github, repository: my-org/my-app}\n",
            "spec: {issuerRef: github, repository: my-org/my-app, subject: {}}\n",
            "spec: {issuerRef: github, repository: my-org/my-app, subject: {environment: prod}}\n",
            "spec: {issuerRef: github, repository: '*', subject: {branch: '*'}, aws: {}}\n",
            "spec: {issuerRef: github, repository: a/b, subject: {tag: v*}, gcp: {}}\n",
            "spec: {issuerRef: github, repository: a/b, subject: {environment: e}, aws: {accountId: 1,"
                + " inlinePolicy: {Statement: [{Action: 5}]}}}\n",
            "spec: {issuerRef: github, repository: a/b, subject: {environment: e}, azure: {roleAssignments: [{}]}}\n",
            "spec: {issuerRef: github, repository: a/b, subject: {environment: e}, gcp: {projectId: x,"
                + " projectNumber: y}}\n",
            "spec: {repository: a/b, subject: {pullRequest: true}, aws: {accountId: '123456789012',"
                + " managedPolicyArns: [null, 7]}}\n");
    Arbitrary<String> kind =
        Arbitraries.of(
            "kind: CIFederatedIdentity\n",
            "kind: CIIssuer\n",
            "kind: Something\n",
            "",
            "kind: [CIFederatedIdentity]\n");
    Arbitrary<String> metadata =
        Arbitraries.of("metadata: {name: x}\n", "metadata: {}\n", "", "metadata: 3\n");
    Arbitrary<String> structured =
        net.jqwik.api.Combinators.combine(kind, metadata, spec).as((k, m, s) -> k + m + s);
    Arbitrary<String> raw = Arbitraries.strings().ofMaxLength(200);
    Arbitrary<String> json =
        Arbitraries.of(
            "{}",
            "{\"Statement\": null}",
            "{\"Statement\": [1, \"x\", null]}",
            "{\"Statement\": {\"Effect\": \"Allow\", \"Condition\": []}}",
            "{\"Role\": {\"AssumeRolePolicyDocument\": \"%7B\"}}",
            "{\"Role\": {\"AssumeRolePolicyDocument\": 5}}",
            "{",
            "[]");
    return Arbitraries.oneOf(structured, structured, raw, json);
  }

  @Provide
  Arbitrary<String> claims() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "{}",
            "[]",
            "null",
            "{\"sub\": 5, \"aud\": [], \"iss\": null}",
            "{\"sub\": \"repo:my-org/my-app:environment:prod\", \"aud\": \"sts.amazonaws.com\"}",
            "not json"),
        Arbitraries.strings().ofMaxLength(100));
  }
}
