package dev.cifederation.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.TrustManagerFactory;

/** Trust in the fakes' self-signed certificates, for the bench's clients and its fault proxy. */
final class TrustStores {

  private TrustStores() {}

  /** Trust managers that trust exactly the PEM certificates of {@code caFile}. */
  static TrustManagerFactory trusting(Path caFile) {
    try (InputStream pem = Files.newInputStream(caFile)) {
      KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
      anchors.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(pem)) {
        anchors.setCertificateEntry("fake-" + i++, c);
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(anchors);
      return trust;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot read the certificates of " + caFile, e);
    }
  }
}
