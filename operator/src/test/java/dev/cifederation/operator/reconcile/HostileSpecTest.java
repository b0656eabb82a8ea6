package dev.cifederation.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.AzureRoleAssignment;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicy;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.cloud.CloudOutcome;
import dev.cifederation.operator.cloud.CloudReconciler;
import dev.cifederation.operator.cloud.CloudRequest;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Pathological identities — specs written before the CRD bounded them, or around admission — end
 * InvalidSpec naming the field, reach no cloud, can still be deleted, and cost the identities
 * around them nothing: 50 normal identities reconcile as fast beside 5 hostile ones as alone.
 */
class HostileSpecTest {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private final List<String> cloudCalls = Collections.synchronizedList(new ArrayList<>());
  private final CloudReconciler aws =
      new CloudReconciler() {
        @Override
        public Cloud cloud() {
          return Cloud.AWS;
        }

        @Override
        public CloudOutcome reconcile(CloudRequest request) {
          cloudCalls.add("reconcile " + request.owner());
          return CloudOutcome.synced("in sync", s -> {});
        }

        @Override
        public CloudOutcome cleanup(CloudRequest request) {
          cloudCalls.add("cleanup " + request.owner());
          return CloudOutcome.synced("deleted", s -> {});
        }
      };
  private final IdentityReconciler reconciler =
      new IdentityReconciler(
          new TrustCompiler(),
          List.of(aws),
          new EventRecorder(null, Clock.systemUTC()) {
            @Override
            public void record(HasMetadata subject, Type type, String reason, String message) {}
          },
          Clock.systemUTC());

  private record Hostile(String name, String field, Consumer<CIFederatedIdentity> damage) {}

  private static final List<Hostile> HOSTILE =
      List.of(
          new Hostile(
              "stars",
              "spec.aws.inlinePolicy",
              i -> i.getSpec().getAws().setInlinePolicy(policy("i" + "*".repeat(200_000)))),
          new Hostile(
              "nested",
              "spec.aws.inlinePolicy",
              i -> i.getSpec().getAws().setInlinePolicy(nested(400))),
          new Hostile(
              "long-repository",
              "spec.repository",
              i -> i.getSpec().setRepository("my-org/" + "a".repeat(1 << 20))),
          new Hostile(
              "many-policies",
              "spec.aws.managedPolicyArns",
              i ->
                  i.getSpec()
                      .getAws()
                      .setManagedPolicyArns(
                          IntStream.range(0, 5000)
                              .mapToObj(n -> "arn:aws:iam::aws:policy/P" + n)
                              .toList())),
          new Hostile(
              "repeated-roles",
              "spec.azure.roleAssignments",
              i -> {
                var azure = new dev.cifederation.operator.api.v1alpha1.AzureIdentitySpec();
                azure.setSubscriptionId("00000000-0000-0000-0000-000000000000");
                azure.setResourceGroup("rg");
                azure.setLocation("westeurope");
                var same = new AzureRoleAssignment("Reader", "/subscriptions/0/resourceGroups/rg");
                azure.setRoleAssignments(List.of(same, same));
                i.getSpec().setAzure(azure);
              }));

  @Test
  void eachHostileIdentityIsInvalidSpecNamingTheFieldAndReachesNoCloud() {
    for (Hostile hostile : HOSTILE) {
      CIFederatedIdentity identity = hostile(hostile);
      var control = reconciler.reconcile(identity, context());
      Condition ready =
          control.getResource().orElseThrow().getStatus().getConditions().stream()
              .filter(c -> c.getType().equals("Ready"))
              .findFirst()
              .orElseThrow();
      assertThat(ready.getReason()).as(hostile.name()).isEqualTo("InvalidSpec");
      assertThat(ready.getMessage()).as(hostile.name()).contains(hostile.field());
    }
    assertThat(cloudCalls).as("no cloud is called for a hostile spec").isEmpty();
  }

  @Test
  void aHostileIdentityCanStillBeDeleted() {
    for (Hostile hostile : HOSTILE) {
      DeleteControl control = reconciler.cleanup(hostile(hostile), context());
      assertThat(control.isRemoveFinalizer()).as(hostile.name()).isTrue();
    }
  }

