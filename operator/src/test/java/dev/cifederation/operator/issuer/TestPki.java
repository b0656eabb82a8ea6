package dev.cifederation.operator.issuer;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test PKI like a public issuer's: a root CA (the trust anchor, never sent by servers), two
 * intermediate CAs under it (A, then B after a "rotation"), and server certificates for 127.0.0.1
 * and localhost issued by either. EC P-256 keys, so generating it takes milliseconds.
 */
public final class TestPki {

  /** A certificate and its key. */
  public record Issued(X509Certificate certificate, KeyPair keys) {}

  /** What a TLS server presents: leaf first, then the intermediate (the AWS thumbprint). */
  public record Chain(PrivateKey key, List<X509Certificate> certificates) {
    public X509Certificate leaf() {
      return certificates.get(0);
    }

    public X509Certificate last() {
      return certificates.get(certificates.size() - 1);
    }
  }

  public final Issued root;
  public final Issued intermediateA;
  public final Issued intermediateB;

  private TestPki() {
    Instant now = Instant.now();
    root = issue("CN=CIFed Test Root", null, true, now.plus(Duration.ofDays(3650)));
    intermediateA =
        issue("CN=CIFed Test Intermediate A", root, true, now.plus(Duration.ofDays(1825)));
    intermediateB =
        issue("CN=CIFed Test Intermediate B", root, true, now.plus(Duration.ofDays(1825)));
  }

  public static TestPki generate() {
    return new TestPki();
  }

  /** A fresh server certificate for 127.0.0.1/localhost, valid for {@code validity}. */
  public Chain serverChain(Issued intermediate, Duration validity) {
    Issued leaf = issue("CN=localhost", intermediate, false, Instant.now().plus(validity));
    return new Chain(
        leaf.keys().getPrivate(), List.of(leaf.certificate(), intermediate.certificate()));
  }

  public String rootPem() {
    return pem(root.certificate());
  }

  static String pem(X509Certificate certificate) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(certificate);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toString();
  }

  private static Issued issue(String subject, Issued issuer, boolean ca, Instant notAfter) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair keys = generator.generateKeyPair();
      X500Name subjectName = new X500Name(subject);
      X500Name issuerName =
          issuer == null
              ? subjectName
              : X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded());
      KeyPair signer = issuer == null ? keys : issuer.keys();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              issuerName,
              new BigInteger(64, new SecureRandom()).add(BigInteger.ONE),
              Date.from(Instant.now().minus(Duration.ofHours(1))),
              Date.from(notAfter),
              subjectName,
              keys.getPublic());
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      builder.addExtension(
          Extension.subjectKeyIdentifier,
          false,
          extensions.createSubjectKeyIdentifier(keys.getPublic()));
      builder.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          extensions.createAuthorityKeyIdentifier(signer.getPublic()));
      if (ca) {
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        builder.addExtension(
            Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      } else {
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(
            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        builder.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(
                new GeneralName[] {
                  new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                  new GeneralName(GeneralName.dNSName, "localhost")
                }));
      }
      X509Certificate certificate =
          new JcaX509CertificateConverter()
              .getCertificate(
                  builder.build(
                      new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
      return new Issued(certificate, keys);
    } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
      throw new IllegalStateException("cannot issue " + subject, e);
    }
  }
}
