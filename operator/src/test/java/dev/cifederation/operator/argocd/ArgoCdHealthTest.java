package dev.cifederation.operator.argocd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * Runs {@code deploy/argocd/health.lua} with LuaJ the way Argo CD runs a {@code
 * resource.customizations.health} script (the resource as the global {@code obj}, the returned
 * table read for {@code status} and {@code message}), on identities as the operator writes them.
 */
class ArgoCdHealthTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "ready and current | 2 | 2 | True | Ready | Healthy",
        "a cloud failed | 3 | 3 | False | CloudNotReady | Degraded",
        "issuer missing | 1 | 1 | False | IssuerNotFound | Degraded",
        "clouds still syncing | 1 | 1 | Unknown | CloudNotReady | Progressing",
        "spec changed, not yet observed | 4 | 3 | True | Ready | Progressing",
      })
  void readyAndObservedGenerationDecideTheHealth(
      String what,
      long generation,
      long observed,
      String readyStatus,
      String reason,
      String expected)
      throws IOException {
    String object =
        """
        apiVersion: cifederation.dev/v1alpha1
        kind: CIFederatedIdentity
        metadata: {name: deploy, namespace: team-a, generation: %d}
        status:
          observedGeneration: %d
          conditions:
          - {type: AWSReady, status: "True", reason: Synced, message: in sync}
          - {type: Ready, status: "%s", reason: %s, message: "AWSReady Conflict: role exists"}
        """
            .formatted(generation, observed, readyStatus, reason);
    Map<String, String> health = run(object);
    assertThat(health.get("status")).as(what).isEqualTo(expected);
    if (generation == observed) {
      assertThat(health.get("message")).startsWith(reason + ": ");
    }
  }

  @Test
  void freshObjectWithoutStatusIsProgressing() throws IOException {
    Map<String, String> health =
        run(
            """
            apiVersion: cifederation.dev/v1alpha1
            kind: CIFederatedIdentity
            metadata: {name: deploy, namespace: team-a, generation: 1}
            spec: {repository: my-org/my-app}
            """);
    assertThat(health).containsEntry("status", "Progressing");
  }

  @Test
  void theArgoCdConfigMapSnippetCarriesTheSameScriptForBothKinds() throws IOException {
    String script = Files.readString(dir().resolve("health.lua"));
    JsonNode data = YAML.readTree(dir().resolve("argocd-cm.yaml").toFile()).path("data");
    assertThat(
            data.path("resource.customizations.health.cifederation.dev_CIFederatedIdentity")
                .asText())
        .isEqualTo(script);
    assertThat(data.path("resource.customizations.health.cifederation.dev_CIIssuer").asText())
        .isEqualTo(script);
  }

  // ---------------------------------------------------------------------------------------------

  private static Map<String, String> run(String objectYaml) throws IOException {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", toLua(YAML.readTree(objectYaml)));
    LuaValue result =
        globals.load(Files.readString(dir().resolve("health.lua")), "health.lua").call();
    return Map.of(
        "status", result.get("status").tojstring(), "message", result.get("message").tojstring());
  }

  /** JSON to Lua as Argo CD hands objects to scripts: objects → tables, arrays → 1-based lists. */
  private static LuaValue toLua(JsonNode node) {
    if (node.isObject()) {
      LuaTable table = new LuaTable();
      node.fields().forEachRemaining(e -> table.set(e.getKey(), toLua(e.getValue())));
      return table;
    }
    if (node.isArray()) {
      LuaTable list = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        list.set(i + 1, toLua(node.get(i)));
      }
      return list;
    }
    if (node.isIntegralNumber()) {
      return LuaValue.valueOf(node.asLong());
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.asDouble());
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    if (node.isNull()) {
      return LuaValue.NIL;
    }
    return LuaValue.valueOf(node.asText());
  }

  private static Path dir() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("deploy/argocd/health.lua"))) {
        return d.resolve("deploy/argocd");
      }
    }
    throw new IllegalStateException(
        "deploy/argocd/health.lua not found above the working directory");
  }
}
