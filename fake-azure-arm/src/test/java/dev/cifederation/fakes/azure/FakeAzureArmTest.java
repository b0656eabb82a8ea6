package dev.cifederation.fakes.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake's own contract: ARM's paths, JSON, errors and rules, over plain HTTP(S). */
class FakeAzureArmTest {

  private static final String TOKEN = "test-token";
  private static final String SUB = "11111111-2222-3333-4444-555555555555";
  private static final String RG = "rg-ci";
  private static final String MSI = "?api-version=2024-11-30";
  private static final String AUTHZ = "?api-version=2022-04-01";
  private static final String CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";
  private static final ObjectMapper JSON = new ObjectMapper();

  private FakeAzureArm fake;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    fake =
        FakeAzureArm.start(
            FakeAzureArm.Options.defaults(TOKEN)
                .withPageSize(2)
                .withPrincipalReplicationDelay(Duration.ofMinutes(5)));
    fake.state().addResourceGroup(SUB, RG);
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  @Test
  void everyRequestNeedsTheApiVersionAndTheBearerToken() throws Exception {
    Reply noVersion = call("GET", identityPath("x"), null);
    assertThat(noVersion.status()).isEqualTo(400);
    assertThat(noVersion.errorCode()).isEqualTo("MissingApiVersionParameter");

    Reply unknownVersion = call("GET", identityPath("x") + "?api-version=2099-01-01", null);
    assertThat(unknownVersion.errorCode()).isEqualTo("NoRegisteredProviderFound");

    HttpResponse<String> anonymous =
        http.send(
            HttpRequest.newBuilder(URI.create(fake.baseUrl() + identityPath("x") + MSI)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(anonymous.body()).at("/error/code").asText())
        .isEqualTo("AuthenticationFailed");
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).isPresent();

    HttpResponse<String> wrongToken =
        http.send(
            HttpRequest.newBuilder(URI.create(fake.baseUrl() + identityPath("x") + MSI))
                .header("Authorization", "Bearer nope")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(wrongToken.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(wrongToken.body()).at("/error/code").asText())
        .isEqualTo("InvalidAuthenticationToken");
  }

  @Test
  void identityLifecycleWithArmShapesAndDoubleSlashPaths() throws Exception {
    Reply created =
        call(
            "PUT",
            "/" + identityPath("deploy") + MSI,
            "{\"location\":\"eastus\",\"tags\":{\"a\":\"b\"}}");
    assertThat(created.status()).isEqualTo(201);
    JsonNode body = created.body();
    assertThat(body.get("id").asText())
        .isEqualTo(
            "/subscriptions/"
                + SUB
                + "/resourcegroups/"
                + RG
                + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/deploy");
    assertThat(body.get("name").asText()).isEqualTo("deploy");
    assertThat(body.get("type").asText())
        .isEqualTo("Microsoft.ManagedIdentity/userAssignedIdentities");
    assertThat(body.get("location").asText()).isEqualTo("eastus");
    assertThat(body.at("/tags/a").asText()).isEqualTo("b");
    String principalId = body.at("/properties/principalId").asText();
    assertThat(principalId).matches("[0-9a-f-]{36}");
    assertThat(body.at("/properties/clientId").asText())
        .matches("[0-9a-f-]{36}")
        .isNotEqualTo(principalId);
    assertThat(body.at("/properties/tenantId").asText()).isEqualTo(fake.tenantId());

    Reply again =
        call("PUT", identityPath("deploy") + MSI, "{\"location\":\"eastus\",\"tags\":{}}");
    assertThat(again.status()).as("an update").isEqualTo(200);
    assertThat(again.body().at("/properties/principalId").asText()).isEqualTo(principalId);
    assertThat(again.body().get("tags").size()).as("PUT replaces the tags").isZero();

    Reply moved = call("PUT", identityPath("deploy") + MSI, "{\"location\":\"westus\"}");
    assertThat(moved.errorCode()).isEqualTo("InvalidResourceLocation");

    Reply patched =
        call("PATCH", "//" + identityPath("deploy").substring(1) + MSI, "{\"tags\":{\"x\":\"y\"}}");
    assertThat(patched.status()).isEqualTo(200);
    assertThat(patched.body().at("/tags/x").asText()).isEqualTo("y");

    assertThat(call("GET", identityPath("deploy") + MSI, null).status()).isEqualTo(200);
    assertThat(call("DELETE", identityPath("deploy") + MSI, null).status()).isEqualTo(200);
    assertThat(call("DELETE", identityPath("deploy") + MSI, null).status()).isEqualTo(204);
    Reply gone = call("GET", identityPath("deploy") + MSI, null);
    assertThat(gone.status()).isEqualTo(404);
    assertThat(gone.errorCode()).isEqualTo("ResourceNotFound");
    assertThat(gone.body().at("/error/message").asText()).contains("deploy");

    Reply noGroup =
        call(
            "GET",
            "/subscriptions/"
                + SUB
                + "/resourceGroups/missing/providers/Microsoft.ManagedIdentity/userAssignedIdentities/x"
                + MSI,
            null);
    assertThat(noGroup.status()).isEqualTo(404);
    assertThat(noGroup.errorCode()).isEqualTo("ResourceGroupNotFound");
  }

  @Test
  void identitiesAreListedBySubscriptionAcrossResourceGroups() throws Exception {
    fake.state().addResourceGroup(SUB, "rg-other");
    call("PUT", identityPath("deploy") + MSI, "{\"location\":\"eastus\"}");
    call(
        "PUT",
        "/subscriptions/"
            + SUB
            + "/resourceGroups/rg-other/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
            + "other"
            + MSI,
        "{\"location\":\"westus\"}");

    Reply listed =
        call(
            "GET",
            "/subscriptions/"
                + SUB
                + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
                + MSI,
            null);

    assertThat(listed.status()).isEqualTo(200);
    assertThat(listed.body().path("value").findValuesAsText("name"))
        .containsExactlyInAnyOrder("deploy", "other");
    Reply unknown =
        call(
            "GET",
            "/subscriptions/99999999-2222-3333-4444-555555555555/providers/"
                + "Microsoft.ManagedIdentity/userAssignedIdentities"
                + MSI,
            null);
    assertThat(unknown.status()).isEqualTo(404);
  }

  @Test
  void tagNamesWithSlashesAreRejectedAsArmDoes() throws Exception {
    Reply reply =
        call(
            "PUT",
            identityPath("tagged") + MSI,
            "{\"location\":\"eastus\",\"tags\":{\"cifederation.dev/owner\":\"ns/name\"}}");
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.errorCode()).isEqualTo("InvalidTagNameCharacters");
    Reply valueWithSlash =
        call(
            "PUT",
            identityPath("tagged") + MSI,
            "{\"location\":\"eastus\",\"tags\":{\"cifederation.dev_owner\":\"ns/name\"}}");
    assertThat(valueWithSlash.status()).isEqualTo(201);
  }

  @Test
  void credentialRulesOneAudienceHttpsIssuerUniqueSubjectAndTwentyAtMost() throws Exception {
    call("PUT", identityPath("id1") + MSI, "{\"location\":\"eastus\"}");
    Reply twoAudiences = putCredential("id1", "cred-1", "https://issuer", "sub-1", "[\"a\",\"b\"]");
    assertThat(twoAudiences.status()).isEqualTo(400);
    assertThat(putCredential("id1", "cred-1", "http://issuer", "sub-1", "[\"a\"]").status())
        .isEqualTo(400);

    Reply created =
        putCredential(
            "id1", "cred-1", "https://issuer", "sub-1", "[\"api://AzureADTokenExchange\"]");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.body().get("type").asText())
        .isEqualTo("Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials");
    assertThat(created.body().at("/properties/subject").asText()).isEqualTo("sub-1");
    assertThat(created.body().at("/properties/audiences/0").asText())
        .isEqualTo("api://AzureADTokenExchange");
    assertThat(putCredential("id1", "cred-1", "https://issuer", "sub-1b", "[\"a\"]").status())
        .as("an update of the same name")
        .isEqualTo(200);
    Reply duplicate = putCredential("id1", "cred-2", "https://issuer", "sub-1b", "[\"a\"]");
    assertThat(duplicate.status()).isEqualTo(400);
    assertThat(duplicate.body().at("/error/message").asText())
        .contains("Issuer and subject combination already exists");

    for (int i = 2; i <= ArmState.MAX_FEDERATED_CREDENTIALS; i++) {
      assertThat(
              putCredential("id1", "cred-" + i, "https://issuer", "sub-" + i, "[\"a\"]").status())
          .isEqualTo(201);
    }
    Reply twentyFirst = putCredential("id1", "cred-21", "https://issuer", "sub-21", "[\"a\"]");
    assertThat(twentyFirst.status()).isEqualTo(400);
    assertThat(putCredential("id1", "cred-5", "https://issuer", "sub-5b", "[\"a\"]").status())
        .as("updating one of the twenty is still allowed")
        .isEqualTo(200);

    Reply list = call("GET", identityPath("id1") + "/federatedIdentityCredentials" + MSI, null);
    assertThat(list.body().get("value").size()).as("page size 2").isEqualTo(2);
    int total = 0;
    String next = list.body().path("nextLink").asText(null);
    total += list.body().get("value").size();
    while (next != null) {
      Reply page = callAbsolute("GET", next);
      total += page.body().get("value").size();
      next = page.body().path("nextLink").asText(null);
    }
    assertThat(total).isEqualTo(20);

    Reply missingParent = putCredential("nope", "cred-1", "https://issuer", "s", "[\"a\"]");
    assertThat(missingParent.status()).isEqualTo(404);
    assertThat(missingParent.errorCode()).isEqualTo("ParentResourceNotFound");
  }

