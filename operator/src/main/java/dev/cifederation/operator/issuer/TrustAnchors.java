package dev.cifederation.operator.issuer;

import dev.cifederation.operator.api.v1alpha1.IssuerReachableReason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The trust anchors of issuer checks: the JVM's default CAs, plus the operator-wide extra file
 * ({@code CIFED_EXTRA_CA_FILE}), plus an issuer's own {@code spec.caBundle}. Nothing else — in
 * particular no "trust all" fallback. The operator's one way to trust extra CAs: the Azure adapter
 * builds its client's trust from {@code CIFED_AZURE_CA_FILE} here too.
 */
public final class TrustAnchors {

  public static final String EXTRA_CA_VARIABLE = "CIFED_EXTRA_CA_FILE";

  private final List<X509Certificate> base;

  private TrustAnchors(List<X509Certificate> base) {
    this.base = List.copyOf(base);
  }

  /**
   * The JVM defaults plus the extra file, read once; a file that cannot be read or holds no
   * certificate stops the operator at start-up with a message naming the variable.
   */
  public static TrustAnchors withExtraFile(Optional<Path> extraCaFile) {
    return withFile(EXTRA_CA_VARIABLE, extraCaFile);
  }

  /**
   * The JVM defaults plus the PEM file the environment variable {@code variable} names, read once;
   * a file that cannot be read or holds no certificate is an error naming the variable.
   */
  public static TrustAnchors withFile(String variable, Optional<Path> caFile) {
    List<X509Certificate> anchors = new ArrayList<>(jvmDefaults());
    if (caFile.isPresent()) {
      Path file = caFile.get();
      try {
        anchors.addAll(parsePem(Files.readString(file, StandardCharsets.US_ASCII)));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            variable + "=" + file + " cannot be read: " + e.getMessage(), e);
      } catch (CertificateException e) {
        throw new IllegalArgumentException(
            variable + "=" + file + " holds no valid PEM certificate: " + e.getMessage(), e);
      }
    }
    return new TrustAnchors(anchors);
  }

  /** Trust managers that trust exactly these anchors. */
  public TrustManagerFactory trustManagers() {
    return trustManagers(base);
  }

  /** A fresh SSL context trusting these anchors plus {@code caBundle} (PEM, may be blank). */
  SSLContext sslContext(String caBundle) throws IssuerCheckException {
    List<X509Certificate> anchors = new ArrayList<>(base);
    if (caBundle != null && !caBundle.isBlank()) {
      try {
        anchors.addAll(parsePem(caBundle));
      } catch (CertificateException e) {
        throw new IssuerCheckException(
            IssuerReachableReason.InvalidCaBundle,
            "spec.caBundle must hold PEM certificates: " + e.getMessage(),
            e);
      }
    }
    try {
      // a new context per check: its session cache is empty, so every check does a full handshake
      // and sees the chain the host serves now, never a resumed session's old one
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trustManagers(anchors).getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the issuer trust store", e);
    }
  }

  private static TrustManagerFactory trustManagers(List<X509Certificate> anchors) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      for (int i = 0; i < anchors.size(); i++) {
        store.setCertificateEntry("anchor-" + i, anchors.get(i));
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      return factory;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a trust store", e);
    }
  }

  static List<X509Certificate> parsePem(String pem) throws CertificateException {
    List<X509Certificate> certificates = new ArrayList<>();
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    for (var certificate :
        factory.generateCertificates(
            new ByteArrayInputStream(pem.strip().getBytes(StandardCharsets.US_ASCII)))) {
      certificates.add((X509Certificate) certificate);
    }
    if (certificates.isEmpty()) {
      throw new CertificateException("no certificate found");
    }
    return certificates;
  }

  private static List<X509Certificate> jvmDefaults() {
    try {
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init((KeyStore) null);
      List<X509Certificate> defaults = new ArrayList<>();
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          defaults.addAll(List.of(x509.getAcceptedIssuers()));
        }
      }
      return defaults;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot read the JVM's default trust anchors", e);
    }
  }
}
