package dev.cifederation.operator.testsupport;

import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicy;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A reconcile context for the identity reconciler without an API server: it knows only the
 * secondary resources the reconciler asks for — the issuer, the identity's namespace and the
 * policies — and fails a test on anything else.
 */
public final class IdentityContext {

  /** The namespace the unit tests' identities live in, labelled {@code team: a}. */
  public static final String NAMESPACE = "team-a";

  private IdentityContext() {}

  /** The issuer (null: not found) and no policy, in {@link #NAMESPACE}. */
  public static Context<CIFederatedIdentity> context(CIIssuer issuer) {
    return context(issuer, List.of());
  }

  /** The issuer (null: not found) and these policies, in {@link #NAMESPACE}. */
  @SuppressWarnings("unchecked")
  public static Context<CIFederatedIdentity> context(
      CIIssuer issuer, List<CIFederationPolicy> policies) {
    Namespace namespace =
        new NamespaceBuilder()
            .withNewMetadata()
            .withName(NAMESPACE)
            .withLabels(Map.of("team", "a"))
            .endMetadata()
            .build();
    return (Context<CIFederatedIdentity>)
        Proxy.newProxyInstance(
            Context.class.getClassLoader(),
            new Class<?>[] {Context.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getSecondaryResource") && args.length == 1) {
                return args[0] == Namespace.class
                    ? Optional.of(namespace)
                    : Optional.ofNullable(issuer);
              }
              if (method.getName().equals("getSecondaryResources")
                  && args[0] == CIFederationPolicy.class) {
                return Set.copyOf(policies);
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }
}
