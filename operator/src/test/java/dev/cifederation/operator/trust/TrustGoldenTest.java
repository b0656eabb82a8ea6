package dev.cifederation.operator.trust;

import static dev.cifederation.operator.trust.Fixtures.NAME;
import static dev.cifederation.operator.trust.Fixtures.NAMESPACE;
import static dev.cifederation.operator.trust.Fixtures.gitHub;
import static dev.cifederation.operator.trust.Fixtures.gitLab;
import static dev.cifederation.operator.trust.Fixtures.spec;
import static dev.cifederation.operator.trust.Fixtures.withAllClouds;
import static dev.cifederation.operator.trust.Fixtures.withAws;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.IssuerAudiences;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.SubjectSelector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One golden per dialect and selector: everything the compiler derives from a spec, in one JSON
 * document per case, so a review of a golden diff shows exactly how trust changes.
 */
class TrustGoldenTest {

  private final TrustCompiler compiler = new TrustCompiler();

  record Case(String name, IssuerInfo issuer, CIFederatedIdentitySpec spec) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Case> cases() {
    return List.of(
        new Case(
            "github-environment",
            gitHub(),
            withAllClouds(spec(s -> s.setEnvironment("production")))),
        new Case("github-branch", gitHub(), withAllClouds(spec(s -> s.setBranch("main")))),
        new Case("github-tag", gitHub(), withAllClouds(spec(s -> s.setTag("v1.2.3")))),
        // Patterns exist for AWS only: GCP and Azure blocks would be rejected.
        new Case("github-tag-pattern", gitHub(), withAws(spec(s -> s.setTag("v*")))),
        new Case("github-branch-pattern", gitHub(), withAws(spec(s -> s.setBranch("release/*")))),
        new Case(
            "github-workflow-ref",
            gitHub(),
            withAllClouds(
                spec(
                    s ->
                        s.setWorkflowRef(
                            "my-org/my-app/.github/workflows/deploy.yml@refs/heads/main")))),
        new Case("github-pull-request", gitHub(), withAllClouds(spec(s -> s.setPullRequest(true)))),
        new Case(
            "github-immutable-ids",
            gitHub(),
            withImmutableIds(withAllClouds(spec(s -> s.setEnvironment("production"))))),
        new Case(
            "gitlab-branch",
            gitLab(),
            issuerRef("gitlab", withAllClouds(spec(s -> s.setBranch("main"))))),
        // Self-managed GitLab under a path, with every audience overridden.
        new Case(
            "gitlab-tag",
            selfManagedGitLab(),
            issuerRef(
                "gitlab-self-managed",
                withAllClouds(spec("my-group/sub-group/my-app", s -> s.setTag("v1.2.3"))))));
  }

