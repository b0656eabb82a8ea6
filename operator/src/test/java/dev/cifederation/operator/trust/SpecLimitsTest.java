package dev.cifederation.operator.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.AzureRoleAssignment;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicySpec;
import dev.cifederation.operator.api.v1alpha1.CIIssuerSpec;
import dev.cifederation.operator.testsupport.Specs;
import io.fabric8.generator.annotation.Size;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The operator's own copy of admission's limits, for specs stored before the CRD had them. */
class SpecLimitsTest {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static CIFederatedIdentitySpec valid() {
    return Specs.withAllClouds(Specs.spec(s -> s.setEnvironment("production")));
  }

  @Test
  void theExampleShapedSpecPasses() {
    assertThatCode(() -> SpecLimits.check(valid())).doesNotThrowAnyException();
  }

  @Test
  void aStringPastItsCrdMaxLengthIsNamed() {
    var spec = valid();
    spec.setRepository("my-org/" + "a".repeat(1_000_000));
    assertRefused(spec, "spec.repository has 1000007 characters, more than the 255 allowed");

    var deep = valid();
    deep.getSubject().setEnvironment("e".repeat(256));
    assertRefused(deep, "spec.subject.environment has 256 characters");
  }

  @Test
  void listsAndTheirElementsFollowTheCrdToo() {
    var many = valid();
    many.getAws()
        .setManagedPolicyArns(
            IntStream.range(0, 21).mapToObj(i -> "arn:aws:iam::aws:policy/P" + i).toList());
    assertRefused(many, "spec.aws.managedPolicyArns has 21 entries, more than the 20 allowed");

    var longArn = valid();
    longArn.getAws().setManagedPolicyArns(List.of("arn:aws:iam::aws:policy/" + "x".repeat(3000)));
    assertRefused(longArn, "spec.aws.managedPolicyArns[0] has 3024 characters");

    var scope = valid();
    scope
        .getAzure()
        .setRoleAssignments(
            List.of(new AzureRoleAssignment("Reader", "/subscriptions/" + "s".repeat(2000))));
    assertRefused(scope, "spec.azure.roleAssignments[0].scope has 2015 characters");
  }

  @Test
  void repeatedEntriesAreRefused() {
    var arns = valid();
    arns.getAws()
        .setManagedPolicyArns(
            List.of(
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
                "arn:aws:iam::aws:policy/ReadOnlyAccess"));
    assertRefused(arns, "spec.aws.managedPolicyArns[1] repeats an earlier entry");

    var roles = valid();
    roles
        .getAzure()
        .setRoleAssignments(
            List.of(
                new AzureRoleAssignment("Reader", "/subscriptions/1/resourceGroups/rg"),
                new AzureRoleAssignment("reader", "/subscriptions/1/resourceGroups/RG")));
    assertRefused(roles, "spec.azure.roleAssignments[1] repeats");
  }

  @Test
  void anInlinePolicyIsMeasuredAsIamDoes() {
    var fits = valid();
    fits.getAws().setInlinePolicy(policyWithAction("s3:" + "x".repeat(9_000)));
    assertThatCode(() -> SpecLimits.check(fits)).doesNotThrowAnyException();

    var large = valid();
    large.getAws().setInlinePolicy(policyWithAction("i" + "*".repeat(200_000)));
    assertRefused(large, "spec.aws.inlinePolicy is longer than IAM's 10240 characters");
  }

  @Test
  void aDeeplyNestedInlinePolicyIsRefusedWithoutRecursion() {
    ObjectNode root = NODES.objectNode();
    ObjectNode node = root;
    for (int i = 0; i < 100_000; i++) {
      node = node.putObject("n");
    }
    var spec = valid();
    spec.getAws().setInlinePolicy(root);
    assertRefused(spec, "spec.aws.inlinePolicy nests deeper than 16 levels");
  }

  @Test
  void theCompilerChecksTheLimitsBeforeAnythingElse() {
    var spec = valid();
    spec.setRepository("*".repeat(300));
    assertThatThrownBy(() -> new TrustCompiler().compile(Specs.gitHub(), "team-a", "x", spec))
        .isInstanceOf(TrustCompilationException.class)
        .hasMessageContaining("spec.repository has 300 characters");
  }

  /**
   * Every free string of the CRDs has a maxLength (and every list a maxItems): what CEL rules cost
   * is estimated from those bounds, and the operator enforces the same ones.
   */
  @Test
  void everyStringAndListOfTheSpecsIsBounded() {
    List<String> unbounded = new ArrayList<>();
    Set<Class<?>> seen = new HashSet<>();
    for (Class<?> root :
        List.of(CIFederatedIdentitySpec.class, CIIssuerSpec.class, CIFederationPolicySpec.class)) {
      collectUnbounded(root, root.getSimpleName(), seen, unbounded);
    }
    assertThat(unbounded).isEmpty();
  }

  private static void collectUnbounded(
      Class<?> type, String path, Set<Class<?>> seen, List<String> unbounded) {
    if (!seen.add(type)) {
      return;
    }
    for (Field field : type.getDeclaredFields()) {
      if (Modifier.isStatic(field.getModifiers())) {
        continue;
      }
      String fieldPath = path + "." + field.getName();
      Class<?> fieldType = field.getType();
      if (fieldType == String.class && field.getAnnotation(Size.class) == null) {
        unbounded.add(fieldPath);
      }
      if (List.class.isAssignableFrom(fieldType)) {
        if (field.getAnnotation(Size.class) == null) {
          unbounded.add(fieldPath + " (maxItems)");
        }
        var element =
            ((AnnotatedParameterizedType) field.getAnnotatedType())
                .getAnnotatedActualTypeArguments()[0];
        if (element.getType() == String.class && element.getAnnotation(Size.class) == null) {
          unbounded.add(fieldPath + "[]");
        }
        if (element.getType() instanceof Class<?> c
            && c.getPackageName().equals(CIFederatedIdentitySpec.class.getPackageName())
            && !c.isEnum()) {
          collectUnbounded(c, fieldPath + "[]", seen, unbounded);
        }
      }
      if (fieldType.getPackageName().equals(CIFederatedIdentitySpec.class.getPackageName())
          && !fieldType.isEnum()) {
        collectUnbounded(fieldType, fieldPath, seen, unbounded);
      }
    }
  }

  private static ObjectNode policyWithAction(String action) {
    ObjectNode policy = NODES.objectNode();
    policy.put("Version", "2012-10-17");
    ObjectNode statement = policy.putArray("Statement").addObject();
    statement.put("Effect", "Allow");
    statement.put("Action", action);
    statement.put("Resource", "*");
    return policy;
  }

  private static void assertRefused(CIFederatedIdentitySpec spec, String message) {
    assertThatThrownBy(() -> SpecLimits.check(spec))
        .isInstanceOf(TrustCompilationException.class)
        .hasMessageContaining(message);
  }
}
