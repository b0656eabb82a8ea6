package dev.cifederation.operator.cloud;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.trust.CompiledTrust;

/**
 * What an adapter needs for one identity: the resource as the API server has it (spec, metadata,
 * last status) and the trust compiled from it.
 */
public record CloudRequest(CIFederatedIdentity identity, CompiledTrust trust) {

  public String namespace() {
    return identity.getMetadata().getNamespace();
  }

  public String name() {
    return identity.getMetadata().getName();
  }

  /** The value of the {@code cifederation.dev/owner} ownership tag: {@code <namespace>/<name>}. */
  public String owner() {
    return namespace() + "/" + name();
  }
}
