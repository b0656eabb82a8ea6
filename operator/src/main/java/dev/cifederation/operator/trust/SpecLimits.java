package dev.cifederation.operator.trust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.AwsIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.AzureIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.AzureRoleAssignment;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import io.fabric8.generator.annotation.Size;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The size limits of a spec, checked by the operator before anything else reads it: a spec stored
 * before the CRD carried these limits (or written around admission) is refused with the field
 * named, never handed to the linter, the evaluators or a cloud.
 *
 * <p>String and list sizes are the CRD's own: the {@code @Size} annotations the CRD is generated
 * from are read here, so admission and operator cannot disagree. What the schema cannot express is
 * checked explicitly: the inline policy's size as IAM counts it and its nesting, and uniqueness.
 */
public final class SpecLimits {

  /** IAM's limit for a role's inline policies: characters, whitespace not counted. */
  public static final int INLINE_POLICY_CHARACTERS = 10_240;

  /** Far deeper than any IAM policy document (Statement, Condition, operator, key, values). */
  public static final int INLINE_POLICY_DEPTH = 16;

  private static final String MODEL_PACKAGE = CIFederatedIdentitySpec.class.getPackageName();

  private SpecLimits() {}

  /**
   * @throws TrustCompilationException naming the first field past its limit
   */
  public static void check(CIFederatedIdentitySpec spec) throws TrustCompilationException {
    sizes(spec, "spec");
    AwsIdentitySpec aws = spec.getAws();
    if (aws != null) {
      unique(aws.getManagedPolicyArns(), "spec.aws.managedPolicyArns");
      inlinePolicy(aws.getInlinePolicy());
    }
    AzureIdentitySpec azure = spec.getAzure();
    if (azure != null && azure.getRoleAssignments() != null) {
      unique(
          azure.getRoleAssignments().stream().map(SpecLimits::assignmentKey).toList(),
          "spec.azure.roleAssignments");
    }
  }

  private static String assignmentKey(AzureRoleAssignment assignment) {
    if (assignment == null) {
      return null;
    }
    // Azure compares role names and scopes case-insensitively
    return (assignment.getRole() + " at " + assignment.getScope()).toLowerCase(Locale.ROOT);
  }

  private static void unique(List<String> values, String field) throws TrustCompilationException {
    if (values == null) {
      return;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < values.size(); i++) {
      if (!seen.add(values.get(i))) {
        throw new TrustCompilationException(
            field + "[" + i + "] repeats an earlier entry; entries must be unique");
      }
    }
  }

  private static void inlinePolicy(ObjectNode policy) throws TrustCompilationException {
    if (policy == null) {
      return;
    }
    // iteratively, so the depth check itself cannot overflow the stack; counts characters as IAM
    // does (whitespace outside strings is not counted; compact JSON has none)
    long characters = 0;
    Deque<JsonNode> nodes = new ArrayDeque<>();
    Deque<Integer> depths = new ArrayDeque<>();
    nodes.push(policy);
    depths.push(1);
    while (!nodes.isEmpty()) {
      JsonNode node = nodes.pop();
      int depth = depths.pop();
      if (depth > INLINE_POLICY_DEPTH) {
        throw new TrustCompilationException(
            "spec.aws.inlinePolicy nests deeper than "
                + INLINE_POLICY_DEPTH
                + " levels; an IAM policy document never does");
      }
      if (node.isContainerNode()) {
        characters += 2 + Math.max(0, node.size() - 1);
        var fields = node.fields();
        while (fields.hasNext()) {
          var field = fields.next();
          characters += field.getKey().length() + 3;
          nodes.push(field.getValue());
          depths.push(depth + 1);
        }
        if (node.isArray()) {
          for (JsonNode element : node) {
            nodes.push(element);
            depths.push(depth + 1);
          }
        }
      } else {
        characters += node.isTextual() ? node.asText().length() + 2 : node.asText().length();
      }
      if (characters > INLINE_POLICY_CHARACTERS) {
        throw new TrustCompilationException(
            "spec.aws.inlinePolicy is longer than IAM's "
                + INLINE_POLICY_CHARACTERS
                + " characters for a role's inline policy (whitespace not counted)");
      }
    }
  }

  /** Every {@code @Size} of the model, on strings, lists and list elements, walked recursively. */
  private static void sizes(Object value, String path) throws TrustCompilationException {
    for (Class<?> type = value.getClass();
        type != null && type.getPackageName().equals(MODEL_PACKAGE);
        type = type.getSuperclass()) {
      for (Field field : type.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers())) {
          continue;
        }
        Object fieldValue = read(field, value);
        if (fieldValue == null) {
          continue;
        }
        String fieldPath = path + "." + field.getName();
        bounded(fieldValue, field.getAnnotation(Size.class), fieldPath);
        if (fieldValue instanceof List<?> list) {
          Size element = elementSize(field.getAnnotatedType());
          for (int i = 0; i < list.size(); i++) {
            Object item = list.get(i);
            if (item == null) {
              continue;
            }
            bounded(item, element, fieldPath + "[" + i + "]");
            nested(item, fieldPath + "[" + i + "]");
          }
        } else {
          nested(fieldValue, fieldPath);
        }
      }
    }
  }

  private static void nested(Object value, String path) throws TrustCompilationException {
    if (value.getClass().getPackageName().equals(MODEL_PACKAGE) && !value.getClass().isEnum()) {
      sizes(value, path);
    }
  }

  private static void bounded(Object value, Size size, String path)
      throws TrustCompilationException {
    if (size == null) {
      return;
    }
    long length;
    String unit;
    if (value instanceof String text) {
      length = text.length();
      unit = "characters";
    } else if (value instanceof List<?> list) {
      length = list.size();
      unit = "entries";
    } else {
      return;
    }
    if (length > size.max()) {
      throw new TrustCompilationException(
          path + " has " + length + " " + unit + ", more than the " + size.max() + " allowed");
    }
  }

  private static Size elementSize(AnnotatedType type) {
    if (type instanceof AnnotatedParameterizedType parameterized
        && parameterized.getAnnotatedActualTypeArguments().length == 1) {
      return parameterized.getAnnotatedActualTypeArguments()[0].getAnnotation(Size.class);
    }
    return null;
  }

  private static Object read(Field field, Object owner) {
    try {
      field.setAccessible(true);
      return field.get(owner);
    } catch (IllegalAccessException | RuntimeException e) {
      throw new IllegalStateException("cannot read " + field + " of the model", e);
    }
  }
}
