package dev.cifederation.operator.config;

import static dev.cifederation.operator.config.Variable.CIFED_SHARD;
import static dev.cifederation.operator.config.Variable.CIFED_SHARD_LABEL_SELECTOR;
import static dev.cifederation.operator.config.Variable.CIFED_SHARD_NAMESPACES;
import static dev.cifederation.operator.config.Variable.CIFED_SHARD_RECONCILES_ISSUERS;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which identities this operator reconciles, and whether it keeps the issuers (README "Scale and
 * cost"). Several operators — one Helm release each — split a cluster's identities between them by
 * namespace and/or label; each has its own Lease. The cluster-scoped CIIssuers are written by one
 * shard only, so that no two operators ever write the same object.
 *
 * @param name the shard's name; empty when this operator reconciles every identity
 * @param namespaces the namespaces whose identities it reconciles; empty: all of them
 * @param labelSelector the identities it reconciles, as a Kubernetes label selector; empty: all
 * @param reconcilesIssuers whether it checks the CIIssuers and writes their status, finalizer and
 *     the thumbprints of their AWS providers
 */
public record Shard(
    Optional<String> name,
    Set<String> namespaces,
    Optional<String> labelSelector,
    boolean reconcilesIssuers) {

  /** One operator for every identity and issuer: the default. */
  public static final Shard WHOLE = new Shard(Optional.empty(), Set.of(), Optional.empty(), true);

  private static final Pattern NAME_RULE = Pattern.compile("[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?");
  private static final Pattern NAMESPACE_RULE =
      Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final String LABEL_KEY =
      "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
          + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";
  private static final String LABEL_VALUE = "([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?";

  /** One requirement of a label selector: {@code k}, {@code !k}, {@code k=v}, {@code k in (…)}. */
  private static final Pattern REQUIREMENT =
      Pattern.compile(
          "!?"
              + LABEL_KEY
              + "|"
              + LABEL_KEY
              + "\\s*(=|==|!=)\\s*"
              + LABEL_VALUE
              + "|"
              + LABEL_KEY
              + "\\s+(in|notin)\\s*\\(\\s*"
              + LABEL_VALUE
              + "(\\s*,\\s*"
              + LABEL_VALUE
              + ")*\\s*\\)");

  static Shard read(Environment env) {
    Optional<String> name =
        env.matching(
            CIFED_SHARD,
            NAME_RULE,
            "must be 1-40 lower-case letters, digits or '-', starting and ending with a letter or"
                + " digit");
    Set<String> namespaces = namespaces(env, CIFED_SHARD_NAMESPACES);
    Optional<String> selector = env.text(CIFED_SHARD_LABEL_SELECTOR);
    selector.ifPresent(Shard::checkSelector);
    boolean issuers = env.flag(CIFED_SHARD_RECONCILES_ISSUERS, true);
    if (name.isEmpty() && (!namespaces.isEmpty() || selector.isPresent() || !issuers)) {
      throw new InvalidConfigurationException(
          "CIFED_SHARD is required with CIFED_SHARD_NAMESPACES, CIFED_SHARD_LABEL_SELECTOR or"
              + " CIFED_SHARD_RECONCILES_ISSUERS=false: it names the shard's status writes and"
              + " its Lease, so that shards never share either");
    }
    return new Shard(name, Set.copyOf(namespaces), selector, issuers);
  }

  /** A comma-separated list of namespace names in {@code variable}; empty when unset. */
  static Set<String> namespaces(Environment env, Variable variable) {
    Set<String> namespaces = new TreeSet<>();
    env.text(variable)
        .ifPresent(
            list -> {
              for (String namespace : list.split(",")) {
                String trimmed = namespace.strip();
                if (!NAMESPACE_RULE.matcher(trimmed).matches()) {
                  throw Environment.invalid(
                      variable,
                      list,
                      "must be namespace names separated by commas; '"
                          + trimmed
                          + "' is not a namespace name");
                }
                namespaces.add(trimmed);
              }
            });
    return Set.copyOf(namespaces);
  }

  private static void checkSelector(String selector) {
    for (String requirement : requirements(selector)) {
      if (!REQUIREMENT.matcher(requirement.strip()).matches()) {
        throw Environment.invalid(
            CIFED_SHARD_LABEL_SELECTOR,
            selector,
            "is not a label selector: '"
                + requirement.strip()
                + "' is none of key, !key, key=value, key!=value, key in (a,b), key notin (a,b)");
      }
    }
  }

  /** The selector split at the commas outside parentheses. */
  private static List<String> requirements(String selector) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < selector.length(); i++) {
      char c = selector.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(selector.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(selector.substring(start));
    return parts;
  }

  /** Whether this operator reconciles only some of the identities. */
  public boolean partial() {
    return !namespaces.isEmpty() || labelSelector.isPresent();
  }

  /**
   * The Lease name when none is configured: the shard's own, so shards never wait on each other.
   */
  String defaultLeaseName(String unsharded) {
    return name.map(n -> unsharded + "-" + n).orElse(unsharded);
  }

  /**
   * The field manager of the identities' status writes: the controller's, plus the shard's name.
   */
  public String fieldManager(String controller) {
    return name.map(n -> controller + "-" + n).orElse(controller);
  }

  /** For the start-up log line. */
  public String describe() {
    if (name.isEmpty()) {
      return "every identity and issuer";
    }
    List<String> parts = new ArrayList<>();
    parts.add(
        namespaces.isEmpty() ? "every namespace" : "namespaces " + String.join(",", namespaces));
    labelSelector.ifPresent(s -> parts.add("identities matching " + s));
    parts.add(reconcilesIssuers ? "and the CIIssuers" : "not the CIIssuers (another shard's)");
    return "shard " + name.get() + ": " + String.join(", ", parts);
  }
}
