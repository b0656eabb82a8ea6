package dev.cifederation.operator.cloud.azure;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The federated credentials of an identity the operator owns, compared with the one or two it
 * should hold, and the writes that get there without a moment in which a desired subject is not
 * admitted. Pure.
 *
 * <p>The operator owns two credential names per resource (see {@code CloudNames}): the first, and
 * the second a subject migration uses. Every other credential on the identity is foreign: it lets
 * another issuer or subject obtain the identity's roles, which the operator exists to prevent, and
 * it would make {@code status.whoCanAssume} untrue; so foreign credentials are drift, removed under
 * Enforce — unless one holds exactly a desired trust, which is kept under its name (adoption
 * without a gap).
 *
 * <p>A desired subject already held exactly by one of the owned names is kept where it is,
 * whichever of the two it is. Azure refuses two credentials with the same issuer and subject on one
 * identity, so moving a subject from one name to the other would need a delete before the create, a
 * moment in which tokens of that subject are refused; keeping it where it is makes a migration's
 * start (the new subject is added beside the old) and its end (the old one is deleted) free of such
 * moments. Order of the writes: foreign credentials deleted, then {@link #puts()}, then {@link
 * #stale()} deleted.
 */
final class CredentialPlan {

  /** Azure's limit of federated credentials on one identity. */
  static final int MAX_CREDENTIALS = 20;

  /** A federated credential as desired or as Azure has it. */
  record Credential(String name, String issuer, String subject, List<String> audiences) {
    Credential {
      audiences = List.copyOf(audiences);
    }

    String describe() {
      return name
          + " (issuer "
          + issuer
          + ", subject "
          + subject
          + ", audiences "
          + audiences
          + ")";
    }

    boolean sameTrust(Credential other) {
      return issuer.equals(other.issuer())
          && subject.equals(other.subject())
          && audiences.equals(other.audiences());
    }

    Credential named(String newName) {
      return new Credential(newName, issuer, subject, audiences);
    }
  }

  /**
   * One write of a desired credential.
   *
   * @param credential what is written, under the name it is written to
   * @param replaced the owned credential it overwrites, or empty when it is created
   */
  record Put(Credential credential, Optional<Credential> replaced) {
    /** What changes, e.g. {@code subject 'a' -> 'b'}; empty for a creation. */
    List<String> differences() {
      List<String> differences = new ArrayList<>();
      replaced.ifPresent(
          old -> {
            if (!credential.issuer().equals(old.issuer())) {
              differences.add("issuer '" + old.issuer() + "' -> '" + credential.issuer() + "'");
            }
            if (!credential.subject().equals(old.subject())) {
              differences.add("subject '" + old.subject() + "' -> '" + credential.subject() + "'");
            }
            if (!credential.audiences().equals(old.audiences())) {
              differences.add("audiences " + old.audiences() + " -> " + credential.audiences());
            }
          });
      return differences;
    }
  }

  private final List<Credential> foreign;
  private final List<Put> puts;
  private final List<Credential> stale;
  private final List<Credential> after;

  private CredentialPlan(
      List<Credential> foreign, List<Put> puts, List<Credential> stale, List<Credential> after) {
    this.foreign = List.copyOf(foreign);
    this.puts = List.copyOf(puts);
    this.stale = List.copyOf(stale);
    this.after = List.copyOf(after);
  }

  /**
   * @param desired one or two credentials, the current subject's first; their names are where each
   *     goes when it has to be created
   * @param ownNames the names the operator owns on this identity (desired names among them)
   * @param live every credential on the identity
   */
  static CredentialPlan of(List<Credential> desired, List<String> ownNames, List<Credential> live) {
    if (desired.size() > ownNames.size()) {
      throw new IllegalArgumentException("more desired credentials than owned names");
    }
    List<Credential> owned = new ArrayList<>();
    List<Credential> foreign = new ArrayList<>();
    for (Credential credential : live) {
      (isOwned(credential.name(), ownNames) ? owned : foreign).add(credential);
    }
    List<Credential> unused = new ArrayList<>(owned);
    Credential[] placed = new Credential[desired.size()];
    // kept where it is: an owned credential that already holds exactly a desired trust; else one
    // under another name (made by hand or Terraform, on an identity adopted or owned) — it admits
    // only what the spec declares, and Azure refuses a second one of the same issuer and subject,
    // so replacing it would refuse that subject's tokens between the delete and the create
    for (int i = 0; i < desired.size(); i++) {
      Credential want = desired.get(i);
      Optional<Credential> holding = unused.stream().filter(want::sameTrust).findFirst();
      if (holding.isPresent()) {
        unused.remove(holding.get());
        placed[i] = holding.get();
        continue;
      }
      Optional<Credential> adopted = foreign.stream().filter(want::sameTrust).findFirst();
      if (adopted.isPresent()) {
        foreign.remove(adopted.get());
        placed[i] = adopted.get();
      }
    }
    // then overwritten in place: an owned credential of the same subject (issuer or audience
    // changed) first, then any owned one no longer needed; else created under a free owned name,
    // the desired one's own first
    List<Optional<Credential>> reused = new ArrayList<>();
    for (int i = 0; i < desired.size(); i++) {
      String subject = desired.get(i).subject();
      Optional<Credential> same =
          placed[i] != null
              ? Optional.empty()
              : unused.stream().filter(c -> c.subject().equals(subject)).findFirst();
      same.ifPresent(unused::remove);
      reused.add(same);
    }
    List<Put> puts = new ArrayList<>();
    for (int i = 0; i < desired.size(); i++) {
      if (placed[i] != null) {
        continue;
      }
      Credential want = desired.get(i);
      Optional<Credential> reuse = reused.get(i);
      if (reuse.isEmpty() && !unused.isEmpty()) {
        reuse = Optional.of(unused.remove(0));
      }
      String name =
          reuse
              .map(Credential::name)
              .orElseGet(() -> freeName(want.name(), ownNames, owned, placed));
      placed[i] = want.named(name);
      puts.add(new Put(placed[i], reuse));
    }
    return new CredentialPlan(foreign, puts, unused, List.of(placed));
  }

  private static boolean isOwned(String name, List<String> ownNames) {
    return ownNames.stream().anyMatch(own -> own.equalsIgnoreCase(name));
  }

  private static String freeName(
      String preferred, List<String> ownNames, List<Credential> owned, Credential[] placed) {
    List<String> candidates = new ArrayList<>();
    candidates.add(preferred);
    candidates.addAll(ownNames);
    for (String candidate : candidates) {
      String key = candidate.toLowerCase(Locale.ROOT);
      boolean taken =
          owned.stream().anyMatch(c -> c.name().toLowerCase(Locale.ROOT).equals(key))
              || Arrays.stream(placed)
                  .anyMatch(c -> c != null && c.name().toLowerCase(Locale.ROOT).equals(key));
      if (!taken) {
        return candidate;
      }
    }
    // unreachable: at most as many desired credentials as owned names
    throw new IllegalStateException("no free credential name");
  }

  /** Credentials on the identity under names the operator does not own. */
  List<Credential> foreign() {
    return foreign;
  }

  /** The writes, in order: each creates a credential or overwrites one the operator owns. */
  List<Put> puts() {
    return puts;
  }

  /** Owned credentials no longer desired (a migration's old subject after its window). */
  List<Credential> stale() {
    return stale;
  }

  /** What the identity holds once the plan is applied, in the order of the desired credentials. */
  List<Credential> after() {
    return after;
  }

  boolean inSync() {
    return foreign.isEmpty() && puts.isEmpty() && stale.isEmpty();
  }
}
