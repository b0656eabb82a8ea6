package dev.cifederation.operator.testsupport;

import dev.cifederation.operator.api.v1alpha1.AwsIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.AzureIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIIssuerSpec;
import dev.cifederation.operator.api.v1alpha1.GcpIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.GitHubClaim;
import dev.cifederation.operator.api.v1alpha1.IssuerAudiences;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.SubjectSelector;
import dev.cifederation.operator.api.v1alpha1.SubjectTemplate;
import dev.cifederation.operator.trust.IssuerInfo;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Specs as users write them, built in code so each test shows only what it varies: what the trust
 * compiler, evaluators and lint read. For whole resources from YAML see {@link Fixtures}.
 */
public final class Specs {

  public static final String NAMESPACE = "team-a";
  public static final String NAME = "deploy";

  private Specs() {}

  public static IssuerInfo gitHub() {
    return issuer("https://token.actions.githubusercontent.com", IssuerDialect.GitHub, null);
  }

  public static IssuerInfo gitLab() {
    return issuer("https://gitlab.com", IssuerDialect.GitLab, null);
  }

  public static IssuerInfo issuer(String url, IssuerDialect dialect, IssuerAudiences audiences) {
    CIIssuerSpec spec = new CIIssuerSpec();
    spec.setUrl(url);
    spec.setDialect(dialect);
    spec.setAudiences(audiences);
    return IssuerInfo.from(spec);
  }

  /** A spec for my-org/my-app with the given selector and no cloud blocks. */
  public static CIFederatedIdentitySpec spec(Consumer<SubjectSelector> selector) {
    return spec("my-org/my-app", selector);
  }

  public static CIFederatedIdentitySpec spec(
      String repository, Consumer<SubjectSelector> selector) {
    CIFederatedIdentitySpec spec = new CIFederatedIdentitySpec();
    spec.setIssuerRef("github");
    spec.setRepository(repository);
    SubjectSelector subject = new SubjectSelector();
    selector.accept(subject);
    spec.setSubject(subject);
    return spec;
  }

  /** The repository's GitHub subject template: these include_claim_keys. */
  public static CIFederatedIdentitySpec withTemplate(CIFederatedIdentitySpec spec, String... keys) {
    SubjectTemplate template = new SubjectTemplate();
    template.setIncludeClaimKeys(Arrays.stream(keys).map(GitHubClaim::valueOf).toList());
    spec.setSubjectTemplate(template);
    return spec;
  }

  public static CIFederatedIdentitySpec withAws(CIFederatedIdentitySpec spec) {
    spec.setAws(aws());
    return spec;
  }

  public static CIFederatedIdentitySpec withAllClouds(CIFederatedIdentitySpec spec) {
    spec.setAws(aws());
    spec.setGcp(gcp());
    spec.setAzure(azure());
    return spec;
  }

  public static AwsIdentitySpec aws() {
    AwsIdentitySpec aws = new AwsIdentitySpec();
    aws.setAccountId("123456789012");
    return aws;
  }

  public static GcpIdentitySpec gcp() {
    GcpIdentitySpec gcp = new GcpIdentitySpec();
    gcp.setProjectId("my-project");
    gcp.setProjectNumber("123456789012");
    gcp.setServiceAccount("ci-deployer@my-project.iam.gserviceaccount.com");
    return gcp;
  }

  public static AzureIdentitySpec azure() {
    AzureIdentitySpec azure = new AzureIdentitySpec();
    azure.setSubscriptionId("00000000-0000-0000-0000-000000000000");
    azure.setResourceGroup("my-rg");
    azure.setLocation("eastus");
    return azure;
  }
}
