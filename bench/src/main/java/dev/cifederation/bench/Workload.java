package dev.cifederation.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The N identities of a run, and the names both the operator and the floor use for them: one
 * repository per identity, environment {@code production}, one AWS account, one GCP pool with a
 * service account per {@value #IDENTITIES_PER_SERVICE_ACCOUNT} identities, one Azure resource
 * group. Each identity carries a block for every cloud of the run.
 */
record Workload(int count, Set<String> clouds) {

  static final String NAMESPACE = "cifed-bench";
  static final String ISSUER = "github";
  static final String ISSUER_URL = "https://token.actions.githubusercontent.com";
  static final String ISSUER_HOST = "token.actions.githubusercontent.com";
  static final String AWS_ACCOUNT = "123456789012"; // moto's account
  static final String AWS_AUDIENCE = "sts.amazonaws.com";
  static final String IAM_PATH = "/cifederation/";
  static final String GCP_PROJECT = "bench-project";
  static final String GCP_PROJECT_NUMBER = "555555555555";
  static final String GCP_POOL = "ci-federation";
  static final int IDENTITIES_PER_SERVICE_ACCOUNT = 100;
  static final String AZURE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
  static final String AZURE_GROUP = "bench-rg";
  static final String AZURE_ROLE = "Reader";

  boolean has(String cloud) {
    return clouds.contains(cloud);
  }

  static String name(int i) {
    return String.format("bench-%05d", i);
  }

  static String repository(int i) {
    return "bench-org/app-" + i;
  }

  static String subject(int i) {
    return "repo:" + repository(i) + ":environment:production";
  }

  static String serviceAccount(int i) {
    return "deployer-"
        + (i / IDENTITIES_PER_SERVICE_ACCOUNT)
        + "@"
        + GCP_PROJECT
        + ".iam.gserviceaccount.com";
  }

  List<String> serviceAccounts() {
    List<String> accounts = new ArrayList<>();
    for (int i = 0; i < count; i += IDENTITIES_PER_SERVICE_ACCOUNT) {
      accounts.add(serviceAccount(i));
    }
    return accounts;
  }

  static String azureScope() {
    return "/subscriptions/" + AZURE_SUBSCRIPTION + "/resourceGroups/" + AZURE_GROUP;
  }

  /** The inline policy of identity i, the same document for operator and floor. */
  static Map<String, Object> inlinePolicy(int i) {
    return Map.of(
        "Version",
        "2012-10-17",
        "Statement",
        List.of(
            Map.of(
                "Effect",
                "Allow",
                "Action",
                "s3:GetObject",
                "Resource",
                "arn:aws:s3:::bench-artifacts/app-" + i + "/*")));
  }

  /**
   * The CIFederationPolicy that grants the bench namespace exactly the targets the workload uses,
   * as a platform team would write it.
   */
  static Map<String, Object> policy() {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put(
        "namespaceSelector",
        Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", NAMESPACE)));
    spec.put("repositories", List.of("bench-org/*"));
    spec.put("aws", Map.of("accounts", List.of(AWS_ACCOUNT), "roleNames", List.of("bench-*")));
    spec.put(
        "gcp",
        Map.of(
            "projects",
            List.of(GCP_PROJECT),
            "serviceAccounts",
            List.of("deployer-*@" + GCP_PROJECT + ".iam.gserviceaccount.com")));
    spec.put(
        "azure",
        Map.of("subscriptions", List.of(AZURE_SUBSCRIPTION), "scopes", List.of(azureScope())));
    return Map.of(
        "apiVersion",
        "cifederation.dev/v1alpha1",
        "kind",
        "CIFederationPolicy",
        "metadata",
        Map.of("name", "bench"),
        "spec",
        spec);
  }

  /** The label that assigns an identity to a shard of a sharded run. */
  static final String SHARD_LABEL = "cifederation.dev/shard";

  /** The shard of identity i among {@code shards}: round robin, so the shards are even. */
  static String shardOf(int i, int shards) {
    return "s" + (i % shards);
  }

  /** The CIFederatedIdentity of identity i, as a user would write it. */
  Map<String, Object> manifest(int i) {
    return manifest(i, 1);
  }

  /** The same, labelled with its shard when the run has more than one. */
  Map<String, Object> manifest(int i, int shards) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("issuerRef", ISSUER);
    spec.put("repository", repository(i));
    spec.put("subject", Map.of("environment", "production"));
    if (has("aws")) {
      spec.put(
          "aws",
          Map.of("accountId", AWS_ACCOUNT, "roleName", name(i), "inlinePolicy", inlinePolicy(i)));
    }
    if (has("gcp")) {
      spec.put(
          "gcp",
          Map.of(
              "projectId",
              GCP_PROJECT,
              "projectNumber",
              GCP_PROJECT_NUMBER,
              "poolId",
              GCP_POOL,
              "serviceAccount",
              serviceAccount(i)));
    }
    if (has("azure")) {
      spec.put(
          "azure",
          Map.of(
              "subscriptionId",
              AZURE_SUBSCRIPTION,
              "resourceGroup",
              AZURE_GROUP,
              "location",
              "eastus",
              "identityName",
              name(i),
              "roleAssignments",
              List.of(Map.of("role", AZURE_ROLE, "scope", azureScope()))));
    }
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("apiVersion", "cifederation.dev/v1alpha1");
    manifest.put("kind", "CIFederatedIdentity");
    manifest.put(
        "metadata",
        shards > 1
            ? Map.of(
                "name", name(i),
                "namespace", NAMESPACE,
                "labels", Map.of(SHARD_LABEL, shardOf(i, shards)))
            : Map.of("name", name(i), "namespace", NAMESPACE));
    manifest.put("spec", spec);
    return manifest;
  }
}