  @Test
  void overlappingCredentialWritesOnOneIdentityConflict() throws Exception {
    fake.close();
    fake =
        FakeAzureArm.start(
            FakeAzureArm.Options.defaults(TOKEN)
                .withCredentialWriteLatency(Duration.ofMillis(400)));
    fake.state().addResourceGroup(SUB, RG);
    call("PUT", identityPath("busy") + MSI, "{\"location\":\"eastus\"}");
    call("PUT", identityPath("other") + MSI, "{\"location\":\"eastus\"}");
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Callable<Reply>> writes = new ArrayList<>();
      writes.add(() -> putCredential("busy", "cred-a", "https://i", "s-a", "[\"x\"]"));
      writes.add(() -> putCredential("busy", "cred-b", "https://i", "s-b", "[\"x\"]"));
      writes.add(() -> putCredential("other", "cred-c", "https://i", "s-c", "[\"x\"]"));
      List<Future<Reply>> results = pool.invokeAll(writes);
      List<Reply> busy = List.of(results.get(0).get(), results.get(1).get());
      assertThat(busy).extracting(Reply::status).containsExactlyInAnyOrder(201, 409);
      assertThat(busy)
          .filteredOn(r -> r.status() == 409)
          .extracting(Reply::errorCode)
          .containsExactly("ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity");
      assertThat(results.get(2).get().status())
          .as("another identity is independent")
          .isEqualTo(201);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void builtInRoleDefinitionsByNameWithTheirRealIds() throws Exception {
    Reply contributor =
        call(
            "GET",
            "/subscriptions/"
                + SUB
                + "/resourceGroups/"
                + RG
                + "/providers/Microsoft.Authorization/roleDefinitions"
                + AUTHZ
                + "&$filter="
                + enc("roleName eq 'Contributor'"),
            null);
    JsonNode definition = contributor.body().get("value").get(0);
    assertThat(contributor.body().get("value").size()).isEqualTo(1);
    assertThat(definition.get("name").asText()).isEqualTo(CONTRIBUTOR);
    assertThat(definition.get("id").asText())
        .isEqualTo(
            "/subscriptions/"
                + SUB
                + "/providers/Microsoft.Authorization/roleDefinitions/"
                + CONTRIBUTOR);
    assertThat(definition.at("/properties/roleName").asText()).isEqualTo("Contributor");
    assertThat(definition.at("/properties/type").asText()).isEqualTo("BuiltInRole");

    Reply uaa =
        call(
            "GET",
            "/subscriptions/"
                + SUB
                + "/providers/Microsoft.Authorization/roleDefinitions"
                + AUTHZ
                + "&$filter="
                + enc("roleName eq 'User Access Administrator'"),
            null);
    assertThat(uaa.body().at("/value/0/name").asText())
        .isEqualTo("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9");
    Reply unknown =
        call(
            "GET",
            "/subscriptions/"
                + SUB
                + "/providers/Microsoft.Authorization/roleDefinitions"
                + AUTHZ
                + "&$filter="
                + enc("roleName eq 'Nope'"),
            null);
    assertThat(unknown.body().get("value").size()).isZero();
  }

  @Test
  void roleDefinitionsByGuidBuiltInEverywhereCustomWhereAssignable() throws Exception {
    String owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
    String custom = "3f2c9d44-8b1e-4c0a-9f6e-5d7a1b2c3d4e";
    String subscription = "/subscriptions/" + SUB;
    fake.state().addResourceGroup(SUB, "rg-other");
    fake.state()
        .defineCustomRole(custom, "Deploy Admin", List.of(subscription + "/resourceGroups/" + RG));
    String definitions = "/providers/Microsoft.Authorization/roleDefinitions/";

    Reply builtIn =
        call("GET", subscription + "/resourceGroups/rg-other" + definitions + owner + AUTHZ, null);
    assertThat(builtIn.status()).isEqualTo(200);
    assertThat(builtIn.body().at("/properties/roleName").asText()).isEqualTo("Owner");
    assertThat(builtIn.body().at("/properties/type").asText()).isEqualTo("BuiltInRole");

    Reply customHere =
        call(
            "GET",
            subscription + "/resourceGroups/" + RG + definitions + custom.toUpperCase() + AUTHZ,
            null);
    assertThat(customHere.status()).isEqualTo(200);
    assertThat(customHere.body().get("name").asText()).isEqualTo(custom);
    assertThat(customHere.body().at("/properties/roleName").asText()).isEqualTo("Deploy Admin");
    assertThat(customHere.body().at("/properties/type").asText()).isEqualTo("CustomRole");
    assertThat(customHere.body().at("/properties/assignableScopes/0").asText())
        .isEqualTo(subscription + "/resourceGroups/" + RG);

    Reply customElsewhere =
        call("GET", subscription + "/resourceGroups/rg-other" + definitions + custom + AUTHZ, null);
    assertThat(customElsewhere.status()).as("outside its assignable scopes").isEqualTo(404);
    assertThat(customElsewhere.errorCode()).isEqualTo("RoleDefinitionDoesNotExist");
    assertThat(
            call(
                    "GET",
                    subscription + definitions + "0badc0de-0000-4000-8000-000000000000" + AUTHZ,
                    null)
                .errorCode())
        .isEqualTo("RoleDefinitionDoesNotExist");

    Reply byName =
        call(
            "GET",
            subscription
                + "/resourceGroups/"
                + RG
                + "/providers/Microsoft.Authorization/roleDefinitions"
                + AUTHZ
                + "&$filter="
                + enc("roleName eq 'deploy admin'"),
            null);
    assertThat(byName.body().at("/value/0/name").asText()).isEqualTo(custom);

    assertThatThrownBy(
            () ->
                fake.state()
                    .defineCustomRole(
                        "4f2c9d44-8b1e-4c0a-9f6e-5d7a1b2c3d4e", "owner", List.of(subscription)))
        .as("role names are unique in the directory, built-in ones included")
        .isInstanceOf(ArmException.class)
        .hasMessageContaining("already exists");

    String principal =
        call("PUT", identityPath("custom-identity") + MSI, "{\"location\":\"eastus\"}")
            .body()
            .at("/properties/principalId")
            .asText();
    String scope = subscription + "/resourceGroups/" + RG;
    Reply assigned =
        putAssignment(
            scope,
            "5f2504e0-4f89-11d3-9a0c-0305e82c3301",
            subscription + definitions + custom,
            principal,
            "ServicePrincipal");
    assertThat(assigned.status()).isEqualTo(201);
    assertThat(
            putAssignment(
                    subscription + "/resourceGroups/rg-other",
                    "6f2504e0-4f89-11d3-9a0c-0305e82c3301",
                    subscription + definitions + custom,
                    principal,
                    "ServicePrincipal")
                .errorCode())
        .isEqualTo("RoleDefinitionDoesNotExist");
  }

  @Test
  void roleAssignmentRulesGuidNamesImmutableUniqueAndReplication() throws Exception {
    String principal =
        call("PUT", identityPath("ra-identity") + MSI, "{\"location\":\"eastus\"}")
            .body()
            .at("/properties/principalId")
            .asText();
    String scope = "/subscriptions/" + SUB + "/resourceGroups/" + RG;
    String definition =
        "/subscriptions/"
            + SUB
            + "/providers/Microsoft.Authorization/roleDefinitions/"
            + CONTRIBUTOR;
    String name = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

    assertThat(
            putAssignment(scope, "not-a-guid", definition, principal, "ServicePrincipal")
                .errorCode())
        .isEqualTo("InvalidRoleAssignmentId");
    Reply racing = putAssignment(scope, name, definition, principal, null);
    assertThat(racing.status()).as("fresh principal, no principalType").isEqualTo(400);
    assertThat(racing.errorCode()).isEqualTo("PrincipalNotFound");

    Reply created = putAssignment(scope, name, definition, principal, "ServicePrincipal");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.body().get("id").asText())
        .isEqualTo(scope + "/providers/Microsoft.Authorization/roleAssignments/" + name);
    assertThat(created.body().at("/properties/principalType").asText())
        .isEqualTo("ServicePrincipal");
    assertThat(created.body().at("/properties/scope").asText()).isEqualTo(scope);
    assertThat(created.body().at("/properties/roleDefinitionId").asText()).isEqualTo(definition);

    assertThat(putAssignment(scope, name, definition, principal, "ServicePrincipal").errorCode())
        .as("the same assignment again")
        .isEqualTo("RoleAssignmentExists");
    assertThat(
            putAssignment(
                    scope,
                    "9f2504e0-4f89-11d3-9a0c-0305e82c3301",
                    definition,
                    principal,
                    "ServicePrincipal")
                .errorCode())
        .as("the same principal, role and scope under another name")
        .isEqualTo("RoleAssignmentExists");
    String reader =
        "/subscriptions/"
            + SUB
            + "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7";
    assertThat(putAssignment(scope, name, reader, principal, "ServicePrincipal").errorCode())
        .isEqualTo("RoleAssignmentUpdateNotPermitted");
    assertThat(
            putAssignment(
                    scope,
                    "7f2504e0-4f89-11d3-9a0c-0305e82c3301",
                    "/providers/Microsoft.Authorization/roleDefinitions/00000000-0000-0000-0000-000000000001",
                    principal,
                    "ServicePrincipal")
                .errorCode())
        .isEqualTo("RoleDefinitionDoesNotExist");

    String other = fake.state().addPrincipal("User");
    fake.state().assignRoleOutOfBand("/subscriptions/" + SUB, "Reader", other);
    Reply mine =
        call(
            "GET",
            "/subscriptions/"
                + SUB
                + "/providers/Microsoft.Authorization/roleAssignments"
                + AUTHZ
                + "&$filter="
                + enc("principalId eq '" + principal + "'"),
            null);
    assertThat(mine.body().get("value")).hasSize(1);
    assertThat(mine.body().at("/value/0/name").asText()).isEqualTo(name);
    Reply atGroup =
        call(
            "GET",
            "/"
                + scope
                + "/providers/Microsoft.Authorization/roleAssignments"
                + AUTHZ
                + "&$filter=atScope()",
            null);
    assertThat(atGroup.body().get("value"))
        .as("at the group and inherited from the subscription")
        .hasSize(2);

    assertThat(
            call(
                    "DELETE",
                    "/"
                        + scope
                        + "/providers/Microsoft.Authorization/roleAssignments/"
                        + name
                        + AUTHZ,
                    null)
                .status())
        .isEqualTo(200);
    assertThat(
            call(
                    "DELETE",
                    scope + "/providers/Microsoft.Authorization/roleAssignments/" + name + AUTHZ,
                    null)
                .status())
        .isEqualTo(204);
    assertThat(fake.state().roleAssignmentsOf(principal)).isEmpty();
  }

