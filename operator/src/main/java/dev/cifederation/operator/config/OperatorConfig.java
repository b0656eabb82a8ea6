package dev.cifederation.operator.config;

import static dev.cifederation.operator.config.Variable.CIFED_ALLOW_UNGOVERNED_NAMESPACES;
import static dev.cifederation.operator.config.Variable.CIFED_CLUSTER_NAME;
import static dev.cifederation.operator.config.Variable.CIFED_EXTRA_CA_FILE;
import static dev.cifederation.operator.config.Variable.CIFED_IAM_PATH;
import static dev.cifederation.operator.config.Variable.CIFED_ISSUER_ALLOW_PRIVATE;
import static dev.cifederation.operator.config.Variable.CIFED_LEADER_ELECTION;
import static dev.cifederation.operator.config.Variable.CIFED_LEADER_ELECTION_LEASE;
import static dev.cifederation.operator.config.Variable.CIFED_LEADER_ELECTION_NAMESPACE;
import static dev.cifederation.operator.config.Variable.CIFED_LOCAL_MODE;
import static dev.cifederation.operator.config.Variable.CIFED_LOG_FORMAT;
import static dev.cifederation.operator.config.Variable.CIFED_METRICS_PORT;
import static dev.cifederation.operator.config.Variable.CIFED_NEVER_DELETE;
import static dev.cifederation.operator.config.Variable.CIFED_RECONCILE_THREADS;
import static dev.cifederation.operator.config.Variable.CIFED_RESYNC_INTERVAL;
import static dev.cifederation.operator.config.Variable.CIFED_WORKFLOW_SNIPPETS;
import static dev.cifederation.operator.config.Variable.CIFED_WORKFLOW_SNIPPET_NAMESPACES;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The operator's whole configuration (README, "Configuration"; every variable in {@link Variable}),
 * read once from the environment at start-up, before anything connects, and handed to the
 * reconcilers and the cloud adapters. An invalid value, a cloud's included, fails the start with a
 * message naming the variable, rather than silently falling back.
 */
