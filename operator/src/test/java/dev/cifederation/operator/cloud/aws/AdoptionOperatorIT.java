package dev.cifederation.operator.cloud.aws;

import static dev.cifederation.operator.testsupport.Conditions.condition;
import static dev.cifederation.operator.testsupport.Conditions.reason;
import static dev.cifederation.operator.testsupport.Fixtures.shortId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cifederation.operator.ImportCommand;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicy;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.api.v1alpha1.ManagementPolicy;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.TargetScan;
import dev.cifederation.operator.observe.CloudCalls;
import dev.cifederation.operator.reconcile.EventRecorder;
import dev.cifederation.operator.reconcile.IdentityReconciler;
import dev.cifederation.operator.testsupport.Events;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.KubeApiServerSupport;
import dev.cifederation.operator.testsupport.OperatorInTheLoop;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.junit.LocallyRunOperatorExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * Adoption without a gap with the operator in the loop (a real kube-apiserver, moto_server): a role
 * made by hand, described by a manifest under Observe in a namespace whose CIFederationPolicy
 * grants its adoption, is reported Observed with nothing written; switching the manifest to Enforce
 * writes the ownership tags once and leaves IAM's stored trust document as it was. Without the
 * grant, Enforce is a Conflict and writes nothing. A role made by hand, scanned and imported, is
 * Observed as the import wrote it once the grant it prints is applied.
 */
class AdoptionOperatorIT {

  private static final Duration RESYNC = Duration.ofSeconds(4);
  private static final String ACCOUNT = "123456789012";
  private static final KubeApiServerSupport API = KubeApiServerSupport.shared();
  private static final KubernetesClient CLIENT = API.newClient();
  private static final MotoServer MOTO = MotoServer.start();
  private static final IamClient ADMIN =
      AwsTestSupport.iamClient(MOTO.endpoint(), AwsCloudIT.TEST_CREDENTIALS);
  private static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();
  private static final AwsCloud AWS =
      new AwsCloud(
          AwsTestSupport.operatorSettings(MOTO.endpoint()),
          AwsCloudIT.TEST_CREDENTIALS,
          ThumbprintSource.notRequired(),
          "/cifederation/",
          "adopt-it",
          AwsTestSupport.quickRetries(RESYNC),
          REGISTRY,
          Clock.systemUTC());
  private static final OperatorInTheLoop LOOP = new OperatorInTheLoop(CLIENT);

  @RegisterExtension
  static final LocallyRunOperatorExtension OPERATOR =
      LOOP.extension(
          new IdentityReconciler(
              new TrustCompiler(),
              List.of(AWS),
              new EventRecorder(CLIENT, Clock.systemUTC()),
              Clock.systemUTC()),
          RESYNC);

  private static final String ID = shortId();
  private static final String GRANTED = "legacy-" + ID;
  private static final String NOT_GRANTED = "legacy-other-" + ID;
  private static final String IMPORTED = "legacy-imported-" + ID;

  /** Written by hand as Terraform users do: another key order, Action as a string. */
  private static final String HAND_MADE_TRUST =
      """
      {"Version": "2012-10-17", "Statement": [{
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::%s:oidc-provider/token.actions.githubusercontent.com"},
        "Condition": {"StringEquals": {
          "token.actions.githubusercontent.com:sub": "repo:my-org/my-app:environment:staging",
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}]}
      """
          .formatted(ACCOUNT);

  private static String deployPolicy;

