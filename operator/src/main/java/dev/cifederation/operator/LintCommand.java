package dev.cifederation.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentity;
import dev.cifederation.operator.api.v1alpha1.CIIssuer;
import dev.cifederation.operator.api.v1alpha1.CIIssuerSpec;
import dev.cifederation.operator.api.v1alpha1.Finding;
import dev.cifederation.operator.api.v1alpha1.GitHubClaim;
import dev.cifederation.operator.api.v1alpha1.IssuerDialect;
import dev.cifederation.operator.api.v1alpha1.Severity;
import dev.cifederation.operator.api.v1alpha1.SubjectFormat;
import dev.cifederation.operator.api.v1alpha1.SubjectTemplate;
import dev.cifederation.operator.guard.DeclaredSubjects;
import dev.cifederation.operator.guard.TrustGuard;
import dev.cifederation.operator.guard.TrustLint;
import dev.cifederation.operator.trust.CompiledTrust;
import dev.cifederation.operator.trust.IssuerInfo;
import dev.cifederation.operator.trust.LiveTrust;
import dev.cifederation.operator.trust.PolicyJson;
import dev.cifederation.operator.trust.SessionDurations;
import dev.cifederation.operator.trust.TrustCompilationException;
import dev.cifederation.operator.trust.TrustCompiler;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lint}: the operator's trust lint without a cluster, on CIFederatedIdentity YAML (compiled
 * exactly as the operator would) or on raw AWS trust policy JSON (a document, or the output of
 * {@code aws iam get-role}).
 */
@Command(
    name = "lint",
    mixinStandardHelpOptions = true,
    description = {
      "Lint CIFederatedIdentity YAML files or AWS trust policy JSON files with the operator's rules.",
      "A trust policy of an issuer given as a CIIssuer file (or as --issuer-url with"
          + " --subject-claims/--subject-format) is held against its declared GitHub subject"
          + " template.",
      "Exit code: 0 clean, 1 findings at or above --fail-on, 2 unreadable input."
    })
final class LintCommand implements Callable<Integer> {