public record OperatorConfig(
    Duration resyncInterval,
    String iamPath,
    int metricsPort,
    int reconcileThreads,
    String clusterName,
    Optional<Path> extraCaFile,
    Optional<LeaderElection> leaderElection,
    Shard shard,
    LogFormat logFormat,
    boolean workflowSnippets,
    Set<String> workflowSnippetNamespaces,
    boolean allowUngovernedNamespaces,
    boolean neverDelete,
    boolean issuerAllowPrivate,
    AwsConfig aws,
    GcpConfig gcp,
    AzureConfig azure) {

  public static final Duration DEFAULT_RESYNC = Duration.ofMinutes(10);
  public static final String DEFAULT_IAM_PATH = "/cifederation/";
  public static final int DEFAULT_METRICS_PORT = 8080;
  public static final int MAX_RECONCILE_THREADS = 200;
  public static final String DEFAULT_LEASE_NAME = "cifederation-operator";

  /** The cluster name under {@code CIFED_LOCAL_MODE=true}, where none is required. */
  public static final String LOCAL_CLUSTER_NAME = "local";

  private static final Pattern CLUSTER_NAME_RULE =
      Pattern.compile("[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?");
  private static final Pattern IAM_PATH_RULE = Pattern.compile("/([\\x21-\\x7E]{0,510}/)?");

  /**
   * One replica reconciles, the others wait on a coordination.k8s.io Lease.
   *
   * @param namespace the Lease's namespace; empty: the namespace of the in-cluster service account
   */
  public record LeaderElection(String leaseName, Optional<String> namespace) {}

  /** How log lines are written (logback.xml reads the same variable). */
  public enum LogFormat {
    text,
    json
  }

  /**
   * The configuration in {@code variables} (the process environment, or a test's map); only
   * catalogued variables are read.
   *
   * @throws InvalidConfigurationException naming the first variable with an invalid value
   */
  public static OperatorConfig fromEnvironment(Map<String, String> variables) {
    Environment env = new Environment(variables);
    Shard shard = Shard.read(env);
    return new OperatorConfig(
        env.duration(CIFED_RESYNC_INTERVAL, DEFAULT_RESYNC),
        env.matching(
                CIFED_IAM_PATH,
                IAM_PATH_RULE,
                "must start and end with '/' (IAM path rules), e.g. /cifederation/")
            .orElse(DEFAULT_IAM_PATH),
        env.integer(CIFED_METRICS_PORT, DEFAULT_METRICS_PORT, 0, 65535, "a TCP port (0-65535)"),
        env.integer(
            CIFED_RECONCILE_THREADS,
            defaultReconcileThreads(Runtime.getRuntime().availableProcessors()),
            1,
            MAX_RECONCILE_THREADS,
            "a number of threads (1-" + MAX_RECONCILE_THREADS + ")"),
        clusterName(env),
        // readable now; TrustAnchors checks that it holds certificates
        env.readableFile(CIFED_EXTRA_CA_FILE),
        env.flag(CIFED_LEADER_ELECTION, false)
            ? Optional.of(
                new LeaderElection(
                    env.text(CIFED_LEADER_ELECTION_LEASE)
                        .orElse(shard.defaultLeaseName(DEFAULT_LEASE_NAME)),
                    env.text(CIFED_LEADER_ELECTION_NAMESPACE)))
            : Optional.empty(),
        shard,
        env.choice(CIFED_LOG_FORMAT, LogFormat.class, LogFormat.text),
        env.flag(CIFED_WORKFLOW_SNIPPETS, true),
        Shard.namespaces(env, CIFED_WORKFLOW_SNIPPET_NAMESPACES),
        env.flag(CIFED_ALLOW_UNGOVERNED_NAMESPACES, false),
        env.flag(CIFED_NEVER_DELETE, false),
        // issuers on loopback or private addresses only when asked for: see AddressPolicy
        env.flag(CIFED_ISSUER_ALLOW_PRIVATE, false),
        AwsConfig.read(env),
        GcpConfig.read(env),
        AzureConfig.read(env));
  }

  /**
   * Reconcile threads for {@code cpus} processors: 8 each, between 8 and java-operator-sdk's
   * default of 50. A pass spends most of its time waiting on cloud calls (tens to hundreds of
   * milliseconds each) and ~45 ms of CPU at creation, so a few threads per CPU keep it busy; more
   * only queue for the CPU while holding their stacks and in-flight objects.
   */
  public static int defaultReconcileThreads(int cpus) {
    return Math.max(8, Math.min(50, 8 * cpus));
  }

  /**
   * The clouds' blocks alone (endpoints, tokens, regions), for the read-only {@code audit} and
   * {@code import} commands, which own no cloud object and so need no cluster name.
   */
  public record Clouds(AwsConfig aws, GcpConfig gcp, AzureConfig azure) {}

  /**
   * @throws InvalidConfigurationException naming the first variable with an invalid value
   */
  public static Clouds cloudsFromEnvironment(Map<String, String> variables) {
    Environment env = new Environment(variables);
    return new Clouds(AwsConfig.read(env), GcpConfig.read(env), AzureConfig.read(env));
  }

  /**
   * The value of the cluster ownership mark. It has no silent default: two operators sharing a
   * cloud account with the same name would take each other's objects for their own. Only the
   * explicit local/demo switch {@code CIFED_LOCAL_MODE=true} supplies one.
   */
  private static String clusterName(Environment env) {
    boolean localMode = env.flag(CIFED_LOCAL_MODE, false);
    return env.matching(
            CIFED_CLUSTER_NAME,
            CLUSTER_NAME_RULE,
            "must be 1-63 lower-case letters, digits, '.' or '-', starting and ending with a"
                + " letter or digit")
        .or(() -> localMode ? Optional.of(LOCAL_CLUSTER_NAME) : Optional.empty())
        .orElseThrow(
            () ->
                new InvalidConfigurationException(
                    "CIFED_CLUSTER_NAME is required: it marks every cloud object this operator"
                        + " owns, and two clusters sharing an account must use different names"
                        + " (CIFED_LOCAL_MODE=true for a local or demo run)"));
  }
}
