package dev.cifederation.operator.issuer;

import static dev.cifederation.operator.api.v1alpha1.IssuerReachableReason.AddressNotAllowed;
import static dev.cifederation.operator.api.v1alpha1.IssuerReachableReason.ConnectionFailed;
import static dev.cifederation.operator.api.v1alpha1.IssuerReachableReason.HttpError;
import static dev.cifederation.operator.api.v1alpha1.IssuerReachableReason.InvalidDocument;
import static dev.cifederation.operator.api.v1alpha1.IssuerReachableReason.Redirected;
import static dev.cifederation.operator.api.v1alpha1.IssuerReachableReason.Timeout;
import static dev.cifederation.operator.api.v1alpha1.IssuerReachableReason.TooLarge;
import static dev.cifederation.operator.api.v1alpha1.IssuerReachableReason.UntrustedCertificate;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * One HTTPS GET with every resource bounded: the host's addresses are resolved once and each is
 * checked against the {@link AddressPolicy}; the connection goes to a checked address (a second DNS
 * answer cannot swap it), TLS verifies the name in the URL; connect, handshake, headers and body
 * share one deadline, enforced on every read; headers and body are streamed against fixed caps and
 * the fetch stops at the first byte past them; redirects are reported, never followed.
 *
 * <p>The JDK's HttpClient resolves names itself and buffers or streams without a total deadline,
 * which is why this small HTTP/1.1 reader exists: it understands a status line, headers,
 * Content-Length, chunked transfer coding and close-delimited bodies, nothing more.
 */
final class BoundedHttps {

  static final int MAX_HEADER_BYTES = 64 * 1024;

  record Response(int status, byte[] body, SSLSession session) {}

  private final SSLContext tls;
  private final AddressPolicy addresses;
  private final Clock clock;
  private final Duration budget;
  private final Instant deadline;
  private final int maxBody;

  /** Every {@link #get} of this instance shares {@code budget}, counted from now. */
  BoundedHttps(SSLContext tls, AddressPolicy addresses, Clock clock, Duration budget, int maxBody) {
    this.tls = tls;
    this.addresses = addresses;
    this.clock = clock;
    this.budget = budget;
    this.deadline = clock.instant().plus(budget);
    this.maxBody = maxBody;
  }

  Response get(URI uri, String what) throws IssuerCheckException {
    String host = bare(uri.getHost());
    int port = uri.getPort() == -1 ? 443 : uri.getPort();
    List<InetAddress> resolved = resolve(uri, host);
    for (InetAddress address : resolved) {
      Optional<String> refusal = addresses.refusal(address);
      if (refusal.isPresent()) {
        throw new IssuerCheckException(
            AddressNotAllowed,
            "the "
                + what
                + " at "
                + uri
                + " is not fetched: "
                + host
                + " resolves to "
                + address.getHostAddress()
                + ", "
                + refusal.get());
      }
    }
    try (Socket socket = connect(uri, resolved, port)) {
      SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(socket, host, port, true);
      SSLParameters parameters = secure.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      if (!isLiteral(host)) {
        parameters.setServerNames(List.of(new SNIHostName(host)));
      }
      secure.setSSLParameters(parameters);
      handshake(uri, socket, secure);
      OutputStream out = secure.getOutputStream();
      out.write(request(uri, host, port).getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return read(uri, what, new DeadlineInput(socket, secure.getInputStream()), secure);
    } catch (SocketTimeoutException e) {
      throw timeout(uri, e);
    } catch (IOException e) {
      throw new IssuerCheckException(
          ConnectionFailed, "cannot fetch the " + what + " at " + uri + ": " + e.getMessage(), e);
    }
  }

  private List<InetAddress> resolve(URI uri, String host) throws IssuerCheckException {
    try {
      return List.of(InetAddress.getAllByName(host));
    } catch (UnknownHostException e) {
      throw new IssuerCheckException(ConnectionFailed, "cannot resolve the host of " + uri, e);
    }
  }

  private Socket connect(URI uri, List<InetAddress> resolved, int port)
      throws IssuerCheckException {
    IOException last = null;
    for (InetAddress address : resolved) {
      Socket socket = new Socket();
      try {
        socket.connect(new InetSocketAddress(address, port), remainingMillis(uri));
        return socket;
      } catch (SocketTimeoutException e) {
        close(socket);
        throw timeout(uri, e);
      } catch (IOException e) {
        close(socket);
        last = e;
      }
    }
    throw new IssuerCheckException(
        ConnectionFailed,
        "cannot connect to " + IssuerProbe.host(uri) + ": " + last.getMessage(),
        last);
  }

  private void handshake(URI uri, Socket socket, SSLSocket secure) throws IssuerCheckException {
    try {
      socket.setSoTimeout(remainingMillis(uri));
      secure.startHandshake();
    } catch (SocketTimeoutException e) {
      throw timeout(uri, e);
    } catch (SSLException e) {
      if (causedBy(e, SocketTimeoutException.class)) {
        throw timeout(uri, e);
      }
      throw new IssuerCheckException(
          UntrustedCertificate,
          "TLS to "
              + IssuerProbe.host(uri)
              + " failed: "
              + rootMessage(e)
              + " (trust anchors: the JVM's CAs, CIFED_EXTRA_CA_FILE and spec.caBundle)",
          e);
    } catch (IOException e) {
      throw new IssuerCheckException(
          ConnectionFailed, "TLS to " + IssuerProbe.host(uri) + " failed: " + rootMessage(e), e);
    }
  }

  private static String request(URI uri, String host, int port) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    String authority = (isLiteral(host) && host.contains(":") ? "[" + host + "]" : host);
    authority = port == 443 ? authority : authority + ":" + port;
    return "GET "
        + path
        + query
        + " HTTP/1.1\r\nHost: "
        + authority
        + "\r\nAccept: application/json\r\nAccept-Encoding: identity\r\n"
        + "User-Agent: cifederation-operator\r\nConnection: close\r\n\r\n";
  }