  static final int FINDINGS = 1;
  static final int BAD_INPUT = 2;
  private static final ObjectMapper JSON = PolicyJson.MAPPER;
  private static final YAMLMapper YAML = new YAMLMapper();

  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "YAML or JSON files.")
  List<Path> files = new ArrayList<>();

  @Option(
      names = "--fail-on",
      defaultValue = "Low",
      description =
          "Lowest severity that fails: Critical, High, Medium, Low (default ${DEFAULT-VALUE}).")
  Severity failOn;

  @Option(
      names = "--issuer-url",
      defaultValue = "https://token.actions.githubusercontent.com",
      description =
          "Issuer for identities whose CIIssuer is not among the files (default ${DEFAULT-VALUE}).")
  String issuerUrl;

  @Option(
      names = "--dialect",
      defaultValue = "GitHub",
      description = "Dialect of --issuer-url: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  IssuerDialect dialect;

  @Option(
      names = "--subject-claims",
      split = ",",
      paramLabel = "CLAIM",
      description =
          "GitHub include_claim_keys in force for --issuer-url, e.g. repo,context (default: GitHub's"
              + " default template).")
  List<GitHubClaim> subjectClaims;

  @Option(
      names = "--subject-format",
      description =
          "GitHub subject format in force for --issuer-url: ${COMPLETION-CANDIDATES} (default:"
              + " either).")
  SubjectFormat subjectFormat;

  @Option(
      names = "--max-session-duration",
      description = "A policy's session cap to check roles against, e.g. 1h.")
  String maxSessionDuration;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Optional<Duration> cap =
        Optional.ofNullable(maxSessionDuration).flatMap(SessionDurations::read);
    if (maxSessionDuration != null && cap.isEmpty()) {
      err.println(
          "--max-session-duration '"
              + maxSessionDuration
              + "' must be a duration such as 1h or 90m");
      return BAD_INPUT;
    }
    Map<Path, List<JsonNode>> documents = new HashMap<>();
    Map<String, CIIssuerSpec> issuers = new HashMap<>();
    boolean bad = false;
    for (Path file : files) {
      try {
        List<JsonNode> docs = read(file);
        documents.put(file, docs);
        for (JsonNode doc : docs) {
          if ("CIIssuer".equals(doc.path("kind").asText())) {
            CIIssuer issuer = Serialization.unmarshal(doc.toString(), CIIssuer.class);
            if (issuer.getMetadata() == null || issuer.getSpec() == null) {
              throw new IllegalArgumentException("a CIIssuer needs metadata.name and spec");
            }
            issuers.put(issuer.getMetadata().getName(), issuer.getSpec());
          }
        }
      } catch (IOException | RuntimeException e) {
        err.println(file + ": cannot read: " + oneLine(describe(e)));
        bad = true;
      }
    }
    if (dialect != IssuerDialect.GitHub && (subjectClaims != null || subjectFormat != null)) {
      err.println(
          "--subject-claims and --subject-format describe GitHub's subjects: use --dialect GitHub");
      return BAD_INPUT;
    }
    // trust documents are held against what each issuer given declares about its subjects
    var limits = new TrustLint.Limits(cap);
    for (CIIssuerSpec issuer : issuers.values()) {
      try {
        limits = limits.declaring(DeclaredSubjects.of(IssuerInfo.from(issuer)));
      } catch (RuntimeException e) {
        // an issuer without a usable url or dialect declares nothing; an identity naming it
        // reports it, with its file
      }
    }
    if (subjectClaims != null || subjectFormat != null) {
      limits = limits.declaring(DeclaredSubjects.of(IssuerInfo.from(fallbackIssuer())));
    }
    int failing = 0;
    int total = 0;
    for (Path file : files) {
      for (JsonNode doc : documents.getOrDefault(file, List.of())) {
        try {
          Optional<Result> result = lint(doc, issuers, limits);
          if (result.isEmpty()) {
            continue;
          }
          for (Finding f : result.get().findings()) {
            total++;
            if (f.getSeverity().compareTo(failOn) <= 0) {
              failing++;
            }
            out.printf(
                "%s: %s: %s %s [%s] %s%n",
                file,
                result.get().what(),
                f.getSeverity(),
                f.getRule(),
                f.getCloud(),
                f.getMessage());
          }
        } catch (TrustCompilationException | IllegalArgumentException e) {
          err.println(file + ": " + oneLine(e.getMessage()));
          bad = true;
        } catch (RuntimeException e) {
          // a document the checks above let through and the linter then tripped on: still one
          // line naming the file, never a stack trace
          err.println(file + ": cannot lint: " + oneLine(describe(e)));
          bad = true;
        }
      }
    }
    out.printf("%d finding(s), %d at or above %s%n", total, failing, failOn);
    out.flush();
    err.flush();
    if (bad) {
      return BAD_INPUT;
    }
    return failing > 0 ? FINDINGS : 0;
  }

  private record Result(String what, List<Finding> findings) {}

  /** The exception's message, or its kind when it has none (a NullPointerException's may not). */
  static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  /** Parser messages span lines (a source excerpt); the CLI prints one line per problem. */
  static String oneLine(String message) {
    String text = message == null ? "" : message.strip();
    int newline = text.indexOf('\n');
    String first = newline < 0 ? text : text.substring(0, newline).strip();
    return first.length() > 300 ? first.substring(0, 300) + "…" : first;
  }

  private Optional<Result> lint(
      JsonNode doc, Map<String, CIIssuerSpec> issuers, TrustLint.Limits limits)
      throws TrustCompilationException {
    if (doc.has("Statement")) {
      return Optional.of(awsPolicy("trust policy", doc.toString(), limits));
    }
    JsonNode role = doc.path("Role");
    if (role.has("AssumeRolePolicyDocument")) {
      JsonNode document = role.get("AssumeRolePolicyDocument");
      // get-role prints the document as JSON; IAM's raw API returns it URL-encoded
      String json =
          document.isTextual()
              ? URLDecoder.decode(document.asText(), StandardCharsets.UTF_8)
              : document.toString();
      return Optional.of(awsPolicy(role.path("Arn").asText("role"), json, limits));
    }
    if (!"CIFederatedIdentity".equals(doc.path("kind").asText())) {
      return Optional.empty();
    }
    CIFederatedIdentity identity =
        Serialization.unmarshal(doc.toString(), CIFederatedIdentity.class);
    if (identity.getMetadata() == null || identity.getMetadata().getName() == null) {
      throw new IllegalArgumentException("a CIFederatedIdentity needs metadata.name");
    }
    if (identity.getSpec() == null) {
      throw new IllegalArgumentException(
          "CIFederatedIdentity " + identity.getMetadata().getName() + " has no spec");
    }
    String namespace =
        identity.getMetadata().getNamespace() == null
            ? "default"
            : identity.getMetadata().getNamespace();
    String name = identity.getMetadata().getName();
    CIIssuerSpec issuer = issuers.get(identity.getSpec().getIssuerRef());
    IssuerInfo info = IssuerInfo.from(issuer != null ? issuer : fallbackIssuer());
    CompiledTrust trust = new TrustCompiler().compile(info, namespace, name, identity.getSpec());
    TrustLint.Limits declared =
        limits.declaring(DeclaredSubjects.of(info, identity.getSpec(), trust.migrationPhase()));
    return Optional.of(
        new Result(
            namespace + "/" + name,
            TrustGuard.review(trust, identity.getSpec(), List.of(), List.of(), declared)));
  }

  /** The issuer of the options: --issuer-url, --dialect and GitHub's declared subjects. */
  private CIIssuerSpec fallbackIssuer() {
    var fallback = new CIIssuerSpec();
    fallback.setUrl(issuerUrl);
    fallback.setDialect(dialect);
    if (subjectClaims != null || subjectFormat != null) {
      var template = new SubjectTemplate();
      template.setIncludeClaimKeys(subjectClaims);
      template.setFormat(subjectFormat);
      fallback.setSubjectTemplate(template);
    }
    return fallback;
  }

  private static Result awsPolicy(String what, String json, TrustLint.Limits limits) {
    List<Finding> findings = TrustLint.lint(new LiveTrust.Aws(what, json), "AWS", limits);
    return new Result(what, TrustGuard.sortedDistinct(findings));
  }

  /** One JSON document, or every document of a YAML stream. */
  private static List<JsonNode> read(Path file) throws IOException {
    String text = Files.readString(file);
    if (text.stripLeading().startsWith("{")) {
      return List.of(JSON.readTree(text));
    }
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = YAML.getFactory().createParser(text)) {
      var values = YAML.readValues(parser, JsonNode.class);
      while (values.hasNext()) {
        JsonNode doc = values.next();
        if (doc != null && doc.isObject()) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }
}
