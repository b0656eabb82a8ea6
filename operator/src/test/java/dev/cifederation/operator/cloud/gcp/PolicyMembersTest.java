package dev.cifederation.operator.cloud.gcp;

import static dev.cifederation.operator.cloud.gcp.PolicyMembers.WORKLOAD_IDENTITY_USER;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.services.iam.v1.model.Binding;
import com.google.api.services.iam.v1.model.Expr;
import com.google.api.services.iam.v1.model.Policy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyMembersTest {

  private static final String OURS =
      "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/s";

  @Test
  void addsToTheExistingUnconditionalBindingKeepingItsMembers() {
    Policy policy = policy(binding(WORKLOAD_IDENTITY_USER, "user:alice@example.com"));

    assertThat(PolicyMembers.add(policy, WORKLOAD_IDENTITY_USER, OURS)).isTrue();

    assertThat(policy.getBindings()).hasSize(1);
    assertThat(policy.getBindings().get(0).getMembers())
        .containsExactly("user:alice@example.com", OURS);
  }

  @Test
  void createsTheBindingWhenTheRoleHasNone() {
    Policy policy = policy(binding("roles/iam.serviceAccountUser", "user:bob@example.com"));

    PolicyMembers.add(policy, WORKLOAD_IDENTITY_USER, OURS);

    assertThat(policy.getBindings()).hasSize(2);
    assertThat(PolicyMembers.has(policy, WORKLOAD_IDENTITY_USER, OURS)).isTrue();
    assertThat(policy.getBindings().get(0).getMembers()).containsExactly("user:bob@example.com");
  }

  @Test
  void addingTwiceChangesNothing() {
    Policy policy = policy(binding(WORKLOAD_IDENTITY_USER, OURS));

    assertThat(PolicyMembers.add(policy, WORKLOAD_IDENTITY_USER, OURS)).isFalse();
    assertThat(policy.getBindings().get(0).getMembers()).containsExactly(OURS);
  }

  @Test
  void aConditionalBindingOfTheRoleDoesNotCountAndIsNotTouched() {
    Binding conditional =
        binding(WORKLOAD_IDENTITY_USER, OURS)
            .setCondition(new Expr().setTitle("until 2030").setExpression("request.time < ..."));
    Policy policy = policy(conditional);

    assertThat(PolicyMembers.has(policy, WORKLOAD_IDENTITY_USER, OURS)).isFalse();
    PolicyMembers.add(policy, WORKLOAD_IDENTITY_USER, OURS);

    assertThat(policy.getBindings()).hasSize(2);
    assertThat(policy.getBindings().get(0)).isSameAs(conditional);
    assertThat(conditional.getMembers()).containsExactly(OURS);

    PolicyMembers.remove(policy, WORKLOAD_IDENTITY_USER, OURS);
    assertThat(policy.getBindings()).containsExactly(conditional);
  }

  @Test
  void removesOnlyOurMember() {
    Policy policy =
        policy(
            binding(WORKLOAD_IDENTITY_USER, "user:alice@example.com", OURS),
            binding("roles/iam.serviceAccountTokenCreator", OURS));

    assertThat(PolicyMembers.remove(policy, WORKLOAD_IDENTITY_USER, OURS)).isTrue();

    assertThat(policy.getBindings()).hasSize(2);
    assertThat(policy.getBindings().get(0).getMembers()).containsExactly("user:alice@example.com");
    assertThat(policy.getBindings().get(1).getMembers())
        .as("the same member under another role is not ours to remove")
        .containsExactly(OURS);
  }

  @Test
  void aBindingLeftEmptyIsDropped() {
    Policy policy = policy(binding(WORKLOAD_IDENTITY_USER, OURS));

    PolicyMembers.remove(policy, WORKLOAD_IDENTITY_USER, OURS);

    assertThat(policy.getBindings()).isEmpty();
    assertThat(PolicyMembers.remove(policy, WORKLOAD_IDENTITY_USER, OURS)).isFalse();
  }

  @Test
  void anEmptyPolicyHasNoMembers() {
    Policy empty = new Policy().setEtag("ACAB");

    assertThat(PolicyMembers.has(empty, WORKLOAD_IDENTITY_USER, OURS)).isFalse();
    assertThat(PolicyMembers.remove(empty, WORKLOAD_IDENTITY_USER, OURS)).isFalse();
    assertThat(PolicyMembers.add(empty, WORKLOAD_IDENTITY_USER, OURS)).isTrue();
    assertThat(empty.getEtag()).as("the etag is carried to the write").isEqualTo("ACAB");
  }

  private static Policy policy(Binding... bindings) {
    return new Policy().setBindings(new ArrayList<>(List.of(bindings))).setEtag("BwX=");
  }

  private static Binding binding(String role, String... members) {
    return new Binding().setRole(role).setMembers(new ArrayList<>(List.of(members)));
  }
}
