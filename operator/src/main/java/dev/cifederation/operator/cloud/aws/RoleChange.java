package dev.cifederation.operator.cloud.aws;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * One write that brings a live role to its desired state; {@link #describe()} says what it changed,
 * for Events and logs, and {@link #difference()} what differs while nothing is written, for
 * Observe's DriftDetected message.
 */
public sealed interface RoleChange {

  /** The IAM operation this change is written with. */
  String operation();

  String describe();

  /** What differs from the spec, said of a role that is left as it is (Observe). */
  String difference();

  /** Documents longer than this are cut in messages. */
  int SHOWN_DOCUMENT_CHARS = 500;

  record UpdateTrustPolicy(JsonNode document, JsonNode live) implements RoleChange {
    @Override
    public String operation() {
      return "UpdateAssumeRolePolicy";
    }

    @Override
    public String describe() {
      return "trust policy set to the compiled one " + wasLive();
    }

    @Override
    public String difference() {
      return "trust policy differs from the compiled one " + wasLive();
    }

    /** Names what the live policy said, conditions first: that is where widening happens. */
    private String wasLive() {
      JsonNode statements = live.path("Statement");
      if (!statements.isArray() && !statements.isObject()) {
        return "(was " + shorten(live) + ")";
      }
      List<String> had = new ArrayList<>();
      for (JsonNode statement : statements.isArray() ? statements : List.of(statements)) {
        had.add(
            statement.path("Effect").asText()
                + " "
                + PolicyDocuments.toJson(statement.path("Principal"))
                + " if "
                + PolicyDocuments.toJson(statement.path("Condition")));
      }
      return "(was " + shorten(String.join("; ", had)) + ")";
    }
  }

  record AttachManagedPolicy(String policyArn) implements RoleChange {
    @Override
    public String operation() {
      return "AttachRolePolicy";
    }

    @Override
    public String describe() {
      return "managed policy " + policyArn + " attached";
    }

    @Override
    public String difference() {
      return "managed policy " + policyArn + " not attached (in spec.aws.managedPolicyArns)";
    }
  }

  record DetachManagedPolicy(String policyArn) implements RoleChange {
    @Override
    public String operation() {
      return "DetachRolePolicy";
    }

    @Override
    public String describe() {
      return "managed policy " + policyArn + " detached (not in spec.aws.managedPolicyArns)";
    }

    @Override
    public String difference() {
      return "managed policy " + policyArn + " attached (not in spec.aws.managedPolicyArns)";
    }
  }

  record PutInlinePolicy(String policyName, JsonNode document, boolean existed)
      implements RoleChange {
    @Override
    public String operation() {
      return "PutRolePolicy";
    }

    @Override
    public String describe() {
      return "inline policy "
          + policyName
          + (existed ? " set to spec.aws.inlinePolicy" : " put from spec.aws.inlinePolicy");
    }

    @Override
    public String difference() {
      return "inline policy "
          + policyName
          + (existed ? " differs from spec.aws.inlinePolicy" : " missing (spec.aws.inlinePolicy)");
    }
  }

  record DeleteInlinePolicy(String policyName) implements RoleChange {
    @Override
    public String operation() {
      return "DeleteRolePolicy";
    }

    @Override
    public String describe() {
      return "inline policy " + policyName + " deleted (not in spec.aws.inlinePolicy)";
    }

    @Override
    public String difference() {
      return "inline policy " + policyName + " present (not in spec.aws.inlinePolicy)";
    }
  }

  record UpdateMaxSessionDuration(int seconds, OptionalInt live) implements RoleChange {
    @Override
    public String operation() {
      return "UpdateRole";
    }

    @Override
    public String describe() {
      return "max session duration set to "
          + seconds
          + " s"
          + (live.isPresent() ? " (was " + live.getAsInt() + " s)" : "");
    }

    @Override
    public String difference() {
      return "max session duration is "
          + (live.isPresent() ? live.getAsInt() + " s" : "unset")
          + ", the spec's "
          + seconds
          + " s";
    }
  }

  record PutPermissionsBoundary(String policyArn, String live) implements RoleChange {
    @Override
    public String operation() {
      return "PutRolePermissionsBoundary";
    }

    @Override
    public String describe() {
      return "permissions boundary set to "
          + policyArn
          + (live == null ? " (had none)" : " (was " + live + ")");
    }

    @Override
    public String difference() {
      return "permissions boundary is "
          + (live == null ? "unset" : live)
          + ", spec.aws.permissionsBoundaryArn "
          + policyArn;
    }
  }

  record DeletePermissionsBoundary(String live) implements RoleChange {
    @Override
    public String operation() {
      return "DeleteRolePermissionsBoundary";
    }

    @Override
    public String describe() {
      return "permissions boundary " + live + " removed (not in spec.aws.permissionsBoundaryArn)";
    }

    @Override
    public String difference() {
      return "permissions boundary " + live + " present (not in spec.aws.permissionsBoundaryArn)";
    }
  }

  record TagRole(Map<String, String> tags) implements RoleChange {
    @Override
    public String operation() {
      return "TagRole";
    }

    @Override
    public String describe() {
      return "ownership tags " + tags + " set";
    }

    @Override
    public String difference() {
      return "ownership tags " + tags + " missing";
    }
  }

  private static String shorten(JsonNode document) {
    return shorten(PolicyDocuments.toJson(document));
  }

  private static String shorten(String json) {
    return json.length() <= SHOWN_DOCUMENT_CHARS
        ? json
        : json.substring(0, SHOWN_DOCUMENT_CHARS) + "…";
  }
}
