package dev.cifederation.operator.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Counts every cloud API call by cloud, operation and outcome ({@code cifed_cloud_calls_total}), so
 * that the cost of a reconcile and of a resync is measurable. Adapters wrap each SDK call in {@link
 * #call}.
 */
public final class CloudCalls {

  public static final String METRIC = "cifed.cloud.calls";

  /**
   * Decides whether a call is made at all (the cloud package's per-scope breakers): a call it
   * refuses throws without reaching the SDK and is not counted here, since nothing was sent.
   */
  public interface Gate {
    <T> T call(Supplier<T> sdkCall);
  }

  private static final Gate OPEN =
      new Gate() {
        @Override
        public <T> T call(Supplier<T> sdkCall) {
          return sdkCall.get();
        }
      };

  private final MeterRegistry registry;
  private final String cloud;
  private final Gate gate;

  /** {@code cloud} is the label value, lower-cased so that every adapter's series look alike. */
  public CloudCalls(MeterRegistry registry, String cloud) {
    this(registry, cloud, OPEN);
  }

  private CloudCalls(MeterRegistry registry, String cloud, Gate gate) {
    this.registry = registry;
    this.cloud = cloud.toLowerCase(Locale.ROOT);
    this.gate = gate;
  }

  /** The same counters, every call passing {@code gate} first. */
  public CloudCalls withGate(Gate gate) {
    return new CloudCalls(registry, cloud, gate);
  }

  /** Where the counters live, for meters of the same cloud (e.g. its breakers). */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Runs one SDK call and counts it as {@code ok} or {@code error} (the exception propagates
   * unchanged).
   */
  public <T> T call(String operation, Supplier<T> sdkCall) {
    return gate.call(
        () -> {
          try {
            T result = sdkCall.get();
            count(operation, "ok");
            return result;
          } catch (RuntimeException e) {
            count(operation, "error");
            throw e;
          }
        });
  }

  /**
   * Counts one more request of a call that {@link #call} is making: a list's next page, which the
   * SDK fetches inside the one call.
   */
  public void countRequest(String operation) {
    count(operation, "ok");
  }

  /** Like {@link #call} for calls without a result. */
  public void run(String operation, Runnable sdkCall) {
    call(
        operation,
        () -> {
          sdkCall.run();
          return null;
        });
  }

  /**
   * How many calls of an operation were made so far, whatever their outcome (for tests and the
   * benchmark).
   */
  public double count(String operation) {
    return registry.find(METRIC).tag("cloud", cloud).tag("operation", operation).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  /** How many calls of this cloud were made so far, of any operation (for tests and the bench). */
  public double total() {
    return registry.find(METRIC).tag("cloud", cloud).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  private void count(String operation, String outcome) {
    Counter.builder(METRIC)
        .description("Cloud API calls by cloud, operation and outcome")
        .tag("cloud", cloud)
        .tag("operation", operation)
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }
}
