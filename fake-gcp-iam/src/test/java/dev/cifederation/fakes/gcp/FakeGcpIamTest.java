package dev.cifederation.fakes.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fake's wire format and semantics, driven with the JDK's HTTP client (not Google's): what a
 * Google client relies on must hold here first.
 */
class FakeGcpIamTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "test-token";
  private static final String SA = "deployer@my-project.iam.gserviceaccount.com";
  private static final String POOLS =
      "v1/projects/my-project/locations/global/workloadIdentityPools";
  private static final String POOL_NAME =
      "projects/123456789012/locations/global/workloadIdentityPools/ci-pool";
  private static final String GITHUB_PROVIDER =
      """
      {"displayName": "GitHub", "attributeMapping": {"google.subject": "assertion.sub",
       "attribute.repository": "assertion.repository"},
       "attributeCondition": "assertion.repository == 'my-org/my-app'",
       "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}}
      """;

  private final HttpClient http = HttpClient.newHttpClient();
  private FakeGcpIam fake;

  record Reply(int status, JsonNode json) {
    String errorStatus() {
      return json.path("error").path("status").asText();
    }
  }

  @BeforeEach
  void start() {
    fake =
        FakeGcpIam.builder()
            .token(TOKEN)
            .project("my-project", "123456789012")
            .serviceAccount(SA)
            .pollsUntilDone(2)
            .completeAfter(Duration.ofHours(1))
            .start();
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  @Test
  void everyRequestNeedsTheBearerToken() {
    Reply missing = send("GET", POOLS, null, null, false, null);
    Reply wrong = send("GET", POOLS, null, null, false, "other");

    assertThat(missing.status()).isEqualTo(401);
    assertThat(missing.json().path("error").path("code").asInt()).isEqualTo(401);
    assertThat(missing.errorStatus()).isEqualTo("UNAUTHENTICATED");
    assertThat(missing.json().path("error").path("message").asText()).contains("credentials");
    assertThat(wrong.status()).isEqualTo(401);
  }

  @Test
  void serviceAccountsAreListedPerProjectInTheRealShape() {
    fake.state().addServiceAccount("other@elsewhere.iam.gserviceaccount.com");

    Reply byId = get("v1/projects/my-project/serviceAccounts");
    Reply byNumber = get("v1/projects/123456789012/serviceAccounts");

    assertThat(byId.status()).isEqualTo(200);
    JsonNode account = byId.json().path("accounts").get(0);
    assertThat(byId.json().path("accounts")).hasSize(1);
    assertThat(account.path("email").asText()).isEqualTo(SA);
    assertThat(account.path("name").asText())
        .isEqualTo("projects/my-project/serviceAccounts/" + SA);
    assertThat(account.path("projectId").asText()).isEqualTo("my-project");
    assertThat(account.path("uniqueId").asText()).matches("[0-9]{21}");
    assertThat(byNumber.json()).isEqualTo(byId.json());
    assertThat(get("v1/projects/unknown/serviceAccounts").status()).isEqualTo(403);
  }

  @Test
  void createReturnsAnOperationThatIsDoneAfterPolling() {
    Reply created = post(POOLS + "?workloadIdentityPoolId=ci-pool", "{\"displayName\": \"CI\"}");

    assertThat(created.status()).isEqualTo(200);
    String operation = created.json().path("name").asText();
    assertThat(operation).startsWith(POOL_NAME + "/operations/");
    assertThat(created.json().has("done")).as("proto3 JSON omits done=false").isFalse();
    assertThat(get("v1/" + POOL_NAME).status()).as("invisible while creating").isEqualTo(404);

    Reply firstPoll = get("v1/" + operation);
    Reply secondPoll = get("v1/" + operation);

    assertThat(firstPoll.json().has("done")).isFalse();
    assertThat(secondPoll.json().path("done").asBoolean()).isTrue();
    assertThat(secondPoll.json().path("response").path("@type").asText())
        .isEqualTo("type.googleapis.com/google.iam.v1.WorkloadIdentityPool");
    JsonNode pool =
        get("v1/projects/123456789012/locations/global/workloadIdentityPools/ci-pool").json();
    assertThat(pool.path("name").asText()).isEqualTo(POOL_NAME);
    assertThat(pool.path("state").asText()).isEqualTo("ACTIVE");
    assertThat(pool.path("displayName").asText()).isEqualTo("CI");
    assertThat(pool.has("disabled")).as("false is omitted").isFalse();
  }

  @Test
  void anIdIsTakenWhileItsCreationIsPending() {
    post(POOLS + "?workloadIdentityPoolId=ci-pool", "{}");

    Reply again = post(POOLS + "?workloadIdentityPoolId=ci-pool", "{}");

    assertThat(again.status()).isEqualTo(409);
    assertThat(again.errorStatus()).isEqualTo("ALREADY_EXISTS");
  }

  @Test
  void idsFollowGoogleRules() {
    for (String id :
        new String[] {"abc", "UPPER-case", "gcp-reserved", "a".repeat(33), "in_valid"}) {
      Reply reply = post(POOLS + "?workloadIdentityPoolId=" + id, "{}");
      assertThat(reply.status()).as(id).isEqualTo(400);
      assertThat(reply.errorStatus()).as(id).isEqualTo("INVALID_ARGUMENT");
    }
    assertThat(post(POOLS + "?workloadIdentityPoolId=abcd", "{}").status()).isEqualTo(200);
  }

  @Test
  void unknownFieldsAreRejectedAsGoogleDoes() {
    Reply reply = post(POOLS + "?workloadIdentityPoolId=ci-pool", "{\"colour\": \"blue\"}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().path("error").path("message").asText())
        .contains("Unknown name \"colour\"");
  }

  @Test
  void gitHubProvidersNeedAConditionOnTheClaims() {
    activePool();
    String noCondition =
        """
        {"attributeMapping": {"google.subject": "assertion.sub"},
         "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}}
        """;
    String constantCondition =
        noCondition.replace("\"oidc\"", "\"attributeCondition\": \"true\", \"oidc\"");

    Reply without = post(providers() + "?workloadIdentityPoolProviderId=github", noCondition);
    Reply constant =
        post(providers() + "?workloadIdentityPoolProviderId=github", constantCondition);
    Reply otherIssuer =
        post(
            providers() + "?workloadIdentityPoolProviderId=other",
            noCondition.replace("token.actions.githubusercontent.com", "issuer.example.com"));
    Reply withCondition =
        post(providers() + "?workloadIdentityPoolProviderId=github", GITHUB_PROVIDER);

    assertThat(without.status()).isEqualTo(400);
    assertThat(without.json().path("error").path("message").asText())
        .contains("must reference one of the provider's claims");
    assertThat(constant.status()).isEqualTo(400);
    assertThat(otherIssuer.status()).isEqualTo(200);
    assertThat(withCondition.status()).isEqualTo(200);
  }

  @Test
  void googleSubjectMappingIsRequired() {
    activePool();
    Reply reply =
        post(
            providers() + "?workloadIdentityPoolProviderId=github",
            GITHUB_PROVIDER.replace("\"google.subject\": \"assertion.sub\",", ""));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().path("error").path("message").asText()).contains("google.subject");
  }

  @Test
  void gzipBodiesAndPatchThroughMethodOverrideAreUnderstood() {
    activePool();
    finish(post(providers() + "?workloadIdentityPoolProviderId=github", GITHUB_PROVIDER));

    Reply patched =
        send(
            "POST",
            providerPath("github") + "?updateMask=attribute_condition,displayName",
            gzip(
                "{\"attributeCondition\": \"assertion.repository == 'my-org/other'\","
                    + " \"displayName\": \"Renamed\", \"description\": \"not in the mask\"}"),
            "PATCH",
            true,
            TOKEN);
    finish(patched);

    JsonNode provider = get(providerPath("github")).json();
    assertThat(provider.path("attributeCondition").asText())
        .isEqualTo("assertion.repository == 'my-org/other'");
    assertThat(provider.path("displayName").asText()).isEqualTo("Renamed");
    assertThat(provider.has("description")).as("only masked fields change").isFalse();
    assertThat(fake.requests())
        .anySatisfy(
            r -> {
              assertThat(r.method()).isEqualTo("PATCH");
              assertThat(r.httpMethod()).isEqualTo("POST");
              assertThat(r.gzipped()).isTrue();
            });
  }

  @Test
  void patchNeedsAnUpdateMaskAndRejectsUnknownPaths() {
    activePool();
    finish(post(providers() + "?workloadIdentityPoolProviderId=github", GITHUB_PROVIDER));

    assertThat(send("PATCH", providerPath("github"), bytes("{}"), null, false, TOKEN).status())
        .isEqualTo(400);
    assertThat(
            send(
                    "PATCH",
                    providerPath("github") + "?updateMask=name",
                    bytes("{}"),
                    null,
                    false,
                    TOKEN)
                .status())
        .isEqualTo(400);
  }

  @Test
  void disabledIsPatchedUnderItsMaskAloneAndKeepsEverythingElse() {
    activePool();
    finish(post(providers() + "?workloadIdentityPoolProviderId=github", GITHUB_PROVIDER));
    JsonNode before = get(providerPath("github")).json();

    finish(
        send(
            "PATCH",
            providerPath("github") + "?updateMask=disabled",
            bytes("{\"disabled\": true}"),
            null,
            false,
            TOKEN));
    JsonNode disabled = get(providerPath("github")).json();

    assertThat(disabled.path("disabled").asBoolean()).isTrue();
    assertThat(disabled.path("state").asText())
        .as("still there, only disabled")
        .isEqualTo("ACTIVE");
    assertThat((Object) ((ObjectNode) disabled.deepCopy()).without("disabled")).isEqualTo(before);

    finish(
        send(
            "PATCH",
            providerPath("github") + "?updateMask=disabled",
            bytes("{}"),
            null,
            false,
            TOKEN));
    assertThat((Object) get(providerPath("github")).json())
        .as("a masked field left out of the body is cleared; false is omitted")
        .isEqualTo(before);
  }

  @Test
  void patchThatRemovesTheConditionOfAGitHubProviderIsRejected() {
    activePool();
    finish(post(providers() + "?workloadIdentityPoolProviderId=github", GITHUB_PROVIDER));

    Reply reply =
        send(
            "PATCH",
            providerPath("github") + "?updateMask=attributeCondition",
            bytes("{}"),
            null,
            false,
            TOKEN);

    assertThat(reply.status()).isEqualTo(400);
  }

  @Test
  void deleteIsSoftAndBlocksTheIdUntilUndeleted() {
    activePool();
    finish(post(providers() + "?workloadIdentityPoolProviderId=github", GITHUB_PROVIDER));

    finish(send("DELETE", providerPath("github"), null, null, false, TOKEN));

    JsonNode deleted = get(providerPath("github")).json();
    assertThat(deleted.path("state").asText()).isEqualTo("DELETED");
    assertThat(deleted.path("expireTime").asText()).endsWith("Z");
    assertThat(get(providers()).json().has("workloadIdentityPoolProviders"))
        .as("listed only with showDeleted")
        .isFalse();
    assertThat(get(providers() + "?showDeleted=true").json().path("workloadIdentityPoolProviders"))
        .hasSize(1);
    Reply recreate = post(providers() + "?workloadIdentityPoolProviderId=github", GITHUB_PROVIDER);
    assertThat(recreate.status()).isEqualTo(409);
    assertThat(recreate.errorStatus()).isEqualTo("ALREADY_EXISTS");
    assertThat(
            send(
                    "PATCH",
                    providerPath("github") + "?updateMask=displayName",
                    bytes("{}"),
                    null,
                    false,
                    TOKEN)
                .errorStatus())
        .isEqualTo("FAILED_PRECONDITION");

    finish(post(providerPath("github") + ":undelete", "{}"));

    JsonNode undeleted = get(providerPath("github")).json();
    assertThat(undeleted.path("state").asText()).isEqualTo("ACTIVE");
    assertThat(undeleted.has("expireTime")).isFalse();
    assertThat(post(providerPath("github") + ":undelete", "{}").errorStatus())
        .isEqualTo("FAILED_PRECONDITION");
  }

  @Test
  void listsArePaged() {
    activePool();
    fake.state().setMaxPageSize(2);
    for (String id : new String[] {"prov-a", "prov-b", "prov-c"}) {
      finish(post(providers() + "?workloadIdentityPoolProviderId=" + id, GITHUB_PROVIDER));
    }

    JsonNode first = get(providers()).json();
    JsonNode second =
        get(providers() + "?pageToken=" + first.path("nextPageToken").asText()).json();

    assertThat(first.path("workloadIdentityPoolProviders")).hasSize(2);
    assertThat(second.path("workloadIdentityPoolProviders")).hasSize(1);
    assertThat(second.has("nextPageToken")).isFalse();
  }

  @Test
  void anEmptyPolicyHasGooglesEmptyEtag() {
    Reply policy = post(saPath() + ":getIamPolicy?options.requestedPolicyVersion=3", "");

    assertThat(policy.json()).isEqualTo(JSON.createObjectNode().put("etag", "ACAB"));
  }

  @Test
  void setIamPolicyChecksTheEtagAndNormalisesBindings() {
    String member =
        "principal://iam.googleapis.com/projects/123456789012/locations/global/"
            + "workloadIdentityPools/ci-pool/subject/repo:my-org/my-app:environment:production";
    Reply set =
        post(
            saPath() + ":setIamPolicy",
            """
            {"policy": {"version": 3, "etag": "ACAB", "bindings": [
              {"role": "roles/iam.workloadIdentityUser", "members": ["user:zed@example.com"]},
              {"role": "roles/iam.workloadIdentityUser", "members": ["%s", "user:zed@example.com"]}]}}
            """
                .formatted(member));

    assertThat(set.status()).isEqualTo(200);
    assertThat(set.json().path("bindings")).hasSize(1);
    assertThat(set.json().path("bindings").get(0).path("members"))
        .extracting(JsonNode::asText)
        .containsExactly(member, "user:zed@example.com");
    assertThat(set.json().path("etag").asText()).isNotEqualTo("ACAB");

    Reply stale =
        post(saPath() + ":setIamPolicy", "{\"policy\": {\"etag\": \"ACAB\", \"bindings\": []}}");
    assertThat(stale.status()).isEqualTo(409);
    assertThat(stale.errorStatus()).isEqualTo("ABORTED");
    assertThat(fake.state().members(SA, "roles/iam.workloadIdentityUser")).contains(member);
  }

  @Test
  void conditionalBindingsNeedPolicyVersion3() {
    fake.state()
        .addConditionalBinding(
            SA,
            "roles/iam.serviceAccountUser",
            "user:a@example.com",
            "t",
            "request.time < timestamp('2030-01-01T00:00:00Z')");

    assertThat(post(saPath() + ":getIamPolicy", "").status()).isEqualTo(400);
    JsonNode policy = post(saPath() + ":getIamPolicy?options.requestedPolicyVersion=3", "").json();
    assertThat(policy.path("version").asInt()).isEqualTo(3);

    ((com.fasterxml.jackson.databind.node.ObjectNode) policy).put("version", 1);
    Reply downgraded = post(saPath() + ":setIamPolicy", "{\"policy\": " + policy + "}");
    assertThat(downgraded.status()).isEqualTo(400);
  }

  @Test
  void unknownServiceAccountsAreNotFound() {
    Reply reply =
        post(
            "v1/projects/-/serviceAccounts/nobody@my-project.iam.gserviceaccount.com:getIamPolicy",
            "");

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.errorStatus()).isEqualTo("NOT_FOUND");
  }

  @Test
  void unknownProjectsArePermissionDenied() {
    Reply reply = get("v1/projects/someone-else/locations/global/workloadIdentityPools");

    assertThat(reply.status()).isEqualTo(403);
    assertThat(reply.errorStatus()).isEqualTo("PERMISSION_DENIED");
  }

  @Test
  void injectedFaultsAnswerInGooglesShape() {
    fake.faults().failNext(1, 429).failNext("GET", ".*/providers", 1, 503);

    Reply throttled = get(POOLS);
    Reply served = get(POOLS);

    assertThat(throttled.status()).isEqualTo(429);
    assertThat(throttled.errorStatus()).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(served.status()).isEqualTo(200);
    activePool();
    Reply unavailable = get(providers());
    assertThat(unavailable.status()).isEqualTo(503);
    assertThat(unavailable.errorStatus()).isEqualTo("UNAVAILABLE");
    assertThat(get(providers()).status()).isEqualTo(200);
  }

  @Test
  void anInjectedOperationErrorEndsTheOperationAndChangesNothing() {
    fake.faults().failNextOperation(ApiError.Code.RESOURCE_EXHAUSTED, "Pool quota reached");

    JsonNode done = finish(post(POOLS + "?workloadIdentityPoolId=ci-pool", "{}"));

    assertThat(done.path("error").path("code").asInt()).isEqualTo(8);
    assertThat(done.path("error").path("message").asText()).isEqualTo("Pool quota reached");
    assertThat(done.has("response")).isFalse();
    assertThat(get("v1/" + POOL_NAME).status()).isEqualTo(404);
    assertThat(post(POOLS + "?workloadIdentityPoolId=ci-pool", "{}").status())
        .as("the ID is free again")
        .isEqualTo(200);
  }

  @Test
  void operationsCompleteOnTheirOwnAfterTheirTime() throws InterruptedException {
    fake.state().setPollsUntilDone(1000);
    fake.state().setCompleteAfter(Duration.ofMillis(200));
    post(POOLS + "?workloadIdentityPoolId=ci-pool", "{}");

    assertThat(fake.state().pendingOperations()).hasSize(1);
    Thread.sleep(300);

    assertThat(get("v1/" + POOL_NAME).status()).isEqualTo(200);
    assertThat(fake.state().pendingOperations()).isEmpty();
  }

  @Test
  void outOfBandEditsBypassValidation() {
    activePool();
    finish(post(providers() + "?workloadIdentityPoolProviderId=github", GITHUB_PROVIDER));

    fake.state().editProvider(POOL_NAME + "/providers/github", p -> p.remove("attributeCondition"));

    assertThat(get(providerPath("github")).json().has("attributeCondition")).isFalse();
    assertThatThrownBy(() -> fake.state().editProvider(POOL_NAME + "/providers/nope", p -> {}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void mainParsesItsOptions() {
    FakeGcpIam.Builder builder =
        Main.parse(new String[] {"--port", "0", "--token", "t", "--project", "p-1=42"});
    try (FakeGcpIam started = builder.start()) {
      assertThat(started.token()).isEqualTo("t");
      assertThat(started.baseUrl()).startsWith("http://127.0.0.1:").endsWith("/");
    }
    assertThatThrownBy(() -> Main.parse(new String[] {"--port", "1"}))
        .hasMessageContaining("--token");
    assertThatThrownBy(() -> Main.parse(new String[] {"--token", "t", "--project", "nonumber"}))
        .hasMessageContaining("PROJECT_ID=PROJECT_NUMBER");
  }

  // ---------------------------------------------------------------------------------- helpers

  private void activePool() {
    finish(post(POOLS + "?workloadIdentityPoolId=ci-pool", "{}"));
  }

  private static String providers() {
    return "v1/" + POOL_NAME + "/providers";
  }

  private static String providerPath(String id) {
    return providers() + "/" + id;
  }

  private static String saPath() {
    return "v1/projects/-/serviceAccounts/" + SA;
  }

  /** Polls an operation reply until done and returns the final operation. */
  private JsonNode finish(Reply operation) {
    assertThat(operation.status()).as(operation.json().toString()).isEqualTo(200);
    JsonNode current = operation.json();
    for (int i = 0; i < 10 && !current.path("done").asBoolean(); i++) {
      current = get("v1/" + current.path("name").asText()).json();
    }
    assertThat(current.path("done").asBoolean()).isTrue();
    return current;
  }

  private Reply get(String path) {
    return send("GET", path, null, null, false, TOKEN);
  }

  private Reply post(String path, String body) {
    return send("POST", path, bytes(body), null, false, TOKEN);
  }

  private Reply send(
      String method, String path, byte[] body, String override, boolean gzipped, String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(fake.baseUrl() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (override != null) {
      request.header("X-HTTP-Method-Override", override);
    }
    if (gzipped) {
      request.header("Content-Encoding", "gzip");
    }
    try {
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), JSON.readTree(response.body()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static byte[] bytes(String body) {
    return body.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] gzip(String body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
      zip.write(bytes(body));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
