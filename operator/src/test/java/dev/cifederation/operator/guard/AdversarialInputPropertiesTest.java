package dev.cifederation.operator.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.api.v1alpha1.AwsIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.CIFederationPolicy;
import dev.cifederation.operator.api.v1alpha1.CIIssuerSpec;
import dev.cifederation.operator.api.v1alpha1.GcpIdentitySpec;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.SubjectSelector;
import dev.cifederation.operator.trust.Admission;
import dev.cifederation.operator.trust.Cel;
import dev.cifederation.operator.trust.Claims;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.IssuerInfo;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.TrustCompilationException;
import dev.cifederation.operator.trust.TrustCompiler;
import dev.cifederation.operator.trust.TrustEvaluator;
import dev.cifederation.operator.trust.WhoCanAssume;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Arbitrary and adversarial input to every pure part that reads what users or clouds wrote: the
 * trust lint, the evaluators, "who can assume", CEL, the claims reader, the trust compiler and the
 * policy evaluator. Each gives a result or its one documented exception, nothing else. Inputs that
 * once failed are kept as {@code @Example}s.
 */
class AdversarialInputPropertiesTest {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** IAM's vocabulary, so random trees hit the paths the code branches on. */
  private static final List<String> IAM_WORDS =
      List.of(
          "Version",
          "Statement",
          "Effect",
          "Allow",
          "Deny",
          "Principal",
          "NotPrincipal",
          "Federated",
          "AWS",
          "Action",
          "NotAction",
          "Resource",
          "Condition",
          "StringEquals",
          "StringLike",
          "StringNotLike",
          "ForAnyValue:StringLike",
          "ForAllValues:StringEquals",
          "StringEqualsIfExists",
          "Null",
          "Bool",
          "sts:AssumeRoleWithWebIdentity",
          "sts:*",
          "*",
          "token.actions.githubusercontent.com:sub",
          "token.actions.githubusercontent.com:aud",
          "gitlab.com:sub",
          "repo:*",
          "repo:my-org/*:*",
          "repo:my-org/my-app:ref:refs/heads/main",
          "sts.amazonaws.com",
          "${aws:username}",
          "${*}",
          "${",
          "}",
          "?",
          "**",
          "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
          "arn:aws:iam::123456789012:oidc-provider/*",
          "iam:PassRole",
          "s3:Get*",
          "");

  private static final List<String> CLAIM_NAMES =
      List.of(
          "sub",
          "aud",
          "iss",
          "repository",
          "repository_owner",
          "environment",
          "ref",
          "job_workflow_ref",
          "project_path",
          "ref_type",
          "nested",
          "");

  private static final List<String> CEL_PIECES =
      List.of(
          "assertion",
          ".",
          "sub",
          "repository",
          "[",
          "]",
          "(",
          ")",
          "'",
          "\"",
          "==",
          "!=",
          "&&",
          "||",
          "!",
          "?",
          ":",
          "in",
          "+",
          "-",
          "*",
          "/",
          "%",
          ",",
          "{",
          "}",
          "true",
          "null",
          "1",
          "-9223372036854775808",
          "9223372036854775807",
          "0",
          "1.5e308",
          "startsWith",
          "matches",
          "'(a+)+$'",
          "'['",
          "extract",
          "'{x}'",
          "size",
          "has",
          "exists",
          "all",
          "x",
          "int",
          "string",
          "lowerAscii",
          "r'\\\\'",
          "b'",
          "\\u",
          " ");

  // ------------------------------------------------------------------------------ AWS trust

  @Property(tries = 600)
  void awsTrustPoliciesAreLintedEvaluatedAndDescribedWithoutThrowing(
      @ForAll("iamDocuments") String json, @ForAll("claims") Claims claims) {
    LiveTrust.Aws trust =
        new LiveTrust.Aws(
            "arn:aws:iam::123456789012:role/r",
            json,
            Map.of("inline", json),
            java.util.Set.of(),
            java.util.Optional.empty());
    assertThatCode(
            () -> {
              TrustLint.lint(trust, "AWS", TrustLint.Limits.none());
              Admission admission = TrustEvaluator.evaluate(trust, claims);
              assertThat(admission.reason()).isNotNull();
              assertThat(WhoCanAssume.describe(trust)).isNotNull();
            })
        .doesNotThrowAnyException();
  }

  // ------------------------------------------------------------------------------ GCP trust

  @Property(tries = 600)
  void gcpProvidersWithArbitraryCelAreHandled(
      @ForAll("cel") String condition,
      @ForAll("cel") String mapping,
      @ForAll("claims") Claims claims) {
    LiveTrust.Gcp trust =
        new LiveTrust.Gcp(
            "projects/1/locations/global/workloadIdentityPools/p/providers/x",
            "https://token.actions.githubusercontent.com",
            List.of("https://iam.googleapis.com/x"),
            Map.of("google.subject", mapping, "attribute.repository", "assertion.repository"),
            condition,
            List.of(
                "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/attribute.repository/my-org/my-app"));
    assertThatCode(
            () -> {
              TrustLint.lint(trust, "GCP", TrustLint.Limits.none());
              TrustEvaluator.evaluate(trust, claims);
              WhoCanAssume.describe(trust);
            })
        .doesNotThrowAnyException();
  }

