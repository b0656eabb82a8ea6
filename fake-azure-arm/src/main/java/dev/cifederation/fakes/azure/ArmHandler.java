package dev.cifederation.fakes.azure;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.cifederation.fakes.azure.ArmState.FederatedCredential;
import dev.cifederation.fakes.azure.ArmState.Identity;
import dev.cifederation.fakes.azure.ArmState.RoleAssignment;
import dev.cifederation.fakes.azure.ArmState.RoleDefinition;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ARM's HTTP surface for the fake: bearer token, api-version, routing of the documented paths, the
 * JSON shapes of the REST reference, paging with {@code nextLink}, and ARM's error body.
 */
final class ArmHandler implements HttpHandler {

  private static final String PROVIDER_PREFIX =
      "/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.ManagedIdentity/userAssignedIdentities";
  private static final Pattern IDENTITY = route(PROVIDER_PREFIX + "/([^/]+)");
  private static final Pattern IDENTITIES = route(PROVIDER_PREFIX);
  private static final Pattern SUBSCRIPTION_IDENTITIES =
      route("/subscriptions/([^/]+)/providers/Microsoft\\.ManagedIdentity/userAssignedIdentities");
  private static final Pattern CREDENTIALS =
      route(PROVIDER_PREFIX + "/([^/]+)/federatedIdentityCredentials");
  private static final Pattern CREDENTIAL =
      route(PROVIDER_PREFIX + "/([^/]+)/federatedIdentityCredentials/([^/]+)");
  private static final Pattern ASSIGNMENT =
      route("(.*)/providers/Microsoft\\.Authorization/roleAssignments/([^/]+)");
  private static final Pattern ASSIGNMENTS =
      route("(.*)/providers/Microsoft\\.Authorization/roleAssignments");
  private static final Pattern DEFINITION =
      route("(.*)/providers/Microsoft\\.Authorization/roleDefinitions/([^/]+)");
  private static final Pattern DEFINITIONS =
      route("(.*)/providers/Microsoft\\.Authorization/roleDefinitions");
  private static final Pattern RESOURCE_GROUP =
      route("/subscriptions/([^/]+)/resourceGroups/([^/]+)");

  private static final Set<String> MSI_VERSIONS =
      Set.of(
          "2018-11-30",
          "2021-09-30-preview",
          "2022-01-31-preview",
          "2023-01-31",
          "2023-07-31-preview",
          "2024-11-30",
          "2025-01-31-preview");
  // federated identity credentials arrived with 2022-01-31-preview
  private static final Set<String> CREDENTIAL_VERSIONS =
      Set.of(
          "2022-01-31-preview",
          "2023-01-31",
          "2023-07-31-preview",
          "2024-11-30",
          "2025-01-31-preview");
  private static final Set<String> AUTHORIZATION_VERSIONS =
      Set.of(
          "2015-07-01",
          "2018-01-01-preview",
          "2018-09-01-preview",
          "2020-04-01-preview",
          "2020-10-01-preview",
          "2022-04-01",
          "2022-05-01-preview");
  private static final Set<String> RESOURCES_VERSIONS =
      Set.of("2019-10-01", "2020-06-01", "2021-04-01", "2022-09-01", "2024-03-01", "2024-11-01");

  private final ArmState state;
  private final Faults faults;
  private final String token;
  private final Supplier<String> baseUrl;
  private final int pageSize;
  private final Consumer<RecordedRequest> recorder;
  private final ObjectMapper json = new ObjectMapper();

  ArmHandler(
      ArmState state,
      Faults faults,
      String token,
      Supplier<String> baseUrl,
      int pageSize,
      Consumer<RecordedRequest> recorder) {
    this.state = state;
    this.faults = faults;
    this.token = token;
    this.baseUrl = baseUrl;
    this.pageSize = pageSize;
    this.recorder = recorder;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
    // The SDK joins "https://host/" and "/subscriptions/…" (and "/{scope}" with a scope that
    // starts with "/"), so double slashes are normal on the wire; ARM collapses them.
    String path = normalise(rawPath(exchange.getRequestURI()));
    Map<String, String> query = parseQuery(exchange.getRequestURI().getRawQuery());
    int status;
    JsonNode responseBody;
    Map<String, String> headers = Map.of();
    try {
      byte[] body = exchange.getRequestBody().readAllBytes();
      Response response = dispatch(exchange, method, path, query, body);
      status = response.status();
      responseBody = response.body();
    } catch (ArmException e) {
      status = e.status();
      ObjectNode error = json.createObjectNode();
      error.putObject("error").put("code", e.code()).put("message", e.getMessage());
      responseBody = error;
      headers = e.headers();
    } catch (RuntimeException e) {
      status = 500;
      ObjectNode error = json.createObjectNode();
      error
          .putObject("error")
          .put("code", "InternalServerError")
          .put("message", "The fake failed: " + e);
      responseBody = error;
    }
    // recorded before the response leaves: a client that has its answer finds its request listed
    recorder.accept(
        new RecordedRequest(
            method,
            path,
            query,
            status,
            exchange.getRequestHeaders().getFirst("User-Agent"),
            exchange.getRequestHeaders().getFirst("x-ms-client-request-id")));
    send(exchange, status, responseBody, headers);
  }

