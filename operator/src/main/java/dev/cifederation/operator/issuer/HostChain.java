package dev.cifederation.operator.issuer;

import java.time.Instant;

/**
 * What one TLS host of an issuer presented.
 *
 * @param host {@code host} or {@code host:port} (port only when not 443)
 * @param sha1 the AWS thumbprint: SHA-1 of the last certificate presented
 * @param notAfter expiry of that certificate
 * @param earliestExpiry the earliest expiry of any presented certificate (usually the leaf): when
 *     the host stops working unless it rotates
 */
public record HostChain(String host, String sha1, Instant notAfter, Instant earliestExpiry) {}
