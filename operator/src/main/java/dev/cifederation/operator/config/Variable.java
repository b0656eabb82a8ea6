package dev.cifederation.operator.config;

/**
 * Every environment variable the operator reads, with its meaning and default as the README's
 * "Configuration" table states them (ConfigurationTableTest keeps the two equal). {@link
 * Environment} reads nothing else; cloud credentials the SDKs find on their own (default chains,
 * {@code GOOGLE_APPLICATION_CREDENTIALS}, workload identity) are not the operator's to read.
 */
public enum Variable {
  CIFED_RESYNC_INTERVAL(
      "drift-detection period and issuer check period, ISO-8601 (`PT10M`) or seconds",
      "10 minutes"),
  CIFED_METRICS_PORT("port of `/metrics`, `/healthz`, `/readyz`", "8080"),
  CIFED_RECONCILE_THREADS(
      "identities reconciled at once (1–200); a pass mostly waits on cloud calls, so a few per"
          + " CPU keep the CPUs busy, and each thread costs memory",
      "8 per CPU the JVM sees (the container's CPU limit), 8 to 50"),
  CIFED_IAM_PATH("IAM path for created roles", "`/cifederation/`"),
  CIFED_CLUSTER_NAME(
      "value of the `cifederation.dev/cluster` ownership mark; lower-case letters, digits, `.`,"
          + " `-`; clusters sharing an account need different names",
      "**required**"),
  CIFED_LOCAL_MODE("`true`: local/demo run, the cluster name defaults to `local`", "`false`"),
  CIFED_ALLOW_UNGOVERNED_NAMESPACES(
      "`true`: single-team mode, namespaces no `CIFederationPolicy` selects may use every target"
          + " (README \"Tenancy\")",
      "`false` (default deny)"),
  CIFED_NEVER_DELETE(
      "`true`: every deletion orphans the cloud objects, whatever `deletionPolicy` says",
      "`false`"),
  CIFED_EXTRA_CA_FILE(
      "PEM file of extra trust anchors for issuer discovery/JWKS TLS, added to the JVM's CAs and"
          + " each issuer's `spec.caBundle`; read at start-up",
      "—"),
  AWS_ENDPOINT_URL(
      "IAM and STS endpoint override (an emulator such as moto); plain `http` only on loopback",
      "AWS"),
  AWS_ENDPOINT_URL_IAM(
      "IAM endpoint override, before `AWS_ENDPOINT_URL`; plain `http` only on loopback",
      "`AWS_ENDPOINT_URL`, else AWS"),
  AWS_ENDPOINT_URL_STS(
      "STS endpoint override, before `AWS_ENDPOINT_URL`; plain `http` only on loopback",
      "`AWS_ENDPOINT_URL`, else AWS"),
  AWS_REGION("region STS is called in (IAM is global)", "`us-east-1`"),
  CIFED_AWS_ASSUME_ROLE_ARN_TEMPLATE(
      "role assumed in each account, `{accountId}` standing for `spec.aws.accountId`",
      "— (the credentials' own account only)"),
  CIFED_AWS_MAX_ATTEMPTS(
      "attempts per AWS call, retries with backoff and jitter included (1–20)", "5"),
  CIFED_GCP_IAM_ENDPOINT(
      "root URL of the IAM v1 API (e.g. the local fake `http://127.0.0.1:8085/`); plain `http`"
          + " only on loopback",
      "`https://iam.googleapis.com/`"),
  CIFED_GCP_ACCESS_TOKEN(
      "static bearer token for GCP, for local use; otherwise application-default credentials", "—"),
  CIFED_AZURE_ARM_ENDPOINT(
      "Azure Resource Manager URL (e.g. a local fake); plain `http` only on loopback",
      "Azure public cloud"),
  CIFED_AZURE_ACCESS_TOKEN(
      "a static bearer token for ARM, for local use",
      "`DefaultAzureCredential` (workload identity on AKS)"),
  CIFED_AZURE_TENANT_ID(
      "tenant for `DefaultAzureCredential`; reported when an identity does not say", "—"),
  CIFED_AZURE_CA_FILE("PEM file of extra trust anchors for the ARM endpoint's TLS", "—"),
  CIFED_LEADER_ELECTION(
      "`true`: replicas elect a leader through a `coordination.k8s.io` Lease; only the leader"
          + " reconciles",
      "`false` (the chart sets `true`)"),
  CIFED_LEADER_ELECTION_NAMESPACE("namespace of the Lease", "the service account's namespace"),
  CIFED_LEADER_ELECTION_LEASE(
      "name of the Lease",
      "`cifederation-operator`, with `CIFED_SHARD` `cifederation-operator-<shard>` (the chart: the"
          + " release name)"),
  CIFED_SHARD(
      "name of this shard (lower-case letters, digits, `-`): names the status field manager"
          + " (`cifederatedidentity-<shard>`) and the default Lease; required by the three below",
      "— (one operator for every identity)"),
  CIFED_SHARD_NAMESPACES(
      "comma-separated namespaces whose identities this shard reconciles", "— (every namespace)"),
  CIFED_SHARD_LABEL_SELECTOR(
      "label selector on the identities this shard reconciles, e.g. `cifederation.dev/shard=b`"
          + " or `!cifederation.dev/shard` (README \"Scale and cost\")",
      "— (every identity)"),
  CIFED_SHARD_RECONCILES_ISSUERS(
      "`false`: this shard leaves `CIIssuer`s (status, finalizer, AWS provider thumbprints) to the"
          + " one shard that keeps `true`",
      "`true`"),
  /** Also read by logback.xml, which picks the appender by it. */
  CIFED_LOG_FORMAT(
      "`text` or `json` (one JSON object per line, with the resource in `mdc`)",
      "`text` (the chart and image: `json`)"),
  CIFED_WORKFLOW_SNIPPETS(
      "`false` stops writing the per-identity workflow-snippet ConfigMaps",
      "`true` (the chart: `false`)"),
  CIFED_WORKFLOW_SNIPPET_NAMESPACES(
      "comma-separated namespaces whose snippet ConfigMaps the operator watches and writes (it"
          + " needs `configmaps` `get list watch create patch` there); identities elsewhere get"
          + " the Event `SnippetsNotPublished`",
      "— (every namespace the operator watches; the chart: `rbac.workflowSnippetNamespaces`)"),
  CIFED_ISSUER_ALLOW_PRIVATE(
      "`true` lets issuers and their `jwks_uri` resolve to loopback or private addresses"
          + " (link-local/metadata never)",
      "`false`");

  private final String meaning;
  private final String documentedDefault;

  Variable(String meaning, String documentedDefault) {
    this.meaning = meaning;
    this.documentedDefault = documentedDefault;
  }

  /** What the variable does, in the README's words (Markdown). */
  public String meaning() {
    return meaning;
  }

  /** The default as the README states it (Markdown): prose, not the parsed value. */
  public String documentedDefault() {
    return documentedDefault;
  }

  /** This variable's row of the README's configuration table. */
  public String tableRow() {
    return "| `" + name() + "` | " + meaning + " | " + documentedDefault + " |";
  }
}