  // ------------------------------------------------------------------------------------ CEL

  @Property(tries = 2000)
  void celParsesOrSaysWhyAndEvaluatesOrRaisesACelError(
      @ForAll("cel") String text, @ForAll("claims") Claims claims) {
    Cel.Expression expression;
    try {
      expression = Cel.parse(text);
    } catch (IllegalArgumentException refused) {
      return;
    }
    try {
      expression.evaluate(Map.of("assertion", claims.asMap()));
    } catch (Cel.EvaluationException celError) {
      // what CEL reports as an error value
    }
  }

  @Example
  void deepNestingIsRefusedNotRecursedInto() {
    for (String deep :
        List.of(
            "(".repeat(50_000) + "1" + ")".repeat(50_000),
            "!".repeat(50_000) + "true",
            "-".repeat(50_000) + "1",
            "1" + " + 1".repeat(50_000),
            "a" + ".b".repeat(5_000),
            "[".repeat(50_000),
            "true" + " || true".repeat(5_000))) {
      try {
        Cel.parse(deep);
      } catch (IllegalArgumentException expected) {
        assertThat(expected.getMessage()).containsAnyOf("deeper", "characters long");
        continue;
      }
      throw new AssertionError("parsed " + deep.substring(0, 20) + "…");
    }
  }

  @Example
  void matchesIsLinearOnACatastrophicPattern() {
    long start = System.nanoTime();
    Object result =
        Cel.parse("assertion.sub.matches('^(a+)+$')")
            .evaluate(Map.of("assertion", Map.of("sub", "a".repeat(5_000) + "!")));
    assertThat(result).isEqualTo(false);
    assertThat(System.nanoTime() - start).as("ns").isLessThan(2_000_000_000L);
  }

  // --------------------------------------------------------------------------------- claims

  @Property(tries = 1000)
  void claimsParseOrAreRefusedWithIllegalArgument(@ForAll("jsonish") String text) {
    try {
      Claims claims = Claims.parse(text);
      assertThat(claims.asMap()).isNotNull();
      claims.strings("sub");
      claims.string("aud");
    } catch (IllegalArgumentException refused) {
      // the documented refusal
    }
  }

  // -------------------------------------------------------------------- compiler and policy

  @Property(tries = 1500)
  void theCompilerCompilesOrRefusesWithItsException(
      @ForAll("specs") CIFederatedIdentitySpec spec, @ForAll IssuerDialect dialect) {
    CIIssuerSpec issuer = new CIIssuerSpec();
    issuer.setUrl(
        dialect == IssuerDialect.GitHub
            ? "https://token.actions.githubusercontent.com"
            : "https://gitlab.com");
    issuer.setDialect(dialect);
    try {
      CompiledTrust trust =
          new TrustCompiler().compile(IssuerInfo.from(issuer), "team-a", "x", spec);
      for (LiveTrust live : trust.liveTrusts()) {
        TrustLint.lint(live, "Spec", TrustLint.Limits.none());
      }
      TrustGuard.review(trust, spec, List.of(), List.of(), TrustLint.Limits.none());
    } catch (TrustCompilationException refused) {
      assertThat(refused.getMessage()).contains("spec");
    }
  }

  @Property(tries = 800)
  void thePolicyEvaluatorAlwaysGivesAVerdict(
      @ForAll("specs") CIFederatedIdentitySpec spec,
      @ForAll("policies") CIFederationPolicy policy) {
    assertThatCode(
            () ->
                PolicyEvaluator.evaluate(
                    spec,
                    "team-a",
                    Map.of("team", "a"),
                    List.of(policy),
                    PolicyEvaluator.Ungoverned.Deny))
        .doesNotThrowAnyException();
  }

  /** Found by the property above: List.of().contains(null) threw inside the grant checks. */
  @Example
  void aCloudBlockWithoutItsIdAndAPolicyWithoutThatCloudIsRefusedNotANullPointer() {
    CIFederatedIdentitySpec spec = new CIFederatedIdentitySpec();
    spec.setRepository("my-org/my-app");
    spec.setAws(new AwsIdentitySpec());
    spec.setGcp(new GcpIdentitySpec());
    CIFederationPolicy policy =
        Serialization.unmarshal(
            "{\"apiVersion\": \"cifederation.dev/v1alpha1\", \"kind\": \"CIFederationPolicy\","
                + " \"metadata\": {\"name\": \"p\"}, \"spec\": {\"repositories\": [\"*\"]}}",
            CIFederationPolicy.class);
    assertThat(
            PolicyEvaluator.evaluate(
                    spec, "team-a", Map.of(), List.of(policy), PolicyEvaluator.Ungoverned.Deny)
                .compliant())
        .isFalse();
  }

  // ----------------------------------------------------------------------------- generators

