package dev.cifederation.operator;

import java.util.Properties;

/**
 * JVM settings the operator needs whatever options it is started with, applied before anything else
 * runs.
 *
 * <p>On one or two CPUs the JVM sizes the common fork-join pool to one thread, and {@link
 * java.util.concurrent.CompletableFuture} then runs every asynchronous stage on a new thread of its
 * own. The JDK HTTP client under the Kubernetes client hands each response to such a stage, so an
 * operator with a CPU limit of 1–2 started a thread per API-server response (4,500 while creating
 * 1,000 identities). With a pool of at least two the stages run on the pool's threads.
 */
final class JvmDefaults {

  static final String COMMON_POOL_PARALLELISM =
      "java.util.concurrent.ForkJoinPool.common.parallelism";

  private JvmDefaults() {}

  /** Sets what the user did not; must run before the common pool is first used. */
  static void apply(Properties system, int cpus) {
    if (system.getProperty(COMMON_POOL_PARALLELISM) == null) {
      system.setProperty(COMMON_POOL_PARALLELISM, Integer.toString(Math.max(2, cpus - 1)));
    }
  }
}
