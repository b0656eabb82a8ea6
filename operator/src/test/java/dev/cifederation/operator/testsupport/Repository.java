package dev.cifederation.operator.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files of this repository that tests read as users do: the examples, the chart, the CRDs. Found
 * the same way by unit tests (run from {@code operator/}), by failsafe (which passes {@code
 * cifed.repo.root}) and from an IDE.
 */
public final class Repository {

  private static Path root;

  private Repository() {}

  /** The repository root: the directory with {@code crds/} and the parent {@code pom.xml}. */
  public static synchronized Path root() {
    if (root == null) {
      root = find();
    }
    return root;
  }

  /** A file under {@code examples/}, e.g. {@code example("issuer-github.yaml")}. */
  public static Path example(String file) {
    return root().resolve("examples").resolve(file);
  }

  /** The text of a file under {@code examples/}. */
  public static String readExample(String file) {
    try {
      return Files.readString(example(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path find() {
    String property = System.getProperty("cifed.repo.root");
    if (property != null && Files.isDirectory(Path.of(property, "crds"))) {
      return Path.of(property).toAbsolutePath().normalize();
    }
    // surefire and an IDE: walk up from the working directory
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("crds")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "cannot find the repository root (a directory with crds/); set -Dcifed.repo.root");
  }
}