  private record Response(int status, JsonNode body) {}

  private Response dispatch(
      HttpExchange exchange, String method, String path, Map<String, String> query, byte[] body) {
    authenticate(exchange);
    Matcher m;
    if ((m = IDENTITY.matcher(path)).matches()) {
      requireVersion(query, MSI_VERSIONS, "userAssignedIdentities");
      faults.apply(method, path, Runnable::run);
      return identity(method, m.group(1), m.group(2), m.group(3), body);
    }
    if ((m = IDENTITIES.matcher(path)).matches()) {
      requireVersion(query, MSI_VERSIONS, "userAssignedIdentities");
      requireMethod(method, "GET");
      faults.apply(method, path, Runnable::run);
      return ok(
          page(
              path,
              query,
              state.listIdentities(m.group(1), m.group(2)).stream()
                  .map(this::identityJson)
                  .toList()));
    }
    if ((m = SUBSCRIPTION_IDENTITIES.matcher(path)).matches()) {
      requireVersion(query, MSI_VERSIONS, "userAssignedIdentities");
      requireMethod(method, "GET");
      faults.apply(method, path, Runnable::run);
      return ok(
          page(
              path,
              query,
              state.listIdentities(m.group(1)).stream().map(this::identityJson).toList()));
    }
    if ((m = CREDENTIALS.matcher(path)).matches()) {
      requireVersion(
          query, CREDENTIAL_VERSIONS, "userAssignedIdentities/federatedIdentityCredentials");
      requireMethod(method, "GET");
      faults.apply(method, path, Runnable::run);
      return ok(
          page(
              path,
              query,
              state.listCredentials(m.group(1), m.group(2), m.group(3)).stream()
                  .map(this::credentialJson)
                  .toList()));
    }
    if ((m = CREDENTIAL.matcher(path)).matches()) {
      requireVersion(
          query, CREDENTIAL_VERSIONS, "userAssignedIdentities/federatedIdentityCredentials");
      faults.apply(method, path, Runnable::run);
      return credential(method, m.group(1), m.group(2), m.group(3), m.group(4), body);
    }
    if ((m = ASSIGNMENT.matcher(path)).matches()) {
      requireVersion(query, AUTHORIZATION_VERSIONS, "roleAssignments");
      faults.apply(method, path, Runnable::run);
      return assignment(method, scope(m.group(1)), m.group(2), body);
    }
    if ((m = ASSIGNMENTS.matcher(path)).matches()) {
      requireVersion(query, AUTHORIZATION_VERSIONS, "roleAssignments");
      requireMethod(method, "GET");
      faults.apply(method, path, Runnable::run);
      return ok(
          page(
              path,
              query,
              state.listRoleAssignments(scope(m.group(1)), query.get("$filter")).stream()
                  .map(this::assignmentJson)
                  .toList()));
    }
    if ((m = DEFINITION.matcher(path)).matches()) {
      requireVersion(query, AUTHORIZATION_VERSIONS, "roleDefinitions");
      requireMethod(method, "GET");
      faults.apply(method, path, Runnable::run);
      String scope = scope(m.group(1));
      return ok(definitionJson(state.getRoleDefinition(scope, m.group(2)), subscriptionOf(scope)));
    }
    if ((m = DEFINITIONS.matcher(path)).matches()) {
      requireVersion(query, AUTHORIZATION_VERSIONS, "roleDefinitions");
      requireMethod(method, "GET");
      faults.apply(method, path, Runnable::run);
      String scope = scope(m.group(1));
      return ok(
          page(
              path,
              query,
              state.listRoleDefinitions(scope, query.get("$filter")).stream()
                  .map(d -> definitionJson(d, subscriptionOf(scope)))
                  .toList()));
    }
    if ((m = RESOURCE_GROUP.matcher(path)).matches()) {
      requireVersion(query, RESOURCES_VERSIONS, "resourceGroups");
      faults.apply(method, path, Runnable::run);
      return resourceGroup(method, m.group(1), m.group(2));
    }
    throw ArmException.notFound(
        "InvalidResourceType", "The resource type could not be found for the path '" + path + "'.");
  }

