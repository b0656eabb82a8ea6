package dev.cifederation.fakes.gcp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the fake standalone, for {@code make demo} and for trying it with gcloud:
 *
 * <pre>
 * java -jar fake-gcp-iam/target/fake-gcp-iam.jar --port 8085 --token demo-token \
 *     --project my-project=123456789012 \
 *     --service-account ci-deployer@my-project.iam.gserviceaccount.com
 * </pre>
 *
 * Without {@code --project} and {@code --service-account} it serves the project and service account
 * of the repository's examples. It prints one line with its URL, then serves until killed.
 */
public final class Main {

  static final String EXAMPLE_PROJECT = "my-project=123456789012";
  static final String EXAMPLE_SERVICE_ACCOUNT = "ci-deployer@my-project.iam.gserviceaccount.com";

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    FakeGcpIam fake;
    try {
      fake = parse(args).start();
    } catch (IllegalArgumentException e) {
      System.err.println("fake-gcp-iam: " + e.getMessage());
      System.err.println(usage());
      System.exit(2);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(fake::close, "fake-gcp-iam-shutdown"));
    System.out.println("fake-gcp-iam listening on " + fake.baseUrl());
    System.out.flush();
    new CountDownLatch(1).await();
  }

  static FakeGcpIam.Builder parse(String[] args) {
    FakeGcpIam.Builder builder = FakeGcpIam.builder();
    Map<String, String> projects = new LinkedHashMap<>();
    List<String> accounts = new ArrayList<>();
    String token = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--verbose")) {
        builder.verbose(true);
        continue;
      }
      if (arg.equals("--help") || arg.equals("-h")) {
        throw new IllegalArgumentException("usage");
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(arg + " needs a value");
      }
      String value = args[++i];
      switch (arg) {
        case "--port" -> builder.port(integer(arg, value));
        case "--host" -> builder.host(value);
        case "--token" -> token = value;
        case "--polls-until-done" -> builder.pollsUntilDone(integer(arg, value));
        case "--complete-after-seconds" ->
            builder.completeAfter(Duration.ofSeconds(integer(arg, value)));
        case "--project" -> {
          String[] idAndNumber = value.split("=", 2);
          if (idAndNumber.length != 2 || !idAndNumber[1].matches("[0-9]+")) {
            throw new IllegalArgumentException("--project must be PROJECT_ID=PROJECT_NUMBER");
          }
          projects.put(idAndNumber[0], idAndNumber[1]);
        }
        case "--service-account" -> accounts.add(value);
        default -> throw new IllegalArgumentException("unknown option " + arg);
      }
    }
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("--token is required");
    }
    builder.token(token);
    if (projects.isEmpty()) {
      String[] example = EXAMPLE_PROJECT.split("=");
      projects.put(example[0], example[1]);
    }
    if (accounts.isEmpty()) {
      accounts.add(EXAMPLE_SERVICE_ACCOUNT);
    }
    projects.forEach(builder::project);
    accounts.forEach(builder::serviceAccount);
    return builder;
  }

  private static int integer(String option, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a number: " + value);
    }
  }

  private static String usage() {
    return """
        usage: java -jar fake-gcp-iam.jar --token TOKEN [--port N (0: free port)] [--host 127.0.0.1]
                 [--project ID=NUMBER]... [--service-account EMAIL]...
                 [--polls-until-done N (2)] [--complete-after-seconds S (1)] [--verbose]""";
  }
}
