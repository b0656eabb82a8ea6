package dev.cifederation.operator.cloud.aws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cifederation.operator.cloud.aws.RoleChange.AttachManagedPolicy;
import dev.cifederation.operator.cloud.aws.RoleChange.DeleteInlinePolicy;
import dev.cifederation.operator.cloud.aws.RoleChange.DeletePermissionsBoundary;
import dev.cifederation.operator.cloud.aws.RoleChange.DetachManagedPolicy;
import dev.cifederation.operator.cloud.aws.RoleChange.PutInlinePolicy;
import dev.cifederation.operator.cloud.aws.RoleChange.PutPermissionsBoundary;
import dev.cifederation.operator.cloud.aws.RoleChange.TagRole;
import dev.cifederation.operator.cloud.aws.RoleChange.UpdateMaxSessionDuration;
import dev.cifederation.operator.cloud.aws.RoleChange.UpdateTrustPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Plans the writes that turn a live role into the desired one: only the difference, compared
 * semantically, never a re-creation. Pure.
 *
 * <p>Order matters while the writes are under way: what narrows access (a boundary, the trust
 * policy, detaching, deleting inline policies) comes before what widens it (putting and attaching
 * policies, a longer session, removing the boundary), so no intermediate state grants more than
 * either end state.
 */
public final class RolePlanner {

  private RolePlanner() {}

  public static List<RoleChange> plan(DesiredRole desired, LiveRole live) {
    List<RoleChange> changes = new ArrayList<>();
    String liveBoundary = live.permissionsBoundaryArn().orElse(null);

    desired
        .permissionsBoundaryArn()
        .filter(arn -> !arn.equals(liveBoundary))
        .ifPresent(arn -> changes.add(new PutPermissionsBoundary(arn, liveBoundary)));

    if (!PolicyDocuments.equivalent(desired.trustPolicy(), live.trustPolicy())) {
      changes.add(new UpdateTrustPolicy(desired.trustPolicy(), live.trustPolicy()));
    }

    for (String arn : new TreeSet<>(live.managedPolicyArns())) {
      if (!desired.managedPolicyArns().contains(arn)) {
        changes.add(new DetachManagedPolicy(arn));
      }
    }

    for (String name : new TreeSet<>(live.inlinePolicies().keySet())) {
      if (desired.inlinePolicy().isEmpty() || !name.equals(DesiredRole.INLINE_POLICY_NAME)) {
        changes.add(new DeleteInlinePolicy(name));
      }
    }
    if (desired.inlinePolicy().isPresent()) {
      JsonNode liveInline = live.inlinePolicies().get(DesiredRole.INLINE_POLICY_NAME);
      if (!PolicyDocuments.equivalent(desired.inlinePolicy().get(), liveInline)) {
        changes.add(
            new PutInlinePolicy(
                DesiredRole.INLINE_POLICY_NAME, desired.inlinePolicy().get(), liveInline != null));
      }
    }

    for (String arn : new TreeSet<>(desired.managedPolicyArns())) {
      if (!live.managedPolicyArns().contains(arn)) {
        changes.add(new AttachManagedPolicy(arn));
      }
    }

    if (live.maxSessionDuration().isEmpty()
        || live.maxSessionDuration().getAsInt() != desired.maxSessionDuration()) {
      changes.add(
          new UpdateMaxSessionDuration(desired.maxSessionDuration(), live.maxSessionDuration()));
    }

    if (desired.permissionsBoundaryArn().isEmpty() && liveBoundary != null) {
      changes.add(new DeletePermissionsBoundary(liveBoundary));
    }

    Map<String, String> missingTags = new LinkedHashMap<>();
    desired
        .tags()
        .forEach(
            (key, value) -> {
              if (!value.equals(live.tags().get(key))) {
                missingTags.put(key, value);
              }
            });
    if (!missingTags.isEmpty()) {
      changes.add(new TagRole(missingTags));
    }
    return changes;
  }
}