  @Test
  void fiftyNormalIdentitiesTakeNoLongerBesideFiveHostileOnes() {
    List<CIFederatedIdentity> normal =
        IntStream.range(0, 50).mapToObj(n -> identity("normal-" + n)).toList();
    List<CIFederatedIdentity> hostile = HOSTILE.stream().map(this::hostile).toList();
    // warm up the JIT on both paths before measuring
    for (int round = 0; round < 3; round++) {
      normal.forEach(i -> reconciler.reconcile(copy(i), context()));
      hostile.forEach(i -> reconciler.reconcile(copy(i), context()));
    }

    long alone = Long.MAX_VALUE;
    long beside = Long.MAX_VALUE;
    long hostileWorst = 0;
    for (int round = 0; round < 5; round++) {
      alone = Math.min(alone, timeNormal(normal, List.of()));
      long start = System.nanoTime();
      long normalTime = 0;
      // interleaved: every tenth identity is followed by a hostile one
      for (int n = 0; n < normal.size(); n++) {
        long t = System.nanoTime();
        reconciler.reconcile(copy(normal.get(n)), context());
        normalTime += System.nanoTime() - t;
        if (n % 10 == 9) {
          long h = System.nanoTime();
          reconciler.reconcile(copy(hostile.get(n / 10)), context());
          hostileWorst = Math.max(hostileWorst, System.nanoTime() - h);
        }
      }
      beside = Math.min(beside, normalTime);
      assertThat(System.nanoTime() - start).isPositive();
    }
    assertThat(cloudCalls)
        .as(
            "the normal identities went all the way to the adapter, so the time compared is real work")
        .contains("reconcile team-a/normal-0", "reconcile team-a/normal-49");
    // the same work: within noise of each other (generous, the machine is shared)
    assertThat(beside).as("50 normal beside hostile, ns").isLessThan(alone * 2 + 20_000_000L);
    // and a hostile identity is refused as fast as a normal one is reconciled, give or take
    assertThat(hostileWorst).as("worst hostile reconcile, ns").isLessThan(1_000_000_000L);
  }

  private long timeNormal(List<CIFederatedIdentity> normal, List<CIFederatedIdentity> unused) {
    long total = 0;
    for (CIFederatedIdentity identity : normal) {
      long t = System.nanoTime();
      reconciler.reconcile(copy(identity), context());
      total += System.nanoTime() - t;
    }
    return total;
  }

  private CIFederatedIdentity hostile(Hostile hostile) {
    CIFederatedIdentity identity = identity(hostile.name());
    hostile.damage().accept(identity);
    return identity;
  }

  private static CIFederatedIdentity copy(CIFederatedIdentity identity) {
    // reconcile reads the identity; status is rebuilt each pass, so sharing the spec is fine
    CIFederatedIdentity copy = new CIFederatedIdentity();
    copy.setMetadata(identity.getMetadata());
    copy.setSpec(identity.getSpec());
    return copy;
  }

  private static CIFederatedIdentity identity(String name) {
    return Serialization.unmarshal(
        """
        apiVersion: cifederation.dev/v1alpha1
        kind: CIFederatedIdentity
        metadata: {name: %s, namespace: team-a, generation: 1}
        spec:
          issuerRef: github
          repository: my-org/my-app
          subject: {environment: production}
          aws:
            accountId: "123456789012"
            inlinePolicy:
              Version: "2012-10-17"
              Statement: [{Effect: Allow, Action: ["s3:GetObject", "s3:PutObject"], Resource: "*"}]
        """
            .formatted(name),
        CIFederatedIdentity.class);
  }

  private static ObjectNode policy(String action) {
    ObjectNode policy = NODES.objectNode();
    policy.put("Version", "2012-10-17");
    ObjectNode statement = policy.putArray("Statement").addObject();
    statement.put("Effect", "Allow");
    statement.put("Action", action);
    statement.put("Resource", "*");
    return policy;
  }

  private static ObjectNode nested(int depth) {
    ObjectNode root = NODES.objectNode();
    root.put("Version", "2012-10-17");
    ObjectNode node = root;
    for (int i = 0; i < depth; i++) {
      node = node.putObject("Condition");
    }
    return root;
  }

  @SuppressWarnings("unchecked")
  private static Context<CIFederatedIdentity> context() {
    CIIssuer issuer =
        Serialization.unmarshal(
            """
            apiVersion: cifederation.dev/v1alpha1
            kind: CIIssuer
            metadata: {name: github}
            spec: {url: "https://token.actions.githubusercontent.com", dialect: GitHub}
            """,
            CIIssuer.class);
    Namespace namespace =
        new NamespaceBuilder().withNewMetadata().withName("team-a").endMetadata().build();
    return (Context<CIFederatedIdentity>)
        Proxy.newProxyInstance(
            Context.class.getClassLoader(),
            new Class<?>[] {Context.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getSecondaryResource") && args.length == 1) {
                return args[0] == Namespace.class ? Optional.of(namespace) : Optional.of(issuer);
              }
              if (method.getName().equals("getSecondaryResources")
                  && args[0] == CIFederationPolicy.class) {
                return Set.of();
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }
}