  @BeforeAll
  static void grantAdoptionOfOneRole() throws Exception {
    LOOP.apply(Fixtures.gitHubIssuer("github"));
    deployPolicy = AwsTestSupport.createPolicy(ADMIN, "legacy-deploy");
    // the account's GitHub provider, as Terraform made it: shared by the roles, never written
    ADMIN.createOpenIDConnectProvider(
        r ->
            r.url("https://token.actions.githubusercontent.com")
                .clientIDList("sts.amazonaws.com")
                .thumbprintList("6938fd4d98bab03faadb97b34396831e3780aea1"));
    // before any pass reads the account: a role created since a cached read is first tried as a
    // creation (IAM refuses it), which would count as a write attempt
    seedRole(NOT_GRANTED, AwsCloudIT.widenedTrustFor(null));
    seedRole(IMPORTED, HAND_MADE_TRUST);
    // the granted one with exactly the trust its manifest compiles to, as a person writes it
    String handWritten =
        new ObjectMapper()
            .writerWithDefaultPrettyPrinter()
            .writeValueAsString(
                LOOP.compile(identity("adopted", GRANTED, ManagementPolicy.Observe))
                    .aws()
                    .trustPolicy());
    seedRole(GRANTED, handWritten);
    CLIENT
        .namespaces()
        .withName(OPERATOR.getNamespace())
        .edit(
            n ->
                new NamespaceBuilder(n)
                    .editMetadata()
                    .addToLabels("adopt-it", ID)
                    .endMetadata()
                    .build());
    CLIENT
        .resource(
            Fixtures.policy(
                """
                apiVersion: cifederation.dev/v1alpha1
                kind: CIFederationPolicy
                metadata: {name: adopt-%s}
                spec:
                  namespaceSelector: {matchLabels: {adopt-it: %s}}
                  repositories: ["my-org/*"]
                  aws:
                    accounts: ["%s"]
                    roleNames: ["legacy-*"]
                    managedPolicyArns: ["%s"]
                    adoptableRoles: ["arn:aws:iam::%s:role/%s"]
                """
                    .formatted(ID, ID, ACCOUNT, deployPolicy, ACCOUNT, GRANTED)))
        .create();
  }

  @AfterAll
  static void dropPolicy() {
    CLIENT.resources(CIFederationPolicy.class).withName("adopt-" + ID).delete();
    CLIENT
        .resources(CIFederationPolicy.class)
        .withName("import-" + OPERATOR.getNamespace())
        .delete();
  }

