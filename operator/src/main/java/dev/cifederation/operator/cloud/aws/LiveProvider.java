package dev.cifederation.operator.cloud.aws;

import java.util.List;
import java.util.Map;

/** An IAM OIDC provider as read from the account. */
public record LiveProvider(
    String arn, List<String> clientIds, List<String> thumbprints, Map<String, String> tags) {

  public LiveProvider {
    clientIds = List.copyOf(clientIds);
    thumbprints = List.copyOf(thumbprints);
    tags = Map.copyOf(tags);
  }
}
