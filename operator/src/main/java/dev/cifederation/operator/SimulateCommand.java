package dev.cifederation.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.api.v1alpha1.CIIssuerSpec;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.trust.Admission;
import dev.cifederation.operator.trust.Claims;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.Dialect;
import dev.cifederation.operator.trust.IssuerInfo;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.TrustCompilationException;
import dev.cifederation.operator.trust.TrustCompiler;
import dev.cifederation.operator.trust.TrustEvaluator;
import dev.cifederation.operator.trust.WhoCanAssume;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code simulate}: would the clouds admit this token? The same compiler and evaluator the operator
 * uses, without a cluster: for a CIFederatedIdentity (compiled as the operator would) or a raw AWS
 * role trust policy. Exit code 0 when every cloud evaluated admits the token, 1 when one refuses, 2
 * on a usage or input error.
 */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluate a token's claims against an identity's trust in each cloud, or against a raw AWS"
          + " role trust policy, and say which cloud would admit it and why not.",
      "Exit code: 0 admitted by every cloud evaluated, 1 refused by at least one, 2 usage or"
          + " input error."
    })
final class SimulateCommand implements Callable<Integer> {

  static final int ADMITTED = 0;
  static final int REFUSED = 1;
  static final int USAGE = 2;

  private static final String GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

  @Spec CommandSpec spec;

  @Option(
      names = "--claims",
      required = true,
      paramLabel = "FILE",
      description = "The token's claims: a JSON object (a decoded JWT payload) or a raw JWT.")
  Path claimsFile;

  @Option(
      names = "--identity",
      paramLabel = "FILE",
      description =
          "A CIFederatedIdentity YAML; may also hold the CIIssuer it references (several"
              + " documents).")
  Path identityFile;

  @Option(
      names = "--issuer",
      paramLabel = "FILE",
      description =
          "The CIIssuer YAML the identity references. Without it (and none in --identity), the"
              + " issuer is taken from the token's iss claim, so the issuer itself is not checked.")
  Path issuerFile;

  @Option(
      names = "--aws-trust-policy",
      paramLabel = "FILE",
      description = "A raw AWS role trust policy (JSON), instead of --identity.")
  Path awsTrustPolicyFile;

  @Option(
      names = "--role-arn",
      paramLabel = "ARN",
      description =
          "With --aws-trust-policy: the role's ARN, so only its account's OIDC provider is"
              + " trusted (default: the issuer's provider in any account).")
  String roleArn;

  @Option(
      names = "--cloud",
      paramLabel = "CLOUD",
      description = "Evaluate only this cloud of the identity: aws, gcp or azure.")
  String cloud;

