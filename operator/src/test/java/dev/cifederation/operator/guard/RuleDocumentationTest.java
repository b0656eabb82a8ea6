package dev.cifederation.operator.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every lint rule has a row in the README's rule table, with the severity the code gives it. */
class RuleDocumentationTest {

  private static final Path README = Path.of("..", "README.md");

  @Test
  void theReadmeRuleTableListsEveryRuleWithItsSeverity() throws IOException {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    assertThat(Arrays.stream(Rule.values()))
        .allSatisfy(
            rule ->
                assertThat(
                        Pattern.compile(
                                "^\\| `" + rule.name() + "` \\| " + rule.severity().name() + " \\|",
                                Pattern.MULTILINE)
                            .matcher(readme)
                            .find())
                    .as("README row for %s (%s)", rule, rule.severity())
                    .isTrue());
  }
}
