package dev.cifederation.operator.observe;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code cifed_issuer_certificate_expiry_days{issuer,host}}: days until the earliest-expiring
 * certificate an issuer's host serves, computed at scrape time from the last successful check, so
 * an alert can fire before a host's chain lapses (and before AWS providers must follow a rotation).
 */
public final class CertificateExpiry {

  public static final String METRIC = "cifed.issuer.certificate.expiry.days";
  private static final double SECONDS_PER_DAY = 86_400.0;

  private final MeterRegistry registry;
  private final Clock clock;
  private final Map<String, Map<String, Series>> byIssuer = new ConcurrentHashMap<>();

  private record Series(AtomicReference<Instant> expiry, Gauge gauge) {}

  public CertificateExpiry(MeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
  }

  /** The issuer's hosts and their earliest certificate expiry; hosts not listed are dropped. */
  public synchronized void record(String issuer, Map<String, Instant> expiryByHost) {
    Map<String, Series> hosts = byIssuer.computeIfAbsent(issuer, i -> new ConcurrentHashMap<>());
    hosts.entrySet().removeIf(e -> drop(!expiryByHost.containsKey(e.getKey()), e.getValue()));
    expiryByHost.forEach(
        (host, expiry) ->
            hosts.computeIfAbsent(host, h -> register(issuer, h, expiry)).expiry().set(expiry));
  }

  /** A deleted issuer's series go away with it. */
  public synchronized void forget(String issuer) {
    Map<String, Series> hosts = byIssuer.remove(issuer);
    if (hosts != null) {
      hosts.values().forEach(s -> drop(true, s));
    }
  }

  /** The current value of a series, for tests. */
  public double days(String issuer, String host) {
    Series series = byIssuer.getOrDefault(issuer, Map.of()).get(host);
    return series == null ? Double.NaN : days(series.expiry());
  }

  private Series register(String issuer, String host, Instant expiry) {
    AtomicReference<Instant> holder = new AtomicReference<>(expiry);
    Gauge gauge =
        Gauge.builder(METRIC, holder, this::days)
            .description(
                "Days until the earliest-expiring certificate served by an issuer's discovery or"
                    + " JWKS host expires")
            .tag("issuer", issuer)
            .tag("host", host)
            .register(registry);
    return new Series(holder, gauge);
  }

  private double days(AtomicReference<Instant> expiry) {
    return Duration.between(clock.instant(), expiry.get()).toSeconds() / SECONDS_PER_DAY;
  }

  private boolean drop(boolean drop, Series series) {
    if (drop) {
      registry.remove(series.gauge());
    }
    return drop;
  }
}