  /** The CIIssuer the spec names: it decides the default GCP pool (one per issuer). */
  private static CIFederatedIdentitySpec issuerRef(String name, CIFederatedIdentitySpec spec) {
    spec.setIssuerRef(name);
    return spec;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void compilesAsInTheGolden(Case testCase) throws Exception {
    CompiledTrust trust = compiler.compile(testCase.issuer(), NAMESPACE, NAME, testCase.spec());
    Goldens.assertMatches(
        testCase.name() + ".json", TrustJson.pretty(document(testCase, trust)) + "\n");
  }

  @Test
  void everyGoldenBelongsToACase() throws IOException {
    List<String> expected =
        Stream.concat(cases().stream().map(c -> c.name() + ".json"), Stream.of("guide"))
            .sorted()
            .toList();
    try (Stream<Path> files = Files.list(Goldens.DIR)) {
      assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
          .as("stale or unexpected files in %s", Goldens.DIR)
          .isEqualTo(expected);
    }
  }

  /** The guide's GitHub → AWS example, byte for byte (the guide file has a final newline). */
  @Test
  void guideGitHubTrustPolicyVerbatim() throws Exception {
    CompiledTrust trust =
        compiler.compile(
            gitHub(), NAMESPACE, NAME, withAws(spec(s -> s.setEnvironment("production"))));

    assertThat(trust.aws().trustPolicyJson() + "\n")
        .isEqualTo(Goldens.readVerbatim("guide/github-aws-trust-policy.json"));
  }

  /** The guide's GitLab → AWS example: the subject and the condition block, byte for byte. */
  @Test
  void guideGitLabSubjectAndConditionVerbatim() throws Exception {
    CompiledTrust trust =
        compiler.compile(gitLab(), NAMESPACE, NAME, withAws(spec(s -> s.setBranch("main"))));

    assertThat(trust.subject()).isEqualTo("project_path:my-org/my-app:ref_type:branch:ref:main");
    ObjectNode condition = (ObjectNode) trust.aws().trustPolicy().at("/Statement/0/Condition");
    assertThat(TrustJson.pretty(condition) + "\n")
        .isEqualTo(Goldens.readVerbatim("guide/gitlab-aws-condition.json"));
  }

  private static CIFederatedIdentitySpec withImmutableIds(CIFederatedIdentitySpec spec) {
    spec.setRepositoryId("123456");
    spec.setOwnerId("7890");
    return spec;
  }

  private static IssuerInfo selfManagedGitLab() {
    IssuerAudiences audiences = new IssuerAudiences();
    audiences.setAws("gitlab-aws");
    audiences.setGcp("https://gitlab.example.com/gitlab");
    audiences.setAzure("api://gitlab-example");
    return Fixtures.issuer("https://gitlab.example.com/gitlab", IssuerDialect.GitLab, audiences);
  }

  private static ObjectNode document(Case testCase, CompiledTrust trust) {
    ObjectNode document = JsonNodeFactory.instance.objectNode();
    document.set("input", input(testCase));
    document.put("subject", trust.subject());
    document.put("subjectIsPattern", trust.subjectIsPattern());
    document.put("whoCanAssume", trust.whoCanAssume());
    document.set("aws", trust.aws() == null ? null : aws(trust.aws()));
    document.set("gcp", trust.gcp() == null ? null : gcp(trust.gcp()));
    document.set("azure", trust.azure() == null ? null : azure(trust.azure()));
    return document;
  }

  private static ObjectNode input(Case testCase) {
    ObjectNode input = JsonNodeFactory.instance.objectNode();
    IssuerInfo issuer = testCase.issuer();
    input.put("issuerRef", testCase.spec().getIssuerRef());
    input.put("issuer", issuer.url());
    input.put("dialect", issuer.dialect().name());
    input.put("namespace", NAMESPACE);
    input.put("name", NAME);
    CIFederatedIdentitySpec spec = testCase.spec();
    input.put("repository", spec.getRepository());
    if (spec.getRepositoryId() != null) {
      input.put("repositoryId", spec.getRepositoryId());
      input.put("ownerId", spec.getOwnerId());
    }
    SubjectSelector selector = spec.getSubject();
    ObjectNode subject = input.putObject("subject");
    switch (selector.kind()) {
      case environment -> subject.put("environment", selector.getEnvironment());
      case branch -> subject.put("branch", selector.getBranch());
      case tag -> subject.put("tag", selector.getTag());
      case workflowRef -> subject.put("workflowRef", selector.getWorkflowRef());
      case pullRequest -> subject.put("pullRequest", true);
    }
    return input;
  }

  private static ObjectNode aws(AwsTrust aws) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("accountId", aws.accountId());
    node.put("roleName", aws.roleName());
    node.put("providerArn", aws.providerArn());
    node.put("providerUrl", aws.providerUrl());
    node.put("audience", aws.audience());
    node.put("maxSessionDuration", aws.maxSessionDuration().toString());
    node.set("trustPolicy", aws.trustPolicy());
    return node;
  }

  private static ObjectNode gcp(GcpTrust gcp) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("projectId", gcp.projectId());
    node.put("projectNumber", gcp.projectNumber());
    node.put("poolId", gcp.poolId());
    node.put("providerId", gcp.providerId());
    node.put("providerName", gcp.providerName());
    node.put("issuerUri", gcp.issuerUri());
    gcp.allowedAudiences().forEach(node.putArray("allowedAudiences")::add);
    ObjectNode mapping = node.putObject("attributeMapping");
    gcp.attributeMapping().forEach(mapping::put);
    node.put("attributeCondition", gcp.attributeCondition());
    node.put("principal", gcp.principal());
    node.put("audience", gcp.audience());
    node.put("serviceAccount", gcp.serviceAccount());
    return node;
  }

  private static ObjectNode azure(AzureTrust azure) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("subscriptionId", azure.subscriptionId());
    node.put("resourceGroup", azure.resourceGroup());
    node.put("identityName", azure.identityName());
    node.put("credentialName", azure.credentialName());
    node.put("issuer", azure.issuer());
    node.put("subject", azure.subject());
    azure.audiences().forEach(node.putArray("audiences")::add);
    return node;
  }
}
