package dev.cifederation.operator.issuer;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.util.HexFormat;
import java.util.List;

/**
 * The thumbprint as AWS defines it for IAM OIDC providers: the lowercase hex SHA-1 of the DER
 * encoding of the last certificate the server presents in its TLS chain (usually the top
 * intermediate CA; the leaf when the server sends only that).
 */
public final class Thumbprints {

  private Thumbprints() {}

  /** The thumbprint of a presented chain (in the order the server sent it). */
  public static String ofPresentedChain(List<? extends Certificate> presented) {
    if (presented.isEmpty()) {
      throw new IllegalArgumentException("the server presented no certificate");
    }
    return sha1(presented.get(presented.size() - 1));
  }

  /** Lowercase hex SHA-1 of the certificate's DER. */
  public static String sha1(Certificate certificate) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-1").digest(certificate.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException("cannot fingerprint a certificate", e);
    }
  }
}
