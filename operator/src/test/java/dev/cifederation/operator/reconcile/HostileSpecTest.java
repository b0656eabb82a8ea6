package dev.cifederation.operator.reconcile;

import static dev.cifederation.operator.testsupport.Conditions.condition;
import static dev.cifederation.operator.testsupport.IdentityContext.context;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.AzureRoleAssignment;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.cloud.Cloud;
import dev.cifederation.operator.testsupport.AdapterCalls;
import dev.cifederation.operator.testsupport.Adapters;
import dev.cifederation.operator.testsupport.Fixtures;
import dev.cifederation.operator.testsupport.IdentityContext;
import dev.cifederation.operator.testsupport.RecordedEvents;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import java.time.Clock;
import java.util.List;
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
  private static final CIIssuer GITHUB = Fixtures.gitHubIssuer("github");
  private final AdapterCalls cloudCalls = new AdapterCalls();
  private final IdentityReconciler reconciler =
      new IdentityReconciler(
          new TrustCompiler(),
          List.of(cloudCalls.record(Adapters.inSync(Cloud.AWS))),
          new RecordedEvents(Clock.systemUTC()),
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
      var control = reconciler.pass(identity, context(GITHUB));
      Condition ready = condition(control.getResource().orElseThrow(), "Ready");
      assertThat(ready.getReason()).as(hostile.name()).isEqualTo("InvalidSpec");
      assertThat(ready.getMessage()).as(hostile.name()).contains(hostile.field());
    }
    assertThat(cloudCalls.all()).as("no cloud is called for a hostile spec").isEmpty();
    // the adapter is wired: a normal identity reaches it
    reconciler.pass(identity("normal"), context(GITHUB));
    assertThat(cloudCalls.all()).containsExactly("AWS reconcile team-a/normal");
  }

  @Test
  void aHostileIdentityCanStillBeDeleted() {
    for (Hostile hostile : HOSTILE) {
      DeleteControl control = reconciler.cleanup(hostile(hostile), context(GITHUB));
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
      normal.forEach(i -> reconciler.pass(copy(i), context(GITHUB)));
      hostile.forEach(i -> reconciler.pass(copy(i), context(GITHUB)));
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
        reconciler.pass(copy(normal.get(n)), context(GITHUB));
        normalTime += System.nanoTime() - t;
        if (n % 10 == 9) {
          long h = System.nanoTime();
          reconciler.pass(copy(hostile.get(n / 10)), context(GITHUB));
          hostileWorst = Math.max(hostileWorst, System.nanoTime() - h);
        }
      }
      beside = Math.min(beside, normalTime);
      assertThat(System.nanoTime() - start).isPositive();
    }
    assertThat(cloudCalls.all())
        .as(
            "the normal identities went all the way to the adapter, so the time compared is real work")
        .contains("AWS reconcile team-a/normal-0", "AWS reconcile team-a/normal-49");
    // the same work: within noise of each other (generous, the machine is shared)
    assertThat(beside).as("50 normal beside hostile, ns").isLessThan(alone * 2 + 20_000_000L);
    // and a hostile identity is refused as fast as a normal one is reconciled, give or take
    assertThat(hostileWorst).as("worst hostile reconcile, ns").isLessThan(1_000_000_000L);
  }

  private long timeNormal(List<CIFederatedIdentity> normal, List<CIFederatedIdentity> unused) {
    long total = 0;
    for (CIFederatedIdentity identity : normal) {
      long t = System.nanoTime();
      reconciler.pass(copy(identity), context(GITHUB));
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
    CIFederatedIdentity identity =
        Fixtures.identity(
            IdentityContext.NAMESPACE,
            name,
            """
            issuerRef: github
            repository: my-org/my-app
            subject: {environment: production}
            aws:
              accountId: "123456789012"
              inlinePolicy:
                Version: "2012-10-17"
                Statement: [{Effect: Allow, Action: ["s3:GetObject", "s3:PutObject"], Resource: "*"}]
            """);
    identity.getMetadata().setGeneration(1L);
    return identity;
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
}
