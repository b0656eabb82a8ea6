package dev.cifederation.operator.trust;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under {@code src/test/resources/trust-golden}: any difference fails the test. After
 * an intended change, regenerate with {@code mvn test -Dcifed.updateGoldens=true} and review the
 * diff like code. Files under {@code guide/} are copied verbatim from the reference guide and are
 * never regenerated.
 */
final class Goldens {

  static final String UPDATE_PROPERTY = "cifed.updateGoldens";
  static final Path DIR = locate("trust-golden");

  private Goldens() {}

  /** Compares with (or, in update mode, rewrites) the golden file {@code fileName}. */
  static void assertMatches(String fileName, String actual) throws IOException {
    assertMatches(DIR.resolve(fileName), actual);
  }

  /** Compares with (or, in update mode, rewrites) the golden {@code file}. */
  static void assertMatches(Path file, String actual) throws IOException {
    if (Boolean.getBoolean(UPDATE_PROPERTY)) {
      Files.createDirectories(file.getParent());
      if (!Files.exists(file) || !Files.readString(file).equals(actual)) {
        Files.writeString(file, actual);
        System.err.println("updated golden " + file);
      }
      return;
    }
    assertThat(file)
        .as("golden %s is missing: run mvn test -D%s=true and review it", file, UPDATE_PROPERTY)
        .exists();
    assertThat(actual)
        .as(
            "output differs from golden %s; if the change is intended, run mvn test -D%s=true and"
                + " review the diff",
            file, UPDATE_PROPERTY)
        .isEqualTo(Files.readString(file));
  }

  /** The verbatim text of a golden that is never regenerated (e.g. copied from the guide). */
  static String readVerbatim(String fileName) throws IOException {
    return Files.readString(DIR.resolve(fileName));
  }

  // Goldens are read from and written to the source tree, not the classpath copy, so that
  // regenerating updates what gets committed. Surefire runs with the module as working directory.
  static Path locate(String directory) {
    Path fromModule = Path.of("src/test/resources", directory);
    return Files.isDirectory(fromModule) || Files.isDirectory(Path.of("src/test/resources"))
        ? fromModule
        : Path.of("operator/src/test/resources", directory);
  }
}
