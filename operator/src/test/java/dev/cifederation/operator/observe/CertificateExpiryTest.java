package dev.cifederation.operator.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CertificateExpiryTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void daysUntilExpiryPerIssuerAndHostInPrometheusFormat() {
    var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    var expiry = new CertificateExpiry(registry, Clock.fixed(NOW, ZoneOffset.UTC));

    expiry.record(
        "gitlab",
        Map.of(
            "gitlab.example.com", NOW.plus(Duration.ofDays(30)),
            "keys.example.com:8443", NOW.plus(Duration.ofHours(36))));

    assertThat(expiry.days("gitlab", "gitlab.example.com")).isEqualTo(30.0);
    assertThat(expiry.days("gitlab", "keys.example.com:8443")).isCloseTo(1.5, within(1e-9));
    assertThat(registry.scrape())
        .contains(
            "cifed_issuer_certificate_expiry_days{host=\"gitlab.example.com\",issuer=\"gitlab\"} 30.0");

    // a host no longer served, then the issuer itself, take their series with them
    expiry.record("gitlab", Map.of("gitlab.example.com", NOW.plus(Duration.ofDays(29))));
    assertThat(registry.scrape())
        .contains("issuer=\"gitlab\"} 29.0")
        .doesNotContain("keys.example.com");
    expiry.forget("gitlab");
    assertThat(registry.scrape()).doesNotContain("cifed_issuer_certificate_expiry_days{");
  }
}
