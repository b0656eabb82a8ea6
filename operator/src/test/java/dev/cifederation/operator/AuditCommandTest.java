package dev.cifederation.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.ScannedObject;
import dev.cifederation.operator.cloud.TargetScan;
import dev.cifederation.operator.guard.Rule;
import dev.cifederation.operator.trust.ExistingObject;
import dev.cifederation.operator.trust.LiveTrust;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code audit}'s report and exit codes on scans given by the test: the operator's lint on each
 * object, who can assume it, and the table, JSON and SARIF renderings (the latter in the shape
 * GitHub code scanning accepts). The scans themselves are tested per cloud against moto and the
 * fakes (AwsAccountScannerIT, GcpProjectScannerIT, AzureSubscriptionScannerIT).
 */
class AuditCommandTest {

  static final String ACCOUNT = "123456789012";
  static final String KEY = "token.actions.githubusercontent.com";
  static final String PROVIDER = "arn:aws:iam::" + ACCOUNT + ":oidc-provider/" + KEY;
  static final String SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

  private static final ObjectMapper JSON = new ObjectMapper();

  static ScannedObject awsRole(String name, String condition) {
    String arn = "arn:aws:iam::" + ACCOUNT + ":role/" + name;
    String policy =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
            + "{\"Federated\":\""
            + PROVIDER
            + "\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":"
            + condition
            + "}]}";
    return new ScannedObject(
        Cloud.AWS,
        "role",
        arn,
        Optional.of(new LiveTrust.Aws(arn, policy)),
        Optional.of(new ExistingObject.AwsRole(ACCOUNT, name)),
        List.of());
  }

  static ScannedObject orgWide() {
    return awsRole(
        "legacy-org-wide",
        "{\"StringEquals\":{\""
            + KEY
            + ":aud\":\"sts.amazonaws.com\"},\"StringLike\":{\""
            + KEY
            + ":sub\":\"repo:my-org/*\"}}");
  }

  static ScannedObject production() {
    return awsRole(
        "legacy-production",
        "{\"StringEquals\":{\""
            + KEY
            + ":aud\":\"sts.amazonaws.com\",\""
            + KEY
            + ":sub\":\"repo:my-org/my-app:environment:production\"}}");
  }

  static ScannedObject azureOwner() {
    String id =
        "/subscriptions/"
            + SUBSCRIPTION
            + "/resourceGroups/my-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/deployer";
    return new ScannedObject(
        Cloud.Azure,
        "identity",
        id,
        Optional.of(
            new LiveTrust.Azure(
                id,
                List.of(
                    new LiveTrust.FederatedCredential(
                        "main",
                        "https://" + KEY,
                        "repo:my-org/my-app:ref:refs/heads/main",
                        List.of("api://AzureADTokenExchange"))))),
        Optional.of(
            new ExistingObject.AzureIdentity(
                SUBSCRIPTION,
                "my-rg",
                "deployer",
                "eastus",
                List.of(
                    new ExistingObject.RoleAssignment("Owner", "/subscriptions/" + SUBSCRIPTION)))),
        List.of("client ID c, principal ID p"));
  }

  /** Scanners that return what the test gives, and remember what was asked. */
  static final class Canned implements FleetScan.Scanners {
    final List<String> asked = new ArrayList<>();
    final Map<String, TargetScan> scans;

    Canned(Map<String, TargetScan> scans) {
      this.scans = scans;
    }

    @Override
    public TargetScan aws(String accountId) {
      return answer("aws:" + accountId);
    }

    @Override
    public TargetScan gcp(String projectId) {
      return answer("gcp:" + projectId);
    }

    @Override
    public TargetScan azure(String subscriptionId, Optional<String> resourceGroup) {
      return answer("azure:" + subscriptionId + resourceGroup.map(g -> "/" + g).orElse(""));
    }

    private TargetScan answer(String target) {
      asked.add(target);
      return scans.getOrDefault(target, new TargetScan(target, List.of(), Optional.empty()));
    }
  }

  record Run(int code, String out, String err) {}