  @Test
  void observeThenEnforceAdoptsAGrantedRoleWritingOnlyItsTagsAndKeepingItsTrustByteForByte() {
    CIFederatedIdentity identity = identity("adopted", GRANTED, ManagementPolicy.Observe);
    String stored = storedTrust(GRANTED);
    double before = writes();

    CLIENT.resource(identity).create();
    CIFederatedIdentity observed = LOOP.awaitCondition("adopted", "AWSReady", "Observed");

    assertThat(condition(observed, "AWSReady").getMessage())
        .contains("managementPolicy Enforce takes it over");
    assertThat(tags(GRANTED)).isEmpty();
    assertThat(writes()).as("Observe writes nothing").isEqualTo(before);

    observed.getSpec().setManagementPolicy(ManagementPolicy.Enforce);
    CLIENT.resource(observed).update();
    CIFederatedIdentity adopted = LOOP.awaitCondition("adopted", "AWSReady", "Synced");

    assertThat(adopted.getStatus().getAws().getRoleArn())
        .isEqualTo("arn:aws:iam::" + ACCOUNT + ":role/" + GRANTED);
    assertThat(storedTrust(GRANTED)).as("IAM's trust document, byte for byte").isEqualTo(stored);
    assertThat(tags(GRANTED)).containsKeys(OwnershipTags.OWNER_TAG, OwnershipTags.UID_TAG);
    assertThat(count("TagRole")).isEqualTo(1);
    assertThat(writes() - before).as("the tags and nothing else").isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(LOOP.events("adopted"))
                    .anySatisfy(e -> assertThat(e.getMessage()).contains("adopted")));
    LOOP.awaitPasses("adopted", 2);
    assertThat(writes() - before).as("steady after adoption").isEqualTo(1);
    assertThat(Events.reasons(LOOP.events("adopted"))).doesNotContain("DriftDetected");
  }

  @Test
  void withoutTheGrantEnforceIsAConflictAndWritesNothing() {
    String stored = storedTrust(NOT_GRANTED);
    double writes = writes();

    CLIENT.resource(identity("refused", NOT_GRANTED, ManagementPolicy.Enforce)).create();
    CIFederatedIdentity refused = LOOP.awaitCondition("refused", "AWSReady", "Conflict");

    assertThat(condition(refused, "AWSReady").getMessage())
        .contains("spec.adoptExisting is set, but no selecting policy grants");
    LOOP.awaitPasses("refused", 2);
    assertThat(reason(LOOP.get("refused"), "AWSReady")).isEqualTo("Conflict");
    assertThat(writes()).as(AdoptionOperatorIT::writesByOperation).isEqualTo(writes);
    assertThat(tags(NOT_GRANTED)).isEmpty();
    assertThat(storedTrust(NOT_GRANTED)).isEqualTo(stored);
  }

  @Test
  void anImportedHandMadeRoleWithTheSuggestedGrantIsObservedWithNoDriftAndNothingWritten()
      throws Exception {
    String stored = storedTrust(IMPORTED);
    TargetScan scan;
    try (AwsAccountScanner scanner =
        new AwsAccountScanner(
            AwsTestSupport.operatorSettings(MOTO.endpoint()),
            AwsCloudIT.TEST_CREDENTIALS,
            new CloudCalls(new SimpleMeterRegistry(), Cloud.AWS.name()))) {
      scan = scanner.scan(ACCOUNT);
    }
    String imported = ImportCommand.yaml(List.of(scan), OPERATOR.getNamespace());
    List<JsonNode> documents = new ArrayList<>();
    var values = new YAMLMapper().readerFor(JsonNode.class).readValues(imported);
    while (values.hasNext()) {
      JsonNode document = (JsonNode) values.next();
      if (document != null && document.isObject()) {
        documents.add(document);
      }
    }
    JsonNode manifest =
        documents.stream()
            .filter(d -> d.path("spec").path("aws").path("roleName").asText().equals(IMPORTED))
            .findFirst()
            .orElseThrow(() -> new AssertionError("not imported:\n" + imported));
    String name = manifest.path("metadata").path("name").asText();
    String issuer = manifest.path("spec").path("issuerRef").asText();
    double before = writes();

    // what an administrator does with the printed grant: review, uncomment, apply
    String policy =
        imported
            .substring(imported.indexOf("# apiVersion: cifederation.dev"))
            .lines()
            .map(line -> line.substring(2))
            .collect(Collectors.joining("\n"));
    assertThat(policy).contains("arn:aws:iam::" + ACCOUNT + ":role/" + IMPORTED);
    CLIENT.resource(Serialization.unmarshal(policy, CIFederationPolicy.class)).create();
    for (JsonNode document : documents) {
      if (document.path("kind").asText().equals("CIIssuer")
          && document.path("metadata").path("name").asText().equals(issuer)) {
        LOOP.apply(Serialization.unmarshal(document.toString(), CIIssuer.class));
      }
    }
    CLIENT
        .resource(Serialization.unmarshal(manifest.toString(), CIFederatedIdentity.class))
        .create();
    CIFederatedIdentity observed = LOOP.awaitCondition(name, "AWSReady", "Observed");

    assertThat(observed.getSpec().getManagementPolicy()).isEqualTo(ManagementPolicy.Observe);
    LOOP.awaitPasses(name, 2);
    assertThat(reason(LOOP.get(name), "AWSReady")).isEqualTo("Observed");
    assertThat(Events.reasons(LOOP.events(name))).doesNotContain("DriftDetected");
    assertThat(writes()).as(AdoptionOperatorIT::writesByOperation).isEqualTo(before);
    assertThat(tags(IMPORTED)).isEmpty();
    assertThat(storedTrust(IMPORTED)).isEqualTo(stored);
  }

  // ---------------------------------------------------------------------------------- helpers

  private static CIFederatedIdentity identity(String name, String role, ManagementPolicy policy) {
    return Fixtures.identity(
        OPERATOR.getNamespace(),
        name,
        """
        issuerRef: github
        repository: my-org/my-app
        subject: {environment: production}
        managementPolicy: %s
        adoptExisting: true
        aws:
          accountId: "%s"
          roleName: %s
          managedPolicyArns: ["%s"]
        """
            .formatted(policy, ACCOUNT, role, deployPolicy));
  }

  /** As Terraform makes a role: at the root path, no operator tags, a policy attached. */
  private static void seedRole(String name, String trust) {
    ADMIN.createRole(r -> r.roleName(name).path("/").assumeRolePolicyDocument(trust));
    ADMIN.attachRolePolicy(r -> r.roleName(name).policyArn(deployPolicy));
  }

  private static String storedTrust(String role) {
    return ADMIN.getRole(r -> r.roleName(role)).role().assumeRolePolicyDocument();
  }

  private static java.util.Map<String, String> tags(String role) {
    return AwsCloudIT.tags(ADMIN.getRole(r -> r.roleName(role)).role().tags());
  }

  private static double writes() {
    return AwsCloudIT.WRITES.stream().mapToDouble(AdoptionOperatorIT::count).sum();
  }

  private static String writesByOperation() {
    StringBuilder by = new StringBuilder("IAM writes");
    AwsCloudIT.WRITES.forEach(op -> by.append(' ').append(op).append('=').append(count(op)));
    return by.toString();
  }

  private static double count(String operation) {
    return new CloudCalls(REGISTRY, Cloud.AWS.name()).count(operation);
  }
}