  @Provide
  Arbitrary<String> iamDocuments() {
    Arbitrary<String> trees = Arbitraries.randomValue(r -> tree(r, 0, IAM_WORDS).toString());
    Arbitrary<String> mutated = trees.map(t -> t.length() > 3 ? t.substring(0, t.length() / 2) : t);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(8, trees),
        net.jqwik.api.Tuple.of(1, mutated),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMaxLength(50)));
  }

  @Provide
  Arbitrary<Claims> claims() {
    return Arbitraries.randomValue(
        r -> {
          ObjectNode object = NODES.objectNode();
          int n = r.nextInt(6);
          for (int i = 0; i < n; i++) {
            object.set(pick(r, CLAIM_NAMES), tree(r, 2, IAM_WORDS));
          }
          return Claims.parse(object.toString());
        });
  }

  @Provide
  Arbitrary<String> cel() {
    Arbitrary<String> pieces =
        Arbitraries.of(CEL_PIECES).list().ofMaxSize(25).map(l -> String.join("", l));
    return Arbitraries.oneOf(pieces, pieces, Arbitraries.strings().ofMaxLength(40));
  }

  @Provide
  Arbitrary<String> jsonish() {
    return Arbitraries.oneOf(
        Arbitraries.randomValue(r -> tree(r, 0, CLAIM_NAMES).toString()),
        Arbitraries.strings().withChars("{}[]\":,0123456789.eE-+ntrufals\\").ofMaxLength(40),
        Arbitraries.strings().ofMaxLength(40));
  }

  @Provide
  Arbitrary<CIFederatedIdentitySpec> specs() {
    Arbitrary<String> words =
        Arbitraries.oneOf(
            Arbitraries.of(
                null,
                "",
                "*",
                "my-org/my-app",
                "my-org/*",
                "a/b/c",
                "my-org/my-app:x",
                " ",
                "main",
                "v*",
                "refs/heads/main",
                "production",
                "123456789012",
                "0",
                "x".repeat(300),
                "my-org/my-app/.github/workflows/deploy.yml@refs/heads/main",
                "../..",
                "a\nb"),
            Arbitraries.strings().ofMaxLength(12));
    return Combinators.combine(
            words,
            words,
            Arbitraries.integers().between(0, 4),
            words,
            words,
            Arbitraries.integers().between(0, 7))
        .as(
            (repository, value, selector, account, project, clouds) -> {
              CIFederatedIdentitySpec spec = new CIFederatedIdentitySpec();
              spec.setIssuerRef("github");
              spec.setRepository(repository);
              SubjectSelector subject = new SubjectSelector();
              switch (selector) {
                case 0 -> subject.setEnvironment(value);
                case 1 -> subject.setBranch(value);
                case 2 -> subject.setTag(value);
                case 3 -> subject.setWorkflowRef(value);
                default -> subject.setPullRequest(true);
              }
              spec.setSubject(subject);
              if ((clouds & 1) != 0) {
                AwsIdentitySpec aws = new AwsIdentitySpec();
                aws.setAccountId(account);
                aws.setMaxSessionDuration(value);
                spec.setAws(aws);
              }
              if ((clouds & 2) != 0) {
                GcpIdentitySpec gcp = new GcpIdentitySpec();
                gcp.setProjectId(project);
                gcp.setProjectNumber(account);
                gcp.setServiceAccount(value);
                spec.setGcp(gcp);
              }
              return spec;
            });
  }

  @Provide
  Arbitrary<CIFederationPolicy> policies() {
    Arbitrary<String> patterns =
        Arbitraries.oneOf(
            Arbitraries.of(
                "*", "my-org/*", "my-org/my-app", "**", "*/*", "(", "[a-", "\\", "a*b*c*d*e*f"),
            Arbitraries.strings().withChars("ab*/?.-(").ofMaxLength(10));
    return Combinators.combine(
            patterns.list().ofMaxSize(4), Arbitraries.of("1h", "90m", "x", "", "99999h"))
        .as(
            (repositories, session) ->
                Serialization.unmarshal(
                    Serialization.asJson(
                        Map.of(
                            "apiVersion",
                            "cifederation.dev/v1alpha1",
                            "kind",
                            "CIFederationPolicy",
                            "metadata",
                            Map.of("name", "p"),
                            "spec",
                            Map.of(
                                "repositories",
                                repositories,
                                "aws",
                                Map.of("maxSessionDuration", session)))),
                    CIFederationPolicy.class));
  }

  private static JsonNode tree(Random r, int depth, List<String> words) {
    int kind = depth > 5 ? 3 + r.nextInt(4) : r.nextInt(7);
    switch (kind) {
      case 0, 1 -> {
        ObjectNode object = NODES.objectNode();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          object.set(pick(r, words), tree(r, depth + 1, words));
        }
        return object;
      }
      case 2 -> {
        ArrayNode array = NODES.arrayNode();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          array.add(tree(r, depth + 1, words));
        }
        return array;
      }
      case 3, 4 -> {
        return NODES.textNode(pick(r, words));
      }
      case 5 -> {
        return r.nextBoolean()
            ? NODES.numberNode(r.nextLong())
            : NODES.booleanNode(r.nextBoolean());
      }
      default -> {
        return NODES.nullNode();
      }
    }
  }

  private static String pick(Random r, List<String> words) {
    return words.get(r.nextInt(words.size()));
  }
}
