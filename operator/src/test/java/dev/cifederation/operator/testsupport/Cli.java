package dev.cifederation.operator.testsupport;

import dev.cifederation.operator.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * The operator's command line as a user runs it ({@link Main#commandLine()}, with its last line of
 * defence), its output kept: what it printed to stdout and stderr across the runs of one test.
 */
public final class Cli {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  /** What one run printed and how it exited. */
  public record Run(int code, String out, String err) {}

  /** One run of {@code args} (the subcommand first), on its own. */
  public static Run once(String... args) {
    Cli cli = new Cli();
    int code = cli.execute(args);
    return new Run(code, cli.out(), cli.err());
  }

  /** Runs {@code subcommand} with {@code args} and returns the exit code. */
  public int run(String subcommand, String... args) {
    String[] all = new String[args.length + 1];
    all[0] = subcommand;
    System.arraycopy(args, 0, all, 1, args.length);
    return execute(all);
  }

  private int execute(String... args) {
    CommandLine line = Main.commandLine();
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    return line.execute(args);
  }

  /** Forgets what was printed so far. */
  public void clear() {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
  }

  /** Everything printed to stdout so far. */
  public String out() {
    return out.toString();
  }

  /** Everything printed to stderr so far. */
  public String err() {
    return err.toString();
  }
}
