package dev.cifederation.operator;

import dev.cifederation.operator.api.v1alpha1.Severity;
import dev.cifederation.operator.cloud.TargetScan;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code audit}: the trust lint and "who can assume this" on every OIDC trust already in the
 * clouds, whoever made it, read-only.
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = {
      "Audit existing OIDC trust in AWS accounts, GCP projects and Azure subscriptions with the"
          + " operator's trust lint, read-only; objects need not be the operator's.",
      "Connects as the operator does: AWS_ENDPOINT_URL…, CIFED_GCP_IAM_ENDPOINT/ACCESS_TOKEN,"
          + " CIFED_AZURE_ARM_ENDPOINT/ACCESS_TOKEN…, else each SDK's default credential chain.",
      "Exit code: 0 no finding at or above --fail-on, 1 findings at or above --fail-on, 2 bad"
          + " usage or configuration, 3 a target could not be read completely."
    })
final class AuditCommand implements Callable<Integer> {

  static final int FINDINGS = 1;
  static final int BAD_INPUT = 2;
  static final int INCOMPLETE = 3;

  enum Format {
    table,
    json,
    sarif
  }

  @Spec CommandSpec spec;

  @Mixin FleetTargets targets = new FleetTargets();

  @Option(
      names = "--format",
      defaultValue = "table",
      description = "Output: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  Format format;

  @Option(
      names = "--fail-on",
      defaultValue = "Low",
      description =
          "Lowest severity that fails: Critical, High, Medium, Low (default ${DEFAULT-VALUE}).")
  Severity failOn;

  private final FleetScan.Scanners injected;

  AuditCommand() {
    this(null);
  }

  /** With scanners of the test's own (null: the operator's configuration, from the environment). */
  AuditCommand(FleetScan.Scanners scanners) {
    this.injected = scanners;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (targets.noneNamed("audit", err)) {
      return BAD_INPUT;
    }
    List<TargetScan> scans;
    try (FleetScan.Scanners scanners = FleetScan.injectedOrFromEnvironment(injected)) {
      scans = FleetScan.scan(targets, scanners);
    }
    AuditReport report = AuditReport.of(scans);
    switch (format) {
      case table -> out.print(report.table(failOn));
      case json -> out.println(AuditReport.prettyJson(report.json(failOn)));
      case sarif -> out.println(AuditReport.prettyJson(report.sarif(version())));
    }
    for (TargetScan failed : report.failedTargets()) {
      err.println("audit: " + failed.target() + " incomplete: " + failed.failure().get());
    }
    out.flush();
    err.flush();
    if (!report.failedTargets().isEmpty()) {
      return INCOMPLETE;
    }
    return report.failing(failOn) > 0 ? FINDINGS : 0;
  }

  static String version() {
    String version = Main.class.getPackage().getImplementationVersion();
    return version == null ? "0.0.0-dev" : version;
  }
}
