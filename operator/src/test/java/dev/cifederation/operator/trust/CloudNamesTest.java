package dev.cifederation.operator.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CloudNamesTest {

  private static final String LONGEST_NAMESPACE = "n" + "s".repeat(61) + "n";
  private static final String LONGEST_NAME =
      String.join(".", "a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61));

  /** Each derivation, with the rules its cloud imposes on names. */
  enum Derivation {
    AWS_ROLE(CloudNames::awsRoleName, 64, Pattern.compile("[A-Za-z0-9+=,.@_-]{1,64}")),
    GCP_PROVIDER(
        CloudNames::gcpProviderId, 32, Pattern.compile("(?!gcp-)[a-z][a-z0-9-]{2,30}[a-z0-9]")),
    AZURE_IDENTITY(
        CloudNames::azureIdentityName, 128, Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{2,127}")),
    AZURE_CREDENTIAL(
        CloudNames::azureCredentialName, 120, Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{2,119}")),
    AZURE_MIGRATION_CREDENTIAL(
        CloudNames::azureMigrationCredentialName,
        120,
        Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{2,119}"));

    final BinaryOperator<String> derive;
    final int maxLength;
    final Pattern legal;

    Derivation(BinaryOperator<String> derive, int maxLength, Pattern legal) {
      this.derive = derive;
      this.maxLength = maxLength;
      this.legal = legal;
    }
  }

  static Stream<Arguments> examples() {
    return Stream.of(
        Arguments.of(Derivation.AWS_ROLE, "team-a", "deploy", "cifed-team-a_deploy"),
        Arguments.of(Derivation.AWS_ROLE, "team-a", "my.app", "cifed-team-a_my.app"),
        Arguments.of(Derivation.AZURE_IDENTITY, "team-a", "my.app", "cifed-team-a_my_app"),
        Arguments.of(Derivation.AZURE_CREDENTIAL, "team-a", "deploy", "cifed-team-a_deploy"),
        Arguments.of(Derivation.GCP_PROVIDER, "team-a", "deploy", "cifed-team-a-deploy-"));
  }

  @ParameterizedTest
  @MethodSource("examples")
  void readableNamesShowNamespaceAndName(
      Derivation derivation, String namespace, String name, String expectedStart) {
    assertThat(derivation.derive.apply(namespace, name)).startsWith(expectedStart);
  }

  @Test
  void gcpProviderIdIsReadablePrefixPlusHash() {
    assertThat(CloudNames.gcpProviderId("team-a", "deploy"))
        .matches("cifed-team-a-deploy-[0-9a-f]{10}");
    assertThat(CloudNames.gcpProviderId(LONGEST_NAMESPACE, LONGEST_NAME))
        .matches("cifed-ns{14}-[0-9a-f]{10}");
    // A cut that ends on '-' does not leave "--" before the hash.
    assertThat(CloudNames.gcpProviderId("abcdefghijklmn", "x"))
        .matches("cifed-abcdefghijklmn-[0-9a-f]{10}");
  }

  @Test
  void gcpPoolIdIsTheIssuersOwnReadableWhenItFitsElseHashedToExactly32() {
    Pattern legal = Pattern.compile("(?!gcp-)[a-z0-9-]{4,32}");
    assertThat(CloudNames.gcpPoolId("github")).isEqualTo("cifed-github");
    assertThat(CloudNames.gcpPoolId("ghes")).isEqualTo("cifed-ghes");
    assertThat(CloudNames.gcpPoolId("a")).isEqualTo("cifed-a").matches(legal);
    String longest25 = "g".repeat(25);
    assertThat(CloudNames.gcpPoolId(longest25)).isEqualTo("cifed-" + longest25);
    for (String issuer :
        List.of("g".repeat(26), "gitlab.example.com", LONGEST_NAME, "federation", "x.y")) {
      String derived = CloudNames.gcpPoolId(issuer);
      assertThat(derived).as(issuer).matches(legal).isNotEqualTo("ci-federation");
      if (issuer.contains(".") || issuer.length() > 25) {
        assertThat(derived).as(issuer).hasSize(32).matches("cifed-.{1,15}-[0-9a-f]{10,}");
      }
    }
    // a dot and a dash never meet in one pool, nor a hashed name a readable one
    assertThat(CloudNames.gcpPoolId("a.b")).isNotEqualTo(CloudNames.gcpPoolId("a-b"));
    String hashed = CloudNames.gcpPoolId("x.y");
    assertThat(CloudNames.gcpPoolId(hashed.substring("cifed-".length()))).isNotEqualTo(hashed);
    assertThatThrownBy(() -> CloudNames.gcpPoolId("Not_A_Name"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CloudNames.gcpPoolId(null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static Stream<Arguments> derivationsAndInputs() {
    List<String[]> inputs =
        List.of(
            new String[] {"a", "b"},
            new String[] {"team-a", "deploy"},
            new String[] {"team-a", "my.app.prod"},
            new String[] {LONGEST_NAMESPACE, "x"},
            new String[] {"x", LONGEST_NAME},
            new String[] {LONGEST_NAMESPACE, LONGEST_NAME},
            new String[] {"0", "9"});
    return Stream.of(Derivation.values())
        .flatMap(d -> inputs.stream().map(in -> Arguments.of(d, in[0], in[1])));
  }

  @ParameterizedTest
  @MethodSource("derivationsAndInputs")
  void namesAreLegalAndWithinLimits(Derivation derivation, String namespace, String name) {
    String derived = derivation.derive.apply(namespace, name);

    assertThat(derived).hasSizeLessThanOrEqualTo(derivation.maxLength).matches(derivation.legal);
    assertThat(derivation.derive.apply(namespace, name)).as("deterministic").isEqualTo(derived);
  }

  @ParameterizedTest
  @MethodSource("derivationsAndInputs")
  void readableWhenShorterThanTheLimitElseCutAndHashedToExactlyTheLimit(
      Derivation derivation, String namespace, String name) {
    if (derivation == Derivation.GCP_PROVIDER
        || derivation == Derivation.AZURE_MIGRATION_CREDENTIAL) {
      return; // their own forms, covered by their own tests
    }
    String readable = "cifed-" + namespace + "_" + legalName(derivation, name);
    String derived = derivation.derive.apply(namespace, name);
    if (readable.length() < derivation.maxLength) {
      assertThat(derived).isEqualTo(readable);
    } else {
      // Exactly the limit: a hashed name can never equal a (shorter) readable one.
      assertThat(derived)
          .hasSize(derivation.maxLength)
          .startsWith(readable.substring(0, derivation.maxLength - 9))
          .matches(".*-[0-9a-f]{8}");
    }
  }

  @ParameterizedTest
  @MethodSource("derivationsAndInputs")
  void theMigrationCredentialIsTheFirstsNamePlusASuffixAndNeverTheFirstsName(
      Derivation derivation, String namespace, String name) {
    if (derivation != Derivation.AZURE_MIGRATION_CREDENTIAL) {
      return;
    }
    String first = CloudNames.azureCredentialName(namespace, name);
    String second = CloudNames.azureMigrationCredentialName(namespace, name);
    assertThat(second).isNotEqualToIgnoringCase(first).endsWith("-migration");
    if (first.length() + "-migration".length() < 120) {
      assertThat(second).isEqualTo(first + "-migration");
    } else {
      assertThat(second)
          .hasSize(120)
          .startsWith(first.substring(0, 101))
          .matches(".*-[0-9a-f]{8}-migration");
    }
  }

  @Test
  void theMigrationCredentialOfAShortName() {
    assertThat(CloudNames.azureMigrationCredentialName("team-a", "deploy"))
        .isEqualTo("cifed-team-a_deploy-migration");
  }

  @ParameterizedTest
  @MethodSource("derivationKinds")
  void pairsThatConcatenateAlikeGetDifferentNames(Derivation derivation) {
    assertThat(derivation.derive.apply("a-b", "c"))
        .isNotEqualTo(derivation.derive.apply("a", "b-c"));
    assertThat(derivation.derive.apply("a", "b.c"))
        .isNotEqualTo(derivation.derive.apply("a-b", "c"));
  }

  @ParameterizedTest
  @MethodSource("derivationKinds")
  void noCollisionsAcrossManyPairs(Derivation derivation) {
    List<String> parts = List.of("a", "b", "c", "a-b", "b-c", "a.b", "b.c", "ab", "bc", "a-b-c");
    List<String> longNames = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      // Long names that share a long prefix and differ only after the cut.
      longNames.add("x".repeat(120) + "-" + i);
    }
    Map<String, String> seen = new HashMap<>();
    for (String namespace : List.of("a", "b", "a-b", "b-c", "ab", LONGEST_NAMESPACE)) {
      for (String name : Stream.concat(parts.stream(), longNames.stream()).toList()) {
        String derived = derivation.derive.apply(namespace, name).toLowerCase();
        String previous = seen.put(derived, namespace + "/" + name);
        assertThat(previous)
            .as("%s: %s/%s collides with %s as %s", derivation, namespace, name, previous, derived)
            .isNull();
      }
    }
  }

  static Stream<Derivation> derivationKinds() {
    return Stream.of(Derivation.values());
  }

  @ParameterizedTest
  @MethodSource("derivationKinds")
  void rejectsWhatKubernetesWouldNotAllow(Derivation derivation) {
    for (String[] invalid :
        new String[][] {
          {"Team", "x"}, {"a_b", "x"}, {"", "x"}, {"a.b", "x"}, {"a", ""}, {"a", "B"}, {"a", "b_c"}
        }) {
      assertThatThrownBy(() -> derivation.derive.apply(invalid[0], invalid[1]))
          .as("%s/%s", invalid[0], invalid[1])
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  private static String legalName(Derivation derivation, String name) {
    return derivation == Derivation.AWS_ROLE ? name : name.replace('.', '_');
  }
}