  // ------------------------------------------------------------------------------ resources

  private Response identity(String method, String sub, String group, String name, byte[] body) {
    switch (method) {
      case "GET":
        return ok(identityJson(state.getIdentity(sub, group, name)));
      case "PUT":
        {
          JsonNode request = parse(body);
          ArmState.Put<Identity> put =
              state.putIdentity(sub, group, name, text(request, "location"), tags(request));
          return new Response(put.created() ? 201 : 200, identityJson(put.resource()));
        }
      case "PATCH":
        {
          JsonNode request = parse(body);
          return ok(identityJson(state.patchIdentity(sub, group, name, tags(request))));
        }
      case "DELETE":
        return state.deleteIdentity(sub, group, name).isPresent()
            ? new Response(200, null)
            : new Response(204, null);
      default:
        throw methodNotAllowed(method);
    }
  }

  private Response credential(
      String method, String sub, String group, String identity, String name, byte[] body) {
    switch (method) {
      case "GET":
        return ok(credentialJson(state.getCredential(sub, group, identity, name)));
      case "PUT":
        {
          JsonNode properties = parse(body).path("properties");
          List<String> audiences = null;
          if (properties.path("audiences").isArray()) {
            audiences = new ArrayList<>();
            for (JsonNode audience : properties.path("audiences")) {
              audiences.add(audience.asText());
            }
          }
          ArmState.Put<FederatedCredential> put =
              state.putCredential(
                  sub,
                  group,
                  identity,
                  name,
                  text(properties, "issuer"),
                  text(properties, "subject"),
                  audiences);
          return new Response(put.created() ? 201 : 200, credentialJson(put.resource()));
        }
      case "DELETE":
        return state.deleteCredential(sub, group, identity, name).isPresent()
            ? new Response(200, null)
            : new Response(204, null);
      default:
        throw methodNotAllowed(method);
    }
  }

  private Response assignment(String method, String scope, String name, byte[] body) {
    switch (method) {
      case "GET":
        return ok(assignmentJson(state.getRoleAssignment(scope, name)));
      case "PUT":
        {
          JsonNode properties = parse(body).path("properties");
          RoleAssignment created =
              state.putRoleAssignment(
                  scope,
                  name,
                  text(properties, "roleDefinitionId"),
                  text(properties, "principalId"),
                  text(properties, "principalType"),
                  text(properties, "description"));
          return new Response(201, assignmentJson(created));
        }
      case "DELETE":
        Optional<RoleAssignment> deleted = state.deleteRoleAssignment(scope, name);
        return deleted
            .map(a -> new Response(200, assignmentJson(a)))
            .orElse(new Response(204, null));
      default:
        throw methodNotAllowed(method);
    }
  }

  private Response resourceGroup(String method, String sub, String group) {
    switch (method) {
      case "GET":
        return ok(resourceGroupJson(sub, state.getResourceGroup(sub, group)));
      case "PUT":
        ArmState.Put<String> put = state.putResourceGroup(sub, group);
        return new Response(put.created() ? 201 : 200, resourceGroupJson(sub, put.resource()));
      default:
        throw methodNotAllowed(method);
    }
  }

  // ------------------------------------------------------------------------------------ JSON

  private ObjectNode identityJson(Identity identity) {
    ObjectNode node = json.createObjectNode();
    node.put("id", identity.id());
    node.put("name", identity.name());
    node.put("type", ArmState.IDENTITY_TYPE);
    node.put("location", identity.location());
    ObjectNode tags = node.putObject("tags");
    new TreeMap<>(identity.tags()).forEach(tags::put);
    node.putObject("properties")
        .put("isolationScope", "None")
        .put("tenantId", identity.tenantId())
        .put("principalId", identity.principalId())
        .put("clientId", identity.clientId());
    return node;
  }

