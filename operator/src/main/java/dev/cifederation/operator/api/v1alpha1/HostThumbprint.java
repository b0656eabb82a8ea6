package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

public class HostThumbprint {

  @JsonPropertyDescription("The TLS host (discovery or JWKS), host[:port].")
  private String host;

  @JsonPropertyDescription(
      "Lowercase hex SHA-1 of the DER of the last certificate the host presents.")
  private String sha1;

  @JsonPropertyDescription("Expiry of that certificate (RFC 3339).")
  private String notAfter;

  public String getHost() {
    return host;
  }

  public void setHost(String host) {
    this.host = host;
  }

  public String getSha1() {
    return sha1;
  }

  public void setSha1(String sha1) {
    this.sha1 = sha1;
  }

  public String getNotAfter() {
    return notAfter;
  }

  public void setNotAfter(String notAfter) {
    this.notAfter = notAfter;
  }
}
