package dev.cifederation.fakes.azure;

import java.util.Map;

/**
 * One request as the fake saw it: method, path (normalised: single slashes), decoded query, and the
 * status it answered.
 */
public record RecordedRequest(String method, String path, Map<String, String> query, int status) {

  public RecordedRequest {
    query = Map.copyOf(query);
  }

  public boolean isWrite() {
    return !method.equals("GET") && !method.equals("HEAD");
  }
}
