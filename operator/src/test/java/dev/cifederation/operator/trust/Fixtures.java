package dev.cifederation.operator.trust;

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
import java.util.Arrays;
import java.util.function.Consumer;

/** Specs as users write them, built in code so each test shows only what it varies. */
final class Fixtures {

  static final String NAMESPACE = "team-a";
  static final String NAME = "deploy";

  private Fixtures() {}

  static IssuerInfo gitHub() {
    return issuer("https://token.actions.githubusercontent.com", IssuerDialect.GitHub, null);
  }

  static IssuerInfo gitLab() {
    return issuer("https://gitlab.com", IssuerDialect.GitLab, null);
  }

  static IssuerInfo issuer(String url, IssuerDialect dialect, IssuerAudiences audiences) {
    CIIssuerSpec spec = new CIIssuerSpec();
    spec.setUrl(url);
    spec.setDialect(dialect);
    spec.setAudiences(audiences);
    return IssuerInfo.from(spec);
  }

  /** A spec for my-org/my-app with the given selector and no cloud blocks. */
  static CIFederatedIdentitySpec spec(Consumer<SubjectSelector> selector) {
    return spec("my-org/my-app", selector);
  }

  static CIFederatedIdentitySpec spec(String repository, Consumer<SubjectSelector> selector) {
    CIFederatedIdentitySpec spec = new CIFederatedIdentitySpec();
    spec.setIssuerRef("github");
    spec.setRepository(repository);
    SubjectSelector subject = new SubjectSelector();
    selector.accept(subject);
    spec.setSubject(subject);
    return spec;
  }

  /** The repository's GitHub subject template: these include_claim_keys. */
  static CIFederatedIdentitySpec withTemplate(CIFederatedIdentitySpec spec, String... keys) {
    SubjectTemplate template = new SubjectTemplate();
    template.setIncludeClaimKeys(Arrays.stream(keys).map(GitHubClaim::valueOf).toList());
    spec.setSubjectTemplate(template);
    return spec;
  }

  static CIFederatedIdentitySpec withAws(CIFederatedIdentitySpec spec) {
    spec.setAws(aws());
    return spec;
  }

  static CIFederatedIdentitySpec withAllClouds(CIFederatedIdentitySpec spec) {
    spec.setAws(aws());
    spec.setGcp(gcp());
    spec.setAzure(azure());
    return spec;
  }

  static AwsIdentitySpec aws() {
    AwsIdentitySpec aws = new AwsIdentitySpec();
    aws.setAccountId("123456789012");
    return aws;
  }

  static GcpIdentitySpec gcp() {
    GcpIdentitySpec gcp = new GcpIdentitySpec();
    gcp.setProjectId("my-project");
    gcp.setProjectNumber("123456789012");
    gcp.setServiceAccount("ci-deployer@my-project.iam.gserviceaccount.com");
    return gcp;
  }

  static AzureIdentitySpec azure() {
    AzureIdentitySpec azure = new AzureIdentitySpec();
    azure.setSubscriptionId("00000000-0000-0000-0000-000000000000");
    azure.setResourceGroup("my-rg");
    azure.setLocation("eastus");
    return azure;
  }
}
