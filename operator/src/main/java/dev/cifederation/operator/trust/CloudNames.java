package dev.cifederation.operator.trust;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Cloud object names derived from a resource's namespace and name: deterministic (the same resource
 * always finds its objects again), legal in each cloud, and distinct for distinct resources.
 *
 * <p>AWS role and Azure names are readable: {@code cifed-<namespace>_<name>}. The {@code _} cannot
 * occur in a Kubernetes namespace or name, so it marks the boundary unambiguously: {@code a-b/c}
 * and {@code a/b-c} become {@code cifed-a-b_c} and {@code cifed-a_b-c}, where a {@code -} separator
 * would make both {@code cifed-a-b-c}. Azure does not allow {@code .}, so dots in the name become
 * {@code _} there, which stays unambiguous for the same reason. A readable name is used only when
 * it is shorter than the cloud's limit; otherwise it is cut and {@code -} plus the first 8 hex
 * digits of sha256("namespace/name") is appended, giving exactly the limit, so a hashed name can
 * never equal a readable one.
 *
 * <p>GCP provider IDs allow only 4-32 of {@code [a-z0-9-]}, too few for a readable unambiguous
 * form, so they are always {@code cifed-<up to 15 readable chars>-<10 hex of the sha256>}, e.g.
 * {@code cifed-team-a-deploy-1f2e3d4c5b}: they start with a letter, never with the reserved {@code
 * gcp-}, and never end in {@code -}.
 *
 * <p>GCP pool IDs (the default pool of a {@code CIIssuer}, one pool per issuer) have the same
 * rules: {@code cifed-<issuer name>} when the name has no {@code .} and the result is shorter than
 * 32; otherwise {@code cifed-<up to 15 chars, dots as ->-<hex of sha256(name)>}, the hash filling
 * it to exactly 32, so a hashed ID never equals a readable one and distinct issuers never share a
 * default pool. The {@code cifed-} prefix never yields the reserved {@code gcp-}, nor the earlier
 * shared default {@code ci-federation}.
 *
 * <p>Inputs must be what Kubernetes allows (namespace: DNS label; name: DNS subdomain), which is
 * what the uniqueness argument rests on; anything else is rejected with IllegalArgumentException.
 */
public final class CloudNames {

  static final String PREFIX = "cifed-";
  static final int AWS_ROLE_NAME_MAX = 64;
  static final int GCP_PROVIDER_ID_MAX = 32;
  static final int GCP_POOL_ID_MAX = 32;
  static final int AZURE_IDENTITY_NAME_MAX = 128;
  static final int AZURE_CREDENTIAL_NAME_MAX = 120;

  private static final int HASH_HEX_DIGITS = 8;
  private static final String MIGRATION_SUFFIX = "-migration";
  private static final int GCP_HASH_HEX_DIGITS = 10;
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final int DNS_SUBDOMAIN_MAX = 253;

  private CloudNames() {}

  /** IAM-legal ({@code [A-Za-z0-9+=,.@_-]}), at most 64 characters. */
  public static String awsRoleName(String namespace, String name) {
    requireKubernetesNames(namespace, name);
    return readableOrHashed(namespace, name, name, AWS_ROLE_NAME_MAX);
  }

  /**
   * 4-32 of {@code [a-z0-9-]}, starting with a letter, not with {@code gcp-}, not ending in {@code
   * -}.
   */
  public static String gcpProviderId(String namespace, String name) {
    requireKubernetesNames(namespace, name);
    int readableRoom = GCP_PROVIDER_ID_MAX - PREFIX.length() - 1 - GCP_HASH_HEX_DIGITS;
    String readable = (namespace + "-" + name).replace('.', '-');
    readable =
        stripTrailingDashes(readable.substring(0, Math.min(readable.length(), readableRoom)));
    return PREFIX + readable + "-" + sha256Hex(namespace, name).substring(0, GCP_HASH_HEX_DIGITS);
  }

