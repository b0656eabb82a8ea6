package dev.cifederation.operator.cloud;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one scan target (an AWS account, a GCP project, an Azure subscription or resource group)
 * held, or why it could not be read completely.
 *
 * @param target e.g. {@code aws:123456789012}
 * @param failure empty when every read succeeded; otherwise what failed (the objects read before
 *     are kept)
 */
public record TargetScan(String target, List<ScannedObject> objects, Optional<String> failure) {

  public TargetScan {
    Objects.requireNonNull(target, "target");
    objects = List.copyOf(objects);
    Objects.requireNonNull(failure, "failure");
  }
}
