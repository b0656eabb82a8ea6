package dev.cifederation.operator.cloud.gcp;

import static dev.cifederation.operator.cloud.gcp.PolicyMembers.WORKLOAD_IDENTITY_USER;

import com.google.api.services.iam.v1.model.Binding;
import com.google.api.services.iam.v1.model.Policy;
import dev.cifederation.operator.cloud.ScopeScans;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One scheduled read of a service account's IAM policy ({@code getIamPolicy}), as the passes of the
 * identities bound to it share it. The write path does not use it for its etag: a read-modify-write
 * reads the policy itself and records what it wrote here.
 */
final class PolicyScan implements ScopeScans.View {

  static final String POLICY_KEY = "policy";

  private volatile Policy policy;

  PolicyScan(Policy policy) {
    this.policy = policy;
  }

  Policy policy() {
    return policy;
  }

  /** The policy as the operator's own read-modify-write left it. */
  void put(Policy written) {
    policy = written;
  }

  static String memberKey(String member) {
    return "member/" + member;
  }

  /**
   * {@code member/M}: each member of {@value PolicyMembers#WORKLOAD_IDENTITY_USER}, whatever else
   * changes (an unconditional binding is what the operator writes; a condition on it is a change).
   */
  @Override
  public Map<String, Object> fingerprints() {
    Policy now = policy;
    Map<String, Set<String>> conditions = new HashMap<>();
    if (now != null && now.getBindings() != null) {
      for (Binding binding : now.getBindings()) {
        if (WORKLOAD_IDENTITY_USER.equals(binding.getRole()) && binding.getMembers() != null) {
          String condition =
              binding.getCondition() == null ? "" : binding.getCondition().getExpression();
          binding
              .getMembers()
              .forEach(
                  m ->
                      conditions
                          .computeIfAbsent(memberKey(m), k -> new TreeSet<>())
                          .add(condition));
        }
      }
    }
    return new HashMap<>(conditions);
  }
}