  @Option(
      names = "--each-cloud-audience",
      description =
          "With --identity: give the token, for each cloud, the audience that cloud expects (what"
              + " the CI's auth step requests), to test everything else with one claims file.")
  boolean eachCloudAudience;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if ((identityFile == null) == (awsTrustPolicyFile == null)) {
      err.println("simulate: give exactly one of --identity FILE or --aws-trust-policy FILE");
      return USAGE;
    }
    try {
      Claims claims = readClaims(claimsFile);
      Map<String, Evaluation> evaluations =
          identityFile != null ? identityEvaluations(claims, out) : awsPolicyEvaluation(claims);
      boolean admittedEverywhere = true;
      for (Map.Entry<String, Evaluation> entry : evaluations.entrySet()) {
        Admission admission =
            TrustEvaluator.evaluate(entry.getValue().trust(), entry.getValue().claims());
        admittedEverywhere &= admission.admitted();
        out.printf(
            Locale.ROOT,
            "%-6s %-9s %s%n",
            entry.getKey(),
            admission.admitted() ? "admitted" : "refused",
            admission.reason());
      }
      out.flush();
      return admittedEverywhere ? ADMITTED : REFUSED;
    } catch (InputException e) {
      err.println("simulate: " + e.getMessage());
      err.flush();
      return USAGE;
    } catch (RuntimeException e) {
      // input that passed the readers and then tripped evaluation: one line, no stack trace
      err.println(
          "simulate: "
              + (identityFile != null ? identityFile : awsTrustPolicyFile)
              + ": cannot evaluate with "
              + claimsFile
              + ": "
              + LintCommand.oneLine(LintCommand.describe(e)));
      err.flush();
      return USAGE;
    }
  }

  /** One cloud's trust and the claims its token carries. */
  private record Evaluation(LiveTrust trust, Claims claims) {}

  private Map<String, Evaluation> identityEvaluations(Claims claims, PrintWriter out)
      throws InputException {
    List<JsonNode> documents = readYaml(identityFile);
    JsonNode identityDocument =
        documents.stream()
            .filter(d -> "CIFederatedIdentity".equals(d.path("kind").asText()))
            .findFirst()
            .orElseThrow(
                () ->
                    new InputException(identityFile + ": no document of kind CIFederatedIdentity"));
    CIFederatedIdentity identity =
        convert(identityDocument, CIFederatedIdentity.class, identityFile);
    if (identity.getSpec() == null) {
      throw new InputException(identityFile + ": the CIFederatedIdentity has no spec");
    }
    IssuerInfo issuer = issuer(identity.getSpec().getIssuerRef(), documents, claims, out);
    String namespace =
        identity.getMetadata() == null ? null : identity.getMetadata().getNamespace();
    String name = identity.getMetadata() == null ? null : identity.getMetadata().getName();
    if (name == null) {
      throw new InputException(identityFile + ": metadata.name is required");
    }
    CompiledTrust trust;
    try {
      trust =
          new TrustCompiler()
              .compile(issuer, namespace == null ? "default" : namespace, name, identity.getSpec());
    } catch (TrustCompilationException e) {
      throw new InputException(identityFile + ": " + e.getMessage());
    }
    out.println("who can assume (spec): " + whoCanAssume(trust));
    Map<String, Evaluation> evaluations = new LinkedHashMap<>();
    if (trust.aws() != null && wanted("aws")) {
      evaluations.put("AWS", evaluation(trust.aws().asLive(), claims, trust.aws().audience()));
    }
    if (trust.gcp() != null && wanted("gcp")) {
      evaluations.put("GCP", evaluation(trust.gcp().asLive(), claims, trust.gcp().audience()));
    }
    if (trust.azure() != null && wanted("azure")) {
      evaluations.put(
          "Azure", evaluation(trust.azure().asLive(), claims, trust.azure().audiences().get(0)));
    }
    if (evaluations.isEmpty()) {
      throw new InputException(
          "the identity has no "
              + (cloud == null ? "cloud block" : cloud + " block")
              + " to evaluate");
    }
    return evaluations;
  }

  private Evaluation evaluation(LiveTrust trust, Claims claims, String audience) {
    if (!eachCloudAudience) {
      return new Evaluation(trust, claims);
    }
    Map<String, Object> withAudience = new LinkedHashMap<>(claims.asMap());
    withAudience.put("aud", audience);
    return new Evaluation(trust, Claims.of(withAudience));
  }

  private boolean wanted(String name) throws InputException {
    if (cloud != null && !List.of("aws", "gcp", "azure").contains(cloud.toLowerCase(Locale.ROOT))) {
      throw new InputException("--cloud must be aws, gcp or azure, not '" + cloud + "'");
    }
    return cloud == null || cloud.equalsIgnoreCase(name);
  }

  private static String whoCanAssume(CompiledTrust trust) {
    List<WhoCanAssume.View> views = new ArrayList<>();
    for (LiveTrust live : trust.liveTrusts()) {
      String name =
          live instanceof LiveTrust.Aws ? "AWS" : live instanceof LiveTrust.Gcp ? "GCP" : "Azure";
      views.add(new WhoCanAssume.View(name, live, live));
    }
    return WhoCanAssume.summarise(views);
  }

  private Map<String, Evaluation> awsPolicyEvaluation(Claims claims) throws InputException {
    if (cloud != null && !cloud.equalsIgnoreCase("aws")) {
      throw new InputException(
          "--aws-trust-policy is evaluated for AWS only, not --cloud " + cloud);
    }
    String policy = read(awsTrustPolicyFile);
    try {
      if (!Serialization.jsonMapper().readTree(policy).isObject()) {
        throw new InputException(awsTrustPolicyFile + ": a trust policy is a JSON object");
      }
    } catch (IOException e) {
      throw new InputException(awsTrustPolicyFile + ": not valid JSON: " + e.getMessage());
    }
    LiveTrust.Aws trust = new LiveTrust.Aws(roleArn, policy);
    return Map.of("AWS", new Evaluation(trust, claims));
  }

  /**
   * The issuer: --issuer, else a CIIssuer in the identity file named by issuerRef, else the token's
   * own iss with the dialect its claims show (said on the output: then the issuer is not what is
   * being checked).
   */
  private IssuerInfo issuer(
      String issuerRef, List<JsonNode> identityDocuments, Claims claims, PrintWriter out)
      throws InputException {
    List<JsonNode> candidates = new ArrayList<>();
    if (issuerFile != null) {
      candidates.addAll(readYaml(issuerFile));
    }
    candidates.addAll(identityDocuments);
    for (JsonNode document : candidates) {
      if ("CIIssuer".equals(document.path("kind").asText())
          && (issuerFile != null
              || document.path("metadata").path("name").asText().equals(issuerRef))) {
        CIIssuer issuer =
            convert(document, CIIssuer.class, issuerFile == null ? identityFile : issuerFile);
        if (issuer.getSpec() == null
            || issuer.getSpec().getUrl() == null
            || issuer.getSpec().getDialect() == null) {
          throw new InputException("the CIIssuer needs spec.url and spec.dialect");
        }
        try {
          return IssuerInfo.from(issuer.getSpec());
        } catch (IllegalArgumentException e) {
          throw new InputException(
              "CIIssuer " + issuer.getMetadata().getName() + ": " + e.getMessage());
        }
      }
    }
    if (issuerFile != null) {
      throw new InputException(issuerFile + ": no document of kind CIIssuer");
    }
    String iss = claims.string("iss").orElse(GITHUB_ISSUER);
    IssuerDialect dialect =
        Dialect.ofToken(iss, claims::has, claims.string("sub").orElse(null)).id();
    CIIssuerSpec assumed = new CIIssuerSpec();
    assumed.setUrl(iss);
    assumed.setDialect(dialect);
    out.println(
        "issuer: none given, assuming the token's iss "
            + iss
            + " ("
            + dialect
            + "); pass --issuer to check the token against yours");
    try {
      return IssuerInfo.from(assumed);
    } catch (IllegalArgumentException e) {
      throw new InputException("the token's iss cannot be an issuer: " + e.getMessage());
    }
  }

  // ------------------------------------------------------------------------------------ input

  private static Claims readClaims(Path file) throws InputException {
    String text = read(file).trim();
    if (!text.startsWith("{") && text.chars().filter(c -> c == '.').count() == 2) {
      // a raw JWT: its payload is the second, base64url-encoded part; the signature is not checked
      String[] parts = text.split("\\.", -1);
      try {
        text = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new InputException(file + ": looks like a JWT but its payload is not base64url");
      }
    }
    try {
      return Claims.parse(text);
    } catch (IllegalArgumentException e) {
      throw new InputException(file + ": " + e.getMessage());
    }
  }

  private static List<JsonNode> readYaml(Path file) throws InputException {
    List<JsonNode> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> iterator =
        new YAMLMapper().readerFor(JsonNode.class).readValues(read(file))) {
      while (iterator.hasNext()) {
        JsonNode document = iterator.next();
        if (document != null && document.isObject()) {
          documents.add(document);
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new InputException(file + ": not valid YAML: " + e.getMessage());
    }
    return documents;
  }

  private static <T> T convert(JsonNode document, Class<T> type, Path file) throws InputException {
    try {
      return Serialization.jsonMapper().treeToValue(document, type);
    } catch (IOException | IllegalArgumentException e) {
      throw new InputException(
          file + ": not a valid " + type.getSimpleName() + ": " + e.getMessage());
    }
  }

  private static String read(Path file) throws InputException {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new InputException("cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Input the command cannot use: reported on stderr with exit code 2. */
  private static final class InputException extends Exception {
    InputException(String message) {
      super(message);
    }
  }
}
