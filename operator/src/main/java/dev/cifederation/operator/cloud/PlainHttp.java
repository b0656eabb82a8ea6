package dev.cifederation.operator.cloud;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * Plain http for a cloud endpoint only on loopback (an emulator next to the operator): every
 * request carries a bearer token or an AWS session token, which must not cross a network in clear.
 */
public final class PlainHttp {

  private PlainHttp() {}

  /**
   * @throws IllegalArgumentException naming the variable when {@code uri} is http to a host that is
   *     not a loopback literal or {@code localhost}
   */
  public static void requireLoopback(String variable, URI uri) {
    if ("http".equalsIgnoreCase(uri.getScheme()) && !isLoopback(uri.getHost())) {
      throw new IllegalArgumentException(
          variable
              + "="
              + uri
              + " uses plain http to a non-loopback host; credentials would travel in clear:"
              + " use https (http is for an emulator on 127.0.0.1 only)");
    }
  }

  static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    try {
      // literal addresses only: a name that resolves to loopback today may not tomorrow
      return host.matches("[0-9.]+|\\[?[0-9a-fA-F:]+\\]?")
          && InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