  /** The default workload identity pool of a CIIssuer: 4-32 of {@code [a-z0-9-]}, see above. */
  public static String gcpPoolId(String issuerName) {
    if (issuerName == null
        || issuerName.length() > DNS_SUBDOMAIN_MAX
        || !DNS_SUBDOMAIN.matcher(issuerName).matches()) {
      throw new IllegalArgumentException(
          "not a Kubernetes name (DNS subdomain) of a CIIssuer: " + issuerName);
    }
    String readable = PREFIX + issuerName;
    if (readable.indexOf('.') < 0 && readable.length() < GCP_POOL_ID_MAX) {
      return readable;
    }
    int room = GCP_POOL_ID_MAX - PREFIX.length() - 1 - GCP_HASH_HEX_DIGITS;
    String cut = issuerName.replace('.', '-');
    cut = cut.substring(0, Math.min(cut.length(), room));
    // the hash fills up to exactly 32, so a hashed ID never equals a (shorter) readable one
    int hashDigits = GCP_POOL_ID_MAX - PREFIX.length() - cut.length() - 1;
    return PREFIX + cut + "-" + sha256Hex(issuerName).substring(0, hashDigits);
  }

  /** 3-128 of {@code [A-Za-z0-9_-]}, starting with a letter or digit. */
  public static String azureIdentityName(String namespace, String name) {
    requireKubernetesNames(namespace, name);
    return readableOrHashed(namespace, name, name.replace('.', '_'), AZURE_IDENTITY_NAME_MAX);
  }

  /** 3-120 of {@code [A-Za-z0-9_-]}, starting with a letter or digit. */
  public static String azureCredentialName(String namespace, String name) {
    requireKubernetesNames(namespace, name);
    return readableOrHashed(namespace, name, name.replace('.', '_'), AZURE_CREDENTIAL_NAME_MAX);
  }

  /**
   * The second federated credential an identity may hold, during a subject migration: {@link
   * #azureCredentialName} plus {@code -migration}, or, when that would not fit, the readable part
   * cut to leave room for {@code -<8 hex>-migration}, exactly 120 characters. It never equals the
   * first credential's name (a different length, or an end no hash has), and distinct resources get
   * distinct names.
   */
  public static String azureMigrationCredentialName(String namespace, String name) {
    String first = azureCredentialName(namespace, name);
    if (first.length() + MIGRATION_SUFFIX.length() < AZURE_CREDENTIAL_NAME_MAX) {
      return first + MIGRATION_SUFFIX;
    }
    String readable = PREFIX + namespace + "_" + name.replace('.', '_');
    int room = AZURE_CREDENTIAL_NAME_MAX - 1 - HASH_HEX_DIGITS - MIGRATION_SUFFIX.length();
    return readable.substring(0, room)
        + "-"
        + sha256Hex(namespace, name).substring(0, HASH_HEX_DIGITS)
        + MIGRATION_SUFFIX;
  }

  private static String readableOrHashed(
      String namespace, String name, String legalName, int maxLength) {
    String readable = PREFIX + namespace + "_" + legalName;
    if (readable.length() < maxLength) {
      return readable;
    }
    String hash = sha256Hex(namespace, name).substring(0, HASH_HEX_DIGITS);
    return readable.substring(0, maxLength - 1 - HASH_HEX_DIGITS) + "-" + hash;
  }

  private static void requireKubernetesNames(String namespace, String name) {
    if (namespace == null || !DNS_LABEL.matcher(namespace).matches()) {
      throw new IllegalArgumentException("not a Kubernetes namespace (DNS label): " + namespace);
    }
    if (name == null
        || name.length() > DNS_SUBDOMAIN_MAX
        || !DNS_SUBDOMAIN.matcher(name).matches()) {
      throw new IllegalArgumentException("not a Kubernetes name (DNS subdomain): " + name);
    }
  }

  private static String stripTrailingDashes(String value) {
    int end = value.length();
    while (end > 0 && value.charAt(end - 1) == '-') {
      end--;
    }
    return value.substring(0, end);
  }

  private static String sha256Hex(String namespace, String name) {
    return sha256Hex(namespace + "/" + name);
  }

  private static String sha256Hex(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform is required to provide SHA-256.
      throw new IllegalStateException(e);
    }
  }
}