  @Test
  void faultsThrottleWithRetryAfterAndFailWithServerErrors() throws Exception {
    call("PUT", identityPath("faulty") + MSI, "{\"location\":\"eastus\"}");
    fake.faults().throttle("GET", "userAssignedIdentities/faulty", 1, Duration.ofSeconds(7));
    fake.faults().serverError("GET", "userAssignedIdentities/faulty", 1, 503);
    Reply throttled = call("GET", identityPath("faulty") + MSI, null);
    assertThat(throttled.status()).isEqualTo(429);
    assertThat(throttled.headers().get("retry-after")).containsExactly("7");
    Reply unavailable = call("GET", identityPath("faulty") + MSI, null);
    assertThat(unavailable.status()).isEqualTo(503);
    assertThat(unavailable.errorCode()).isEqualTo("ServiceUnavailable");
    assertThat(call("GET", identityPath("faulty") + MSI, null).status()).isEqualTo(200);
    assertThat(fake.faults().pending()).isZero();
    assertThat(fake.writes()).isEqualTo(1);
  }

  @Test
  void httpsWithAGeneratedCertificateThatClientsCanTrust() throws Exception {
    try (FakeAzureArm secure =
        FakeAzureArm.start(FakeAzureArm.Options.defaults(TOKEN).withHttps(true))) {
      secure.state().addResourceGroup(SUB, RG);
      assertThat(secure.baseUrl()).startsWith("https://127.0.0.1:");
      String pem = secure.certificatePem().orElseThrow();
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry(
          "fake",
          CertificateFactory.getInstance("X.509")
              .generateCertificate(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      HttpClient trusting = HttpClient.newBuilder().sslContext(context).build();
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(secure.baseUrl() + identityPath("tls") + MSI))
              .header("Authorization", "Bearer " + TOKEN)
              .PUT(HttpRequest.BodyPublishers.ofString("{\"location\":\"eastus\"}"))
              .build();
      assertThat(trusting.send(request, HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(201);
      HttpRequest viaName =
          HttpRequest.newBuilder(
                  URI.create(
                      secure.baseUrl().replace("127.0.0.1", "localhost")
                          + identityPath("tls")
                          + MSI))
              .header("Authorization", "Bearer " + TOKEN)
              .build();
      assertThat(trusting.send(viaName, HttpResponse.BodyHandlers.ofString()).statusCode())
          .as("the certificate names localhost too")
          .isEqualTo(200);
      assertThatThrownBy(() -> http.send(request, HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(SSLHandshakeException.class);
    }
  }

  // ---------------------------------------------------------------------------------------

  private record Reply(int status, JsonNode body, Map<String, List<String>> headers) {
    String errorCode() {
      return body == null ? null : body.at("/error/code").asText(null);
    }
  }

  private static String identityPath(String name) {
    return "/subscriptions/"
        + SUB
        + "/resourceGroups/"
        + RG
        + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
        + name;
  }

  private Reply putCredential(
      String identity, String name, String issuer, String subject, String audiences)
      throws Exception {
    return call(
        "PUT",
        identityPath(identity) + "/federatedIdentityCredentials/" + name + MSI,
        "{\"properties\":{\"issuer\":\""
            + issuer
            + "\",\"subject\":\""
            + subject
            + "\",\"audiences\":"
            + audiences
            + "}}");
  }

  private Reply putAssignment(
      String scope, String name, String definition, String principal, String principalType)
      throws Exception {
    return call(
        "PUT",
        "/" + scope + "/providers/Microsoft.Authorization/roleAssignments/" + name + AUTHZ,
        "{\"properties\":{\"roleDefinitionId\":\""
            + definition
            + "\",\"principalId\":\""
            + principal
            + "\""
            + (principalType == null ? "" : ",\"principalType\":\"" + principalType + "\"")
            + "}}");
  }

  private Reply call(String method, String pathAndQuery, String body) throws Exception {
    return callAbsolute(method, fake.baseUrl() + pathAndQuery, body);
  }

  private Reply callAbsolute(String method, String url) throws Exception {
    return callAbsolute(method, url, null);
  }

  private Reply callAbsolute(String method, String url, String body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    JsonNode json = response.body().isEmpty() ? null : JSON.readTree(response.body());
    return new Reply(response.statusCode(), json, response.headers().map());
  }

  private static String enc(String value) {
    return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
