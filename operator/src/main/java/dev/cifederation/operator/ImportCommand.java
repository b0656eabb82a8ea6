package dev.cifederation.operator;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.cifederation.operator.api.v1alpha1.ApiGroup;
import dev.cifederation.operator.api.v1alpha1.AzureRoleAssignment;
import dev.cifederation.operator.api.v1alpha1.CIFederatedIdentitySpec;
import dev.cifederation.operator.cloud.ScannedObject;
import dev.cifederation.operator.cloud.TargetScan;
import dev.cifederation.operator.trust.TrustDecompiler;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code import}: the CIIssuer and CIFederatedIdentity manifests of the OIDC trust already in the
 * clouds, for each object whose trust the compiler expresses exactly (observed and adopted, so that
 * applying them changes nothing); the others listed with the reason at the top, as comments.
 */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Write CIIssuer and CIFederatedIdentity YAML (managementPolicy: Observe, adoptExisting:"
          + " true) for existing OIDC trust that compiles back exactly; list the rest, with the"
          + " reason, as comments at the top. Read-only; same targets and configuration as audit.",
      "Exit code: 0 written, 2 bad usage or configuration, 3 a target could not be read"
          + " completely (what was read is still written)."
    })
public final class ImportCommand implements Callable<Integer> {

  /** What {@code spec.repositories} of a policy admits (its CEL rule). */
  private static final Pattern POLICY_REPOSITORY =
      Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._*-]+)+");

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final ObjectMapper TREES =
      new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);
  private static final YAMLMapper YAML =
      new YAMLMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              // an account ID or project number is a string in the schema, never a number
              .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
              .build());

  @Spec CommandSpec spec;

  @Mixin FleetTargets targets = new FleetTargets();

  @Option(
      names = "--namespace",
      defaultValue = "default",
      description = "Namespace of the CIFederatedIdentity manifests (default ${DEFAULT-VALUE}).")
  String namespace;

  private final FleetScan.Scanners injected;

  ImportCommand() {
    this(null);
  }

  /** With scanners of the test's own (null: the operator's configuration, from the environment). */
  ImportCommand(FleetScan.Scanners scanners) {
    this.injected = scanners;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (targets.noneNamed("import", err)) {
      return AuditCommand.BAD_INPUT;
    }
    if (!DNS_LABEL.matcher(namespace).matches()) {
      err.println("import: --namespace '" + namespace + "' must be a Kubernetes namespace name");
      err.flush();
      return AuditCommand.BAD_INPUT;
    }
    List<TargetScan> scans;
    try (FleetScan.Scanners scanners = FleetScan.injectedOrFromEnvironment(injected)) {
      scans = FleetScan.scan(targets, scanners);
    }
    Manifests manifests = manifests(scans, namespace);
    out.print(manifests.yaml());
    out.flush();
    err.printf(
        "import: %d imported, %d not expressible (listed at the top of the output)%n",
        manifests.identities.size(), manifests.notImported.size());
    boolean incomplete = false;
    for (TargetScan scan : scans) {
      if (scan.failure().isPresent()) {
        err.println("import: " + scan.target() + " incomplete: " + scan.failure().get());
        incomplete = true;
      }
    }
    err.flush();
    return incomplete ? AuditCommand.INCOMPLETE : 0;
  }

  /** The text {@code import} writes for these scans: manifests, remediation plan, the grant. */
  public static String yaml(List<TargetScan> scans, String namespace) throws Exception {
    return manifests(scans, namespace).yaml();
  }

  /** What one import writes: issuers by name, identities, and the objects left out with why. */
  static final class Manifests {
    final Map<String, JsonNode> issuers = new LinkedHashMap<>();
    final List<ObjectNode> identities = new ArrayList<>();
    final List<String> imported = new ArrayList<>();
    final List<String> notImported = new ArrayList<>();

    /** What the adoption needs granted, field by field of a CIFederationPolicy's spec. */
    final Map<String, Set<String>> grants = new TreeMap<>();

    void grant(String field, String value) {
      if (value != null && !value.isBlank()) {
        grants.computeIfAbsent(field, f -> new TreeSet<>()).add(value);
      }
    }

    String yaml() throws Exception {
      StringBuilder text = new StringBuilder();
      text.append("# cifederation-operator import: ")
          .append(identities.size())
          .append(" identit")
          .append(identities.size() == 1 ? "y" : "ies")
          .append(" imported (managementPolicy: Observe, adoptExisting: true), ")
          .append(notImported.size())
          .append(" object(s) not expressible\n");
      if (!notImported.isEmpty()) {
        text.append("#\n# Not imported: the compiler cannot express their trust exactly. Fix each")
            .append(" by hand (the remediation plan),\n# or write its identity anew; then")
            .append(" import again.\n");
        notImported.forEach(line -> text.append("#   ").append(oneLine(line)).append('\n'));
      }
      for (JsonNode issuer : issuers.values()) {
        text.append("---\n").append(YAML.writeValueAsString(issuer));
      }
      for (int i = 0; i < identities.size(); i++) {
        text.append("---\n# from ")
            .append(oneLine(imported.get(i)))
            .append('\n')
            .append(YAML.writeValueAsString(identities.get(i)));
      }
      if (!identities.isEmpty()) {
        text.append(POLICY_HEADER);
        YAML.writeValueAsString(policy())
            .lines()
            .forEach(line -> text.append("# ").append(oneLine(line)).append('\n'));
      }
      return text.toString();
    }

    /**
     * The CIFederationPolicy that grants exactly what these identities name (accounts, role names
     * and ARNs, projects, service accounts and providers, subscriptions, scopes and identities).
     */
    ObjectNode policy() {
      ObjectNode policy = TREES.createObjectNode();
      policy.put("apiVersion", ApiGroup.GROUP + "/" + ApiGroup.VERSION);
      policy.put("kind", "CIFederationPolicy");
      policy.putObject("metadata").put("name", "import-" + namespace);
      ObjectNode spec = policy.putObject("spec");
      spec.putObject("namespaceSelector")
          .putObject("matchLabels")
          .put("kubernetes.io/metadata.name", namespace);
      grants.forEach(
          (field, values) -> {
            if (field.equals("repositories")
                && !values.stream().allMatch(r -> POLICY_REPOSITORY.matcher(r).matches())) {
              return; // a repository the policy's patterns cannot name: no repository limit
            }
            ObjectNode block = spec;
            String[] path = field.split("\\.");
            for (int i = 0; i < path.length - 1; i++) {
              block = block.with(path[i]);
            }
            values.forEach(block.withArray(path[path.length - 1])::add);
          });
      return policy;
    }

    private final String namespace;

    Manifests(String namespace) {
      this.namespace = namespace;
    }
  }

  /**
   * The grant is the platform team's, never the tenant's: printed as comments for them to review
   * and apply, so applying the import's output in a namespace grants nothing.
   */
  private static final String POLICY_HEADER =
      """
      ---
      # Adoption needs a CIFederationPolicy granting these objects (default deny: without it each
      # identity is Conflict, under Observe too). It is the platform team's to review and apply; it
      # is printed as comments so that applying this file in a namespace grants nothing:
      """;

  /** The policy fields the adoption of one imported identity needs. */
  private static void grantsOf(Manifests manifests, String objectId, CIFederatedIdentitySpec spec) {
    manifests.grant("repositories", spec.getRepository());
    if (spec.getSubject() != null) {
      // the kinds in use, no more: pullRequest only where an imported trust already admits it
      manifests.grant("subjects", spec.getSubject().kind().name());
    }
    if (spec.getAws() != null) {
      manifests.grant("aws.accounts", spec.getAws().getAccountId());
      manifests.grant("aws.roleNames", spec.getAws().getRoleName());
      spec.getAws()
          .getManagedPolicyArns()
          .forEach(arn -> manifests.grant("aws.managedPolicyArns", arn));
      manifests.grant("aws.adoptableRoles", objectId);
    }
    if (spec.getGcp() != null) {
      manifests.grant("gcp.projects", spec.getGcp().getProjectId());
      manifests.grant("gcp.serviceAccounts", spec.getGcp().getServiceAccount());
      manifests.grant("gcp.adoptableProviders", objectId);
    }
    if (spec.getAzure() != null) {
      manifests.grant("azure.subscriptions", spec.getAzure().getSubscriptionId());
      for (AzureRoleAssignment assignment : spec.getAzure().getRoleAssignments()) {
        manifests.grant("azure.scopes", assignment.getScope());
      }
      manifests.grant("azure.adoptableIdentities", objectId);
    }
  }

  /**
   * Text from the clouds (a subject, a name) as one comment line: whoever wrote a trust chose its
   * values, and a line break in one must not end the comment and start a manifest of theirs.
   */
  static String oneLine(String text) {
    StringBuilder line = new StringBuilder(text.length());
    text.codePoints()
        .forEach(
            c -> {
              if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || c == 0x85) {
                line.append(String.format("\\u%04x", c));
              } else {
                line.appendCodePoint(c);
              }
            });
    return line.toString();
  }

  /** The manifests of every scanned object that holds trust; names made unique. */
  static Manifests manifests(List<TargetScan> scans, String namespace) {
    Manifests manifests = new Manifests(namespace);
    List<String> names = new ArrayList<>();
    for (TargetScan scan : scans) {
      for (ScannedObject object : scan.objects()) {
        if (object.trust().isEmpty() || object.existing().isEmpty()) {
          continue; // an AWS OIDC provider: shared, addressed through the issuer
        }
        TrustDecompiler.Result result =
            TrustDecompiler.decompile(object.trust().get(), object.existing().get(), namespace);
        if (result.imported().isEmpty()) {
          manifests.notImported.add(object.id() + ": " + result.reason());
          continue;
        }
        TrustDecompiler.Imported imported = result.imported().get();
        ObjectNode issuer = resource("CIIssuer", imported.issuerName(), null, imported.issuer());
        JsonNode known = manifests.issuers.putIfAbsent(imported.issuerName(), issuer);
        if (known != null && !known.equals(issuer)) {
          // the same issuer with other audiences: an issuer of its own
          String other = unique(imported.issuerName(), manifests.issuers.keySet());
          issuer.with("metadata").put("name", other);
          manifests.issuers.put(other, issuer);
          imported.identity().setIssuerRef(other);
        }
        String name = unique(imported.name(), names);
        names.add(name);
        manifests.identities.add(
            resource("CIFederatedIdentity", name, namespace, imported.identity()));
        manifests.imported.add(object.id());
        grantsOf(manifests, object.id(), imported.identity());
      }
    }
    return manifests;
  }

  private static String unique(String name, java.util.Collection<String> taken) {
    if (!taken.contains(name)) {
      return name;
    }
    int n = 2;
    while (taken.contains(name + "-" + n)) {
      n++;
    }
    return name + "-" + n;
  }

  private static ObjectNode resource(String kind, String name, String namespace, Object spec) {
    ObjectNode resource = TREES.createObjectNode();
    resource.put("apiVersion", ApiGroup.GROUP + "/" + ApiGroup.VERSION);
    resource.put("kind", kind);
    ObjectNode metadata = resource.putObject("metadata");
    metadata.put("name", name);
    if (namespace != null) {
      metadata.put("namespace", namespace);
    }
    resource.set("spec", prune(TREES.valueToTree(spec)));
    return resource;
  }

  /** Without empty lists and objects: the manifest says what the spec sets. */
  private static JsonNode prune(JsonNode node) {
    if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        JsonNode value = prune(field.getValue());
        if (value.isNull() || (value.isContainerNode() && value.isEmpty())) {
          fields.remove();
        }
      }
    }
    return node;
  }
}
