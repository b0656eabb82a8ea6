package dev.cifederation.fakes.azure;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A self-signed RSA certificate for {@code localhost} and {@code 127.0.0.1}, generated at start-up
 * with the JDK alone: the JDK has no public API that builds certificates, so the few DER structures
 * of RFC 5280 are encoded here. Clients trust it by adding {@link #pem()} to their trust anchors.
 */
public final class SelfSignedCertificate {

  private static final char[] KEY_PASSWORD = "fake-azure-arm".toCharArray();
  private static final byte[] SHA256_WITH_RSA = {
    0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x0b
  };
  private static final byte[] COMMON_NAME = {0x55, 0x04, 0x03};
  private static final byte[] SUBJECT_ALT_NAME = {0x55, 0x1d, 0x11};
  private static final byte[] BASIC_CONSTRAINTS = {0x55, 0x1d, 0x13};
  private static final DateTimeFormatter UTC_TIME =
      DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

  private final X509Certificate certificate;
  private final KeyPair keyPair;

  private SelfSignedCertificate(X509Certificate certificate, KeyPair keyPair) {
    this.certificate = certificate;
    this.keyPair = keyPair;
  }

  /** A fresh key pair and a certificate valid from an hour ago for {@code validity}. */
  public static SelfSignedCertificate generate(String commonName, Duration validity) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      KeyPair keyPair = generator.generateKeyPair();
      Instant notBefore = Instant.now().minus(Duration.ofHours(1));
      byte[] name = name(commonName);
      byte[] algorithm = sequence(oid(SHA256_WITH_RSA), new byte[] {0x05, 0x00});
      byte[] extensions =
          tagged(
              0xa3,
              sequence(
                  sequence(
                      oid(SUBJECT_ALT_NAME),
                      octetString(
                          sequence(
                              tagged(0x82, "localhost".getBytes(StandardCharsets.US_ASCII)),
                              tagged(0x87, new byte[] {127, 0, 0, 1})))),
                  sequence(oid(BASIC_CONSTRAINTS), octetString(sequence()))));
      byte[] tbs =
          sequence(
              tagged(0xa0, integer(BigInteger.TWO)),
              integer(new BigInteger(63, new SecureRandom()).add(BigInteger.ONE)),
              algorithm,
              name,
              sequence(utcTime(notBefore), utcTime(notBefore.plus(validity))),
              name,
              keyPair.getPublic().getEncoded(),
              extensions);
      Signature signer = Signature.getInstance("SHA256withRSA");
      signer.initSign(keyPair.getPrivate());
      signer.update(tbs);
      byte[] der = sequence(tbs, algorithm, bitString(signer.sign()));
      X509Certificate certificate =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(new ByteArrayInputStream(der));
      certificate.verify(keyPair.getPublic());
      return new SelfSignedCertificate(certificate, keyPair);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a self-signed certificate", e);
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** The certificate in PEM form, for a client's trust anchors. */
  public String pem() {
    try {
      return "-----BEGIN CERTIFICATE-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
              .encodeToString(certificate.getEncoded())
          + "\n-----END CERTIFICATE-----\n";
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A server-side TLS context presenting this certificate. */
  public SSLContext serverContext() {
    try {
      KeyStore keyStore = KeyStore.getInstance("PKCS12");
      keyStore.load(null, null);
      keyStore.setKeyEntry(
          "server",
          keyPair.getPrivate(),
          KEY_PASSWORD,
          new java.security.cert.Certificate[] {certificate});
      KeyManagerFactory keyManagers =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keyManagers.init(keyStore, KEY_PASSWORD);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot build the TLS context", e);
    }
  }

  // ------------------------------------------------------------------------------ DER encoding

  private static byte[] name(String commonName) {
    byte[] value = commonName.getBytes(StandardCharsets.UTF_8);
    return sequence(tagged(0x31, sequence(oid(COMMON_NAME), tagged(0x0c, value))));
  }

  private static byte[] utcTime(Instant instant) {
    return tagged(0x17, UTC_TIME.format(instant).getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] integer(BigInteger value) {
    return tagged(0x02, value.toByteArray());
  }

  private static byte[] oid(byte[] encoded) {
    return tagged(0x06, encoded);
  }

  private static byte[] octetString(byte[] content) {
    return tagged(0x04, content);
  }

  private static byte[] bitString(byte[] content) {
    byte[] withUnusedBits = new byte[content.length + 1];
    System.arraycopy(content, 0, withUnusedBits, 1, content.length);
    return tagged(0x03, withUnusedBits);
  }

  private static byte[] sequence(byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      content.writeBytes(part);
    }
    return tagged(0x30, content.toByteArray());
  }

  private static byte[] tagged(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = content.length;
    if (length < 0x80) {
      out.write(length);
    } else {
      byte[] lengthBytes = BigInteger.valueOf(length).toByteArray();
      int offset = lengthBytes[0] == 0 ? 1 : 0;
      out.write(0x80 | (lengthBytes.length - offset));
      out.write(lengthBytes, offset, lengthBytes.length - offset);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }
}