  private Response read(URI uri, String what, DeadlineInput in, SSLSocket secure)
      throws IOException, IssuerCheckException {
    HeaderReader headers = new HeaderReader(in, uri, what, "headers");
    String statusLine = headers.line();
    String[] parts = statusLine.split(" ", 3);
    int status;
    try {
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new NumberFormatException();
      }
      status = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IssuerCheckException(
          InvalidDocument, "the " + what + " at " + uri + " did not answer HTTP/1.1");
    }
    long contentLength = -1;
    boolean chunked = false;
    String location = null;
    for (String line = headers.line(); !line.isEmpty(); line = headers.line()) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> contentLength = parseLength(value, uri, what);
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "location" -> location = value;
        default -> {}
      }
    }
    if (status >= 300 && status < 400) {
      throw new IssuerCheckException(
          Redirected,
          "the "
              + what
              + " at "
              + uri
              + " answered HTTP "
              + status
              + " to "
              + (location == null ? "(no Location)" : abbreviate(location))
              + "; redirects are not followed, spec.url and jwks_uri must name the document");
    }
    if (status != 200) {
      throw new IssuerCheckException(
          HttpError, "the " + what + " at " + uri + " answered HTTP " + status);
    }
    if (!chunked && contentLength > maxBody) {
      throw tooLarge(uri, what);
    }
    byte[] body =
        chunked
            ? chunked(in, new HeaderReader(in, uri, what, "chunk framing"), uri, what)
            : contentLength >= 0 ? exactly(in, contentLength) : untilClose(in, uri, what);
    return new Response(status, body, secure.getSession());
  }

  private byte[] chunked(DeadlineInput in, HeaderReader framing, URI uri, String what)
      throws IOException, IssuerCheckException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = framing.line();
      int semicolon = sizeLine.indexOf(';');
      String hex = (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim();
      long size;
      try {
        size = hex.isEmpty() || hex.length() > 8 ? -1 : Long.parseLong(hex, 16);
      } catch (NumberFormatException e) {
        size = -1;
      }
      if (size < 0) {
        throw new IssuerCheckException(
            InvalidDocument, "the " + what + " at " + uri + " has a malformed chunk size");
      }
      if (size == 0) {
        return body.toByteArray();
      }
      if (body.size() + size > maxBody) {
        throw tooLarge(uri, what);
      }
      body.write(exactly(in, size));
      framing.line(); // the CRLF after the chunk's data
    }
  }

  private static byte[] exactly(DeadlineInput in, long length) throws IOException {
    byte[] data = new byte[(int) length];
    int read = 0;
    while (read < length) {
      int n = in.read(data, read, data.length - read);
      if (n < 0) {
        throw new EOFException("the body ended after " + read + " of " + length + " bytes");
      }
      read += n;
    }
    return data;
  }

  private byte[] untilClose(DeadlineInput in, URI uri, String what)
      throws IOException, IssuerCheckException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    for (int n = in.read(buffer, 0, buffer.length); n >= 0; n = in.read(buffer, 0, buffer.length)) {
      if (body.size() + n > maxBody) {
        throw tooLarge(uri, what);
      }
      body.write(buffer, 0, n);
    }
    return body.toByteArray();
  }

  private long parseLength(String value, URI uri, String what) throws IssuerCheckException {
    try {
      long length = Long.parseLong(value);
      if (length < 0) {
        throw new NumberFormatException();
      }
      return length;
    } catch (NumberFormatException e) {
      throw new IssuerCheckException(
          InvalidDocument, "the " + what + " at " + uri + " has an invalid Content-Length");
    }
  }

  private IssuerCheckException tooLarge(URI uri, String what) {
    return new IssuerCheckException(
        TooLarge,
        "the "
            + what
            + " at "
            + uri
            + " is larger than "
            + (maxBody / 1024)
            + " KiB; the fetch was stopped there");
  }

  private IssuerCheckException timeout(URI uri, Exception cause) {
    long seconds = Math.max(1, budget.toSeconds());
    return new IssuerCheckException(
        Timeout,
        "no complete answer from "
            + uri
            + " within the check's deadline ("
            + seconds
            + "s for discovery and JWKS together)",
        cause);
  }

  private int remainingMillis(URI uri) throws IssuerCheckException {
    long left = deadline.toEpochMilli() - clock.millis();
    if (left <= 0) {
      throw timeout(uri, null);
    }
    return (int) Math.min(Integer.MAX_VALUE, left);
  }

  /** Every read waits at most until the deadline, so a drip of single bytes cannot extend it. */
  private final class DeadlineInput {
    private final Socket socket;
    private final InputStream in;

    DeadlineInput(Socket socket, InputStream in) {
      this.socket = socket;
      this.in = in;
    }

    int read() throws IOException {
      arm();
      return in.read();
    }

    int read(byte[] buffer, int offset, int length) throws IOException {
      arm();
      return in.read(buffer, offset, length);
    }

    private void arm() throws IOException {
      long left = deadline.toEpochMilli() - clock.millis();
      if (left <= 0) {
        throw new SocketTimeoutException("deadline passed");
      }
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
    }
  }

  /** CRLF-terminated lines, all of them together at most {@link #MAX_HEADER_BYTES}. */
  private final class HeaderReader {
    private final DeadlineInput in;
    private final URI uri;
    private final String what;
    private final String part;
    private int total;

    HeaderReader(DeadlineInput in, URI uri, String what, String part) {
      this.in = in;
      this.uri = uri;
      this.what = what;
      this.part = part;
    }

    String line() throws IOException, IssuerCheckException {
      StringBuilder line = new StringBuilder();
      while (true) {
        int b = in.read();
        if (b < 0) {
          throw new EOFException("the connection closed mid-response");
        }
        if (++total > MAX_HEADER_BYTES) {
          throw new IssuerCheckException(
              TooLarge,
              "the "
                  + what
                  + " at "
                  + uri
                  + " sent more than 64 KiB of "
                  + part
                  + "; stopped there");
        }
        if (b == '\n') {
          int end = line.length();
          return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : "" + line;
        }
        line.append((char) b);
      }
    }
  }

  private static String bare(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private static boolean isLiteral(String host) {
    return host.contains(":") || host.matches("[0-9.]+");
  }

  private static String abbreviate(String value) {
    return value.length() > 200 ? value.substring(0, 200) + "…" : value;
  }

  private static void close(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing was sent on it
    }
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message =
        root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return e == root || e.getMessage() == null ? message : e.getMessage() + " (" + message + ")";
  }
}
