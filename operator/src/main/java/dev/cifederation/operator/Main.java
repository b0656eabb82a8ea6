package dev.cifederation.operator;

import dev.cifederation.operator.config.InvalidConfigurationException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Command-line entry point: {@code run} starts the operator against the current kubeconfig or
 * in-cluster config; {@code lint} checks CR YAML or AWS trust policies and {@code simulate}
 * evaluates a token's claims against an identity's trust, both without a cluster; {@code audit}
 * lints the OIDC trust already in the clouds and {@code import} turns it into manifests, both
 * read-only.
 */
@Command(
    name = "cifederation-operator",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description =
        "Kubernetes operator that replaces long-lived CI/CD cloud keys with OIDC federation.",
    subcommands = {
      Main.Run.class,
      LintCommand.class,
      SimulateCommand.class,
      AuditCommand.class,
      ImportCommand.class
    })
public final class Main implements Runnable {

  /** The commands that end in one line on stderr and exit code 2 on what they still throw. */
  private static final java.util.Set<String> READ_ONLY_COMMANDS =
      java.util.Set.of("lint", "simulate", "audit", "import");

  /** The commands whose output (JSON, SARIF, YAML) a log line on stdout would break. */
  private static final java.util.Set<String> REPORTS_ON_STDOUT =
      java.util.Set.of("audit", "import");

  public static void main(String[] args) {
    JvmDefaults.apply(System.getProperties(), Runtime.getRuntime().availableProcessors());
    if (args.length > 0 && REPORTS_ON_STDOUT.contains(args[0])) {
      // read by logback.xml when the first logger is made: stdout is the report's alone
      System.setProperty("cifed.log.target", "System.err");
    }
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line with its last line of defence: whatever {@code lint} or {@code simulate} still
   * throws on some input ends as one line on stderr and exit code 2, never a stack trace, and so
   * does a bad configuration of {@code run}; anything else {@code run} throws keeps picocli's
   * default (a stack trace is what an operator's logs want).
   */
  public static CommandLine commandLine() {
    return commandLine(CommandLine.defaultFactory());
  }

  /** The same, its commands made by {@code factory} (a test's, to scan local clouds). */
  public static CommandLine commandLine(CommandLine.IFactory factory) {
    CommandLine line = new CommandLine(new Main(), factory);
    line.setExecutionExceptionHandler(
        (e, failed, parsed) -> {
          String name = failed.getCommandName();
          if (name.equals("run") && e instanceof InvalidConfigurationException) {
            failed.getErr().println("run: " + e.getMessage());
            failed.getErr().flush();
            return LintCommand.BAD_INPUT;
          }
          if (!READ_ONLY_COMMANDS.contains(name)) {
            throw e;
          }
          failed.getErr().println(name + ": " + LintCommand.oneLine(LintCommand.describe(e)));
          failed.getErr().flush();
          return LintCommand.BAD_INPUT;
        });
    return line;
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = "Run the operator (configuration from the environment, see the README).")
  static final class Run implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      var app = OperatorApp.fromEnvironment();
      var stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    app.close();
                    stopped.countDown();
                  },
                  "shutdown"));
      app.start();
      stopped.await();
      return 0;
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"cifederation-operator " + (version == null ? "dev" : version)};
    }
  }
}