  private ObjectNode credentialJson(FederatedCredential credential) {
    ObjectNode node = json.createObjectNode();
    node.put("id", credential.id());
    node.put("name", credential.name());
    node.put("type", ArmState.CREDENTIAL_TYPE);
    ObjectNode properties = node.putObject("properties");
    properties.put("issuer", credential.issuer());
    properties.put("subject", credential.subject());
    ArrayNode audiences = properties.putArray("audiences");
    credential.audiences().forEach(audiences::add);
    return node;
  }

  private ObjectNode assignmentJson(RoleAssignment assignment) {
    ObjectNode node = json.createObjectNode();
    node.put("id", assignment.id());
    node.put("name", assignment.name());
    node.put("type", "Microsoft.Authorization/roleAssignments");
    ObjectNode properties = node.putObject("properties");
    properties.put("roleDefinitionId", assignment.roleDefinitionId());
    properties.put("principalId", assignment.principalId());
    properties.put("principalType", assignment.principalType());
    properties.put("scope", assignment.scope());
    properties.putNull("condition");
    properties.putNull("conditionVersion");
    if (assignment.description() == null) {
      properties.putNull("description");
    } else {
      properties.put("description", assignment.description());
    }
    properties.put("createdOn", assignment.createdOn().toString());
    properties.put("updatedOn", assignment.createdOn().toString());
    properties.put(
        "createdBy", UUID.nameUUIDFromBytes(token.getBytes(StandardCharsets.UTF_8)).toString());
    properties.put(
        "updatedBy", UUID.nameUUIDFromBytes(token.getBytes(StandardCharsets.UTF_8)).toString());
    properties.putNull("delegatedManagedIdentityResourceId");
    return node;
  }

  private ObjectNode definitionJson(RoleDefinition definition, String subscriptionId) {
    ObjectNode node = json.createObjectNode();
    node.put("id", definition.idAt(subscriptionId));
    node.put("name", definition.name());
    node.put("type", "Microsoft.Authorization/roleDefinitions");
    ObjectNode properties = node.putObject("properties");
    properties.put("roleName", definition.roleName());
    properties.put("type", definition.type());
    properties.put("description", definition.description());
    definition.assignableScopes().forEach(properties.putArray("assignableScopes")::add);
    ObjectNode permission = properties.putArray("permissions").addObject();
    permission.putArray("actions").add("*");
    permission.putArray("notActions");
    permission.putArray("dataActions");
    permission.putArray("notDataActions");
    properties.put("createdOn", "2015-02-02T21:55:09.8806423Z");
    properties.put("updatedOn", "2021-11-11T20:13:47.8628684Z");
    properties.putNull("createdBy");
    properties.putNull("updatedBy");
    return node;
  }

  private ObjectNode resourceGroupJson(String subscriptionId, String group) {
    ObjectNode node = json.createObjectNode();
    node.put("id", "/subscriptions/" + subscriptionId + "/resourceGroups/" + group);
    node.put("name", group);
    node.put("type", "Microsoft.Resources/resourceGroups");
    node.put("location", "eastus");
    node.putObject("properties").put("provisioningState", "Succeeded");
    return node;
  }

  /** A list page: {@code value} and, when more remain, an absolute {@code nextLink}. */
  private ObjectNode page(String path, Map<String, String> query, List<ObjectNode> items) {
    int offset = 0;
    String skipToken = query.getOrDefault("$skipToken", query.get("$skiptoken"));
    if (skipToken != null) {
      try {
        offset = Integer.parseInt(skipToken);
      } catch (NumberFormatException e) {
        throw ArmException.badRequest("InvalidSkipToken", "The skip token is not valid.");
      }
    }
    ObjectNode page = json.createObjectNode();
    ArrayNode value = page.putArray("value");
    int end = Math.min(items.size(), offset + pageSize);
    for (int i = Math.max(0, offset); i < end; i++) {
      value.add(items.get(i));
    }
    if (end < items.size()) {
      Map<String, String> next = new LinkedHashMap<>(query);
      next.remove("$skiptoken");
      next.put("$skipToken", Integer.toString(end));
      StringBuilder link = new StringBuilder(baseUrl.get()).append(path).append('?');
      next.forEach((k, v) -> link.append(encode(k)).append('=').append(encode(v)).append('&'));
      link.setLength(link.length() - 1);
      page.put("nextLink", link.toString());
    }
    return page;
  }

  // --------------------------------------------------------------------------------- checks

