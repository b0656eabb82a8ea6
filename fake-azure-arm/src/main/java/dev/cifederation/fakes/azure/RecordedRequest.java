package dev.cifederation.fakes.azure;

import java.util.Map;

/**
 * One request as the fake saw it: method, path (normalised: single slashes), decoded query, the
 * status it answered, and the headers that identify the caller in Azure's logs (the User-Agent, and
 * the {@code x-ms-client-request-id} the Activity Log keeps as {@code
 * httpRequest.clientRequestId}).
 */
public record RecordedRequest(
    String method,
    String path,
    Map<String, String> query,
    int status,
    String userAgent,
    String clientRequestId) {

  public RecordedRequest {
    query = Map.copyOf(query);
  }

  public boolean isWrite() {
    return !method.equals("GET") && !method.equals("HEAD");
  }
}
