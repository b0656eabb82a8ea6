package dev.cifederation.operator.issuer;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Optional;

/**
 * Which resolved addresses an issuer check may connect to. An issuer URL is written by whoever may
 * create a CIIssuer, and the operator fetches it from inside the cluster: without this rule a
 * CIIssuer (or the jwks_uri its discovery document names) could make the operator probe the cloud
 * metadata service, the API server or any in-cluster service.
 */
@FunctionalInterface
public interface AddressPolicy {

  /** The variable that lets issuers live on private and loopback addresses. */
  String ALLOW_PRIVATE_VARIABLE = "CIFED_ISSUER_ALLOW_PRIVATE";

  /** Why {@code address} must not be fetched, or empty when it may. */
  Optional<String> refusal(InetAddress address);

  /**
   * Public addresses only, or with {@code allowPrivate} also loopback, RFC 1918, unique-local and
   * carrier-grade NAT addresses (an issuer behind a VPN, the demo, the tests). Link-local (where
   * every cloud's metadata service lives), unspecified and multicast addresses are never allowed:
   * no OIDC issuer is served there.
   */
  static AddressPolicy standard(boolean allowPrivate) {
    return address -> {
      if (address.isAnyLocalAddress()) {
        return Optional.of("an unspecified address");
      }
      if (address.isLinkLocalAddress() || isMetadata(address)) {
        return Optional.of("link-local (cloud metadata) address");
      }
      if (address.isMulticastAddress()) {
        return Optional.of("a multicast address");
      }
      if (allowPrivate) {
        return Optional.empty();
      }
      if (address.isLoopbackAddress()) {
        return Optional.of("a loopback address (" + ALLOW_PRIVATE_VARIABLE + "=true allows it)");
      }
      if (isPrivate(address)) {
        return Optional.of("a private address (" + ALLOW_PRIVATE_VARIABLE + "=true allows it)");
      }
      return Optional.empty();
    };
  }

  private static boolean isMetadata(InetAddress address) {
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      // Alibaba's metadata service sits outside link-local
      return (b[0] & 0xff) == 100 && (b[1] & 0xff) == 100 && (b[2] & 0xff) == 100 && b[3] == -56;
    }
    // AWS's IPv6 instance metadata endpoint; the JDK folds IPv4-mapped IPv6 into Inet4Address
    byte[] awsImds = {(byte) 0xfd, 0, 0x0e, (byte) 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
    return Arrays.equals(b, awsImds);
  }

  private static boolean isPrivate(InetAddress address) {
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      return address.isSiteLocalAddress()
          // carrier-grade NAT, 100.64.0.0/10: pod and node networks of some clusters
          || (first == 100 && second >= 64 && second < 128)
          // 0.0.0.0/8 beyond the unspecified address
          || first == 0;
    }
    if (address instanceof Inet6Address) {
      // unique-local fc00::/7, the IPv6 counterpart of RFC 1918; site-local fec0::/10 (deprecated)
      return (b[0] & 0xfe) == 0xfc || address.isSiteLocalAddress();
    }
    return false;
  }
}