  private void authenticate(HttpExchange exchange) {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    String challenge =
        "Bearer authorization_uri=\"https://login.microsoftonline.com/"
            + state.tenantId()
            + "\", error=\"invalid_token\", error_description=\"The authentication failed\"";
    if (authorization == null) {
      throw new ArmException(
          401,
          "AuthenticationFailed",
          "Authentication failed. The 'Authorization' header is missing.",
          Map.of("WWW-Authenticate", challenge));
    }
    if (!authorization.equals("Bearer " + token)) {
      throw new ArmException(
          401,
          "InvalidAuthenticationToken",
          "The access token is invalid.",
          Map.of("WWW-Authenticate", challenge));
    }
  }

  private static void requireVersion(
      Map<String, String> query, Set<String> supported, String type) {
    String version = query.get("api-version");
    if (version == null || version.isBlank()) {
      throw ArmException.badRequest(
          "MissingApiVersionParameter",
          "The api-version query parameter (?api-version=) is required for all requests.");
    }
    if (!supported.contains(version)) {
      throw ArmException.badRequest(
          "NoRegisteredProviderFound",
          "No registered resource provider found for API version '"
              + version
              + "' and type '"
              + type
              + "'. The supported api-versions are '"
              + String.join(", ", new java.util.TreeSet<>(supported))
              + "'.");
    }
  }

  private static void requireMethod(String method, String allowed) {
    if (!method.equals(allowed)) {
      throw methodNotAllowed(method);
    }
  }

  private static ArmException methodNotAllowed(String method) {
    return new ArmException(
        405, "MethodNotAllowed", "The HTTP method '" + method + "' is not supported here.");
  }

  private JsonNode parse(byte[] body) {
    if (body.length == 0) {
      throw ArmException.badRequest("InvalidRequestContent", "The request content is missing.");
    }
    try {
      JsonNode node = json.readTree(body);
      if (node == null || !node.isObject()) {
        throw ArmException.badRequest(
            "InvalidRequestContent", "The request content must be a JSON object.");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw ArmException.badRequest(
          "InvalidRequestContent",
          "The request content was invalid and could not be deserialized.");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static Map<String, String> tags(JsonNode request) {
    JsonNode tags = request.get("tags");
    if (tags == null || tags.isNull()) {
      return null;
    }
    if (!tags.isObject()) {
      throw ArmException.badRequest("InvalidRequestContent", "tags must be an object.");
    }
    Map<String, String> result = new LinkedHashMap<>();
    tags.fields().forEachRemaining(e -> result.put(e.getKey(), e.getValue().asText()));
    return result;
  }

  private static String scope(String raw) {
    return raw.isEmpty() ? "/" : raw;
  }

  private static String subscriptionOf(String scope) {
    Matcher m =
        Pattern.compile("/subscriptions/([^/]+).*", Pattern.CASE_INSENSITIVE).matcher(scope);
    return m.matches() ? m.group(1) : null;
  }

  // ------------------------------------------------------------------------------ transport

  private Response ok(JsonNode body) {
    return new Response(200, body);
  }

  private void send(HttpExchange exchange, int status, JsonNode body, Map<String, String> headers)
      throws IOException {
    String requestId = UUID.randomUUID().toString();
    exchange.getResponseHeaders().set("x-ms-request-id", requestId);
    exchange.getResponseHeaders().set("x-ms-correlation-request-id", requestId);
    headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    if (body == null) {
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
      return;
    }
    byte[] bytes = json.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /**
   * The decoded path as sent. A request target starting with {@code //} parses as a URI whose first
   * segment is an authority ({@code //subscriptions/x} has authority {@code subscriptions}), so it
   * is put back together here.
   */
  private static String rawPath(java.net.URI uri) {
    String raw = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (uri.getScheme() == null && uri.getRawAuthority() != null) {
      raw = "//" + uri.getRawAuthority() + raw;
    }
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  static String normalise(String path) {
    String collapsed = path == null ? "/" : path.replaceAll("/{2,}", "/");
    while (collapsed.length() > 1 && collapsed.endsWith("/")) {
      collapsed = collapsed.substring(0, collapsed.length() - 1);
    }
    return collapsed;
  }

  private static Map<String, String> parseQuery(String rawQuery) {
    Map<String, String> query = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return query;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      query.put(decode(name), decode(value));
    }
    return query;
  }

  private static String decode(String value) {
    return URLDecoder.decode(value, StandardCharsets.UTF_8);
  }

  private static String encode(String value) {
    return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static Pattern route(String regex) {
    return Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
  }
}