  static Run run(FleetScan.Scanners scanners, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line =
        Main.commandLine(
            new CommandLine.IFactory() {
              @Override
              public <K> K create(Class<K> type) throws Exception {
                if (type == AuditCommand.class) {
                  return type.cast(new AuditCommand(scanners));
                }
                if (type == ImportCommand.class) {
                  return type.cast(new ImportCommand(scanners));
                }
                return CommandLine.defaultFactory().create(type);
              }
            });
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    int code = line.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private static Canned fleet() {
    return new Canned(
        Map.of(
            "aws:" + ACCOUNT,
            new TargetScan("aws:" + ACCOUNT, List.of(orgWide(), production()), Optional.empty()),
            "azure:" + SUBSCRIPTION,
            new TargetScan("azure:" + SUBSCRIPTION, List.of(azureOwner()), Optional.empty())));
  }

  @Test
  void aRolePathOfDotsCannotTurnTheSarifPseudoPathIntoARepositoryFile() {
    ScannedObject climbing =
        new ScannedObject(
            Cloud.AWS,
            "role",
            "arn:aws:iam::123456789012:role/../../../.github/workflows/deploy.yml",
            Optional.empty(),
            Optional.empty(),
            List.of());

    String path = AuditReport.pseudoPath(climbing);

    assertThat(path)
        .startsWith("cloud/aws/")
        .doesNotContain("/../")
        .isEqualTo(
            "cloud/aws/arn%3Aaws%3Aiam%3A%3A123456789012%3Arole/%2E%2E/%2E%2E/%2E%2E/.github/workflows/deploy.yml");
    assertThat(URI.create(path).normalize().toString()).startsWith("cloud/aws/");
  }

  @Test
  void theTableNamesEachObjectWhoCanAssumeItAndEachFinding() {
    Canned fleet = fleet();

    Run run = run(fleet, "audit", "--aws-account", ACCOUNT, "--azure-subscription", SUBSCRIPTION);

    assertThat(fleet.asked).containsExactly("aws:" + ACCOUNT, "azure:" + SUBSCRIPTION);
    assertThat(run.code()).isEqualTo(AuditCommand.FINDINGS);
    assertThat(run.out())
        .contains("arn:aws:iam::123456789012:role/legacy-org-wide")
        .contains("any repository of my-org")
        .contains("Critical  WildcardSubject")
        .contains("OverBroadPermissions")
        .contains("grants Owner at /subscriptions/" + SUBSCRIPTION)
        .contains("3 object(s) in 2 target(s)");
    // the clean role is listed, with no finding
    assertThat(run.out())
        .containsPattern("role\\s+arn:aws:iam::123456789012:role/legacy-production\\s+0\\s");
  }

  @Test
  void aRunWithNoTargetIsRefusedBeforeAnyCloudIsAsked() {
    for (String command : List.of("audit", "import")) {
      Canned fleet = fleet();

      Run run = run(fleet, command);

      assertThat(run.code()).isEqualTo(AuditCommand.BAD_INPUT);
      assertThat(run.err())
          .contains(command + ": name at least one target: --aws-account, --gcp-project");
      assertThat(fleet.asked).isEmpty();
    }
  }

  @Test
  void exitCodesFollowFailOn() {
    assertThat(run(fleet(), "audit", "--aws-account", ACCOUNT, "--fail-on", "Critical").code())
        .isEqualTo(AuditCommand.FINDINGS);
    Canned clean =
        new Canned(
            Map.of(
                "aws:" + ACCOUNT,
                new TargetScan("aws:" + ACCOUNT, List.of(production()), Optional.empty())));
    assertThat(run(clean, "audit", "--aws-account", ACCOUNT).code()).isZero();
    Canned onlyHigh =
        new Canned(
            Map.of(
                "aws:" + ACCOUNT,
                new TargetScan(
                    "aws:" + ACCOUNT,
                    List.of(
                        awsRole(
                            "no-aud",
                            "{\"StringEquals\":{\""
                                + KEY
                                + ":sub\":\"repo:my-org/my-app:environment:production\"}}")),
                    Optional.empty())));
    assertThat(run(onlyHigh, "audit", "--aws-account", ACCOUNT, "--fail-on", "Critical").code())
        .isZero();
    assertThat(run(onlyHigh, "audit", "--aws-account", ACCOUNT, "--fail-on", "High").code())
        .isEqualTo(AuditCommand.FINDINGS);
  }

  @Test
  void aTargetThatCouldNotBeReadIsIncompleteAndSaysWhy() {
    Canned denied =
        new Canned(
            Map.of(
                "gcp:my-project",
                new TargetScan(
                    "gcp:my-project",
                    List.of(),
                    Optional.of("serviceAccounts.list: PERMISSION_DENIED"))));

    Run run = run(denied, "audit", "--gcp-project", "my-project");

    assertThat(run.code()).isEqualTo(AuditCommand.INCOMPLETE);
    assertThat(run.err()).contains("gcp:my-project incomplete: serviceAccounts.list");
  }

  @Test
  void withoutATargetNothingIsScanned() {
    Canned fleet = fleet();

    Run run = run(fleet, "audit");

    assertThat(run.code()).isEqualTo(AuditCommand.BAD_INPUT);
    assertThat(run.err()).contains("--aws-account");
    assertThat(fleet.asked).isEmpty();
  }

  @Test
  void aResourceGroupNarrowsItsSubscription() {
    Canned fleet = fleet();

    run(
        fleet,
        "audit",
        "--azure-subscription",
        SUBSCRIPTION,
        "--azure-resource-group",
        "my-rg",
        "--azure-subscription",
        "11111111-1111-1111-1111-111111111111");

    assertThat(fleet.asked)
        .containsExactly(
            "azure:" + SUBSCRIPTION + "/my-rg", "azure:11111111-1111-1111-1111-111111111111");
  }

  @Test
  void aLineBreakInATrustNeitherEndsAnImportCommentNorATableRow() {
    // whoever wrote the trust chose its values: a subject that would start a manifest of theirs
    ScannedObject hostile =
        awsRole(
            "hostile",
            "{\"StringEquals\":{\""
                + KEY
                + ":aud\":\"sts.amazonaws.com\"},\"StringLike\":{\""
                + KEY
                + ":sub\":\"repo:my-org/*\\n---\\nkind: CIFederationPolicy\\u001b[2J\"}}");
    Canned fleet =
        new Canned(
            Map.of(
                "aws:" + ACCOUNT,
                new TargetScan("aws:" + ACCOUNT, List.of(hostile), Optional.empty())));

    Run imported = run(fleet, "import", "--aws-account", ACCOUNT);
    Run audited = run(fleet, "audit", "--aws-account", ACCOUNT);

    assertThat(imported.code()).isZero();
    assertThat(imported.out().lines()).noneMatch(l -> l.startsWith("kind:") || l.equals("---"));
    assertThat(imported.out()).contains("repo:my-org/*\\u000a---\\u000akind: CIFederationPolicy");
    assertThat(audited.out().lines()).noneMatch(l -> l.startsWith("kind:"));
    assertThat(audited.out()).doesNotContain("\u001b");
  }

  @Test
  void jsonCarriesObjectsFindingsAndSummary() throws Exception {
    Run run = run(fleet(), "audit", "--aws-account", ACCOUNT, "--format", "json");

    JsonNode report = JSON.readTree(run.out());
    assertThat(report.path("objects")).hasSize(2);
    JsonNode orgWide = report.path("objects").get(0);
    assertThat(orgWide.path("id").asText()).endsWith("role/legacy-org-wide");
    assertThat(orgWide.path("whoCanAssume").asText()).contains("my-org");
    assertThat(orgWide.path("findings").get(0).path("rule").asText()).isEqualTo("WildcardSubject");
    assertThat(report.path("summary").path("failing").asInt()).isPositive();
    assertThat(report.path("targets").get(0).path("target").asText()).isEqualTo("aws:" + ACCOUNT);
  }

  @Test
  void sarifIsCodeScanningShaped() throws Exception {
    Run run =
        run(
            fleet(),
            "audit",
            "--aws-account",
            ACCOUNT,
            "--azure-subscription",
            SUBSCRIPTION,
            "--format",
            "sarif");

    JsonNode sarif = JSON.readTree(run.out());
    assertThat(sarif.path("version").asText()).isEqualTo("2.1.0");
    assertThat(sarif.path("$schema").asText()).contains("sarif-2.1.0");
    JsonNode runNode = sarif.path("runs").get(0);
    JsonNode rules = runNode.path("tool").path("driver").path("rules");
    assertThat(rules).hasSize(Rule.values().length);
    for (Rule rule : Rule.values()) {
      JsonNode r = rules.get(rule.ordinal());
      assertThat(r.path("id").asText()).isEqualTo(rule.name());
      assertThat(r.path("help").path("text").asText()).isEqualTo(rule.fix());
      assertThat(r.path("properties").path("security-severity").asText()).matches("\\d+\\.\\d");
    }
    JsonNode results = runNode.path("results");
    assertThat(results.size()).isGreaterThanOrEqualTo(2);
    for (JsonNode result : results) {
      String ruleId = result.path("ruleId").asText();
      assertThat(rules.get(result.path("ruleIndex").asInt()).path("id").asText()).isEqualTo(ruleId);
      assertThat(result.path("level").asText()).isIn("error", "warning", "note");
      assertThat(result.path("message").path("text").asText()).isNotBlank();
      assertThat(result.path("partialFingerprints").path("cifedFinding/v1").asText()).hasSize(64);
      JsonNode location = result.path("locations").get(0);
      // code scanning needs a repository-relative path: no scheme, no leading slash
      String uri = location.path("physicalLocation").path("artifactLocation").path("uri").asText();
      assertThat(URI.create(uri).getScheme()).isNull();
      assertThat(uri).startsWith("cloud/").doesNotContain("//");
      assertThat(location.path("logicalLocations").get(0).path("kind").asText())
          .isEqualTo("resource");
    }
    assertThat(results)
        .anySatisfy(
            r ->
                assertThat(
                        r.path("locations")
                            .get(0)
                            .path("logicalLocations")
                            .get(0)
                            .path("fullyQualifiedName")
                            .asText())
                    .isEqualTo("arn:aws:iam::123456789012:role/legacy-org-wide"));
    assertThat(results)
        .anySatisfy(r -> assertThat(r.path("ruleId").asText()).isEqualTo("OverBroadPermissions"));
  }
}
