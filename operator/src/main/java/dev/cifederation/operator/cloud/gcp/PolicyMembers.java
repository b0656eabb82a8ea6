package dev.cifederation.operator.cloud.gcp;

import com.google.api.services.iam.v1.model.Binding;
import com.google.api.services.iam.v1.model.Policy;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Edits of a service account's IAM policy that touch exactly one member of one role's unconditional
 * binding. Conditional bindings and every other member and role are left as they were: a policy
 * written back after these edits loses nothing somebody else put there.
 */
final class PolicyMembers {

  static final String WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser";

  /** IAM's policy version that keeps conditional role bindings intact on write. */
  static final int POLICY_VERSION = 3;

  private PolicyMembers() {}

  static boolean has(Policy policy, String role, String member) {
    if (policy == null || policy.getBindings() == null) {
      return false;
    }
    return policy.getBindings().stream()
        .anyMatch(
            b ->
                role.equals(b.getRole())
                    && b.getCondition() == null
                    && b.getMembers() != null
                    && b.getMembers().contains(member));
  }

  /** Adds the member to the role's unconditional binding (created if missing). */
  static boolean add(Policy policy, String role, String member) {
    if (has(policy, role, member)) {
      return false;
    }
    List<Binding> bindings =
        policy.getBindings() == null ? new ArrayList<>() : new ArrayList<>(policy.getBindings());
    Binding target =
        bindings.stream()
            .filter(b -> role.equals(b.getRole()) && b.getCondition() == null)
            .findFirst()
            .orElse(null);
    if (target == null) {
      target = new Binding().setRole(role).setMembers(new ArrayList<>());
      bindings.add(target);
    }
    List<String> members =
        target.getMembers() == null ? new ArrayList<>() : new ArrayList<>(target.getMembers());
    members.add(member);
    target.setMembers(members);
    policy.setBindings(bindings);
    return true;
  }

  /**
   * Removes the member from the role's unconditional binding; a binding left without members is
   * dropped (IAM rejects empty bindings).
   */
  static boolean remove(Policy policy, String role, String member) {
    if (!has(policy, role, member)) {
      return false;
    }
    List<Binding> bindings = new ArrayList<>(policy.getBindings());
    for (Iterator<Binding> it = bindings.iterator(); it.hasNext(); ) {
      Binding binding = it.next();
      if (role.equals(binding.getRole()) && binding.getCondition() == null) {
        List<String> members = new ArrayList<>(binding.getMembers());
        members.removeIf(member::equals);
        if (members.isEmpty()) {
          it.remove();
        } else {
          binding.setMembers(members);
        }
      }
    }
    policy.setBindings(bindings);
    return true;
  }
}
