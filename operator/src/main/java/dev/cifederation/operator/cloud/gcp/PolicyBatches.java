package dev.cifederation.operator.cloud.gcp;

import com.google.api.services.iam.v1.model.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * The edits of one service account's IAM policy from concurrent passes, joined into one
 * read-modify-write: a pass that finds another's write under way queues its edit, and the next
 * writer applies every queued edit in the same {@code getIamPolicy} + {@code setIamPolicy}. N
 * identities bound to one account cost a few writes, not N (and no {@code 409 ABORTED} among
 * themselves).
 */
final class PolicyBatches {

  private static final class Pending {
    final Predicate<Policy> edit;
    final CompletableFuture<Boolean> changed = new CompletableFuture<>();
    boolean changedNow;

    Pending(Predicate<Policy> edit) {
      this.edit = edit;
    }
  }

  private static final class Account {
    final Object writing = new Object();
    final Queue<Pending> waiting = new ConcurrentLinkedQueue<>();
  }

  private final Map<String, Account> accounts = new ConcurrentHashMap<>();

  /**
   * Applies {@code edit} to the account's policy with the others queued meanwhile.
   *
   * @param readModifyWrite one read-modify-write of {@code resource} with a combined edit (which it
   *     may run again on a fresh read after a conflict); returns whether it wrote
   * @return whether this edit changed the policy (and so was written)
   */
  boolean modify(
      String resource,
      Predicate<Policy> edit,
      BiPredicate<String, Predicate<Policy>> readModifyWrite) {
    Account account = accounts.computeIfAbsent(resource, r -> new Account());
    Pending mine = new Pending(edit);
    account.waiting.add(mine);
    synchronized (account.writing) {
      if (!mine.changed.isDone()) {
        List<Pending> batch = new ArrayList<>();
        for (Pending next; (next = account.waiting.poll()) != null; ) {
          batch.add(next);
        }
        writeBatch(resource, batch, readModifyWrite);
      }
    }
    try {
      return mine.changed.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  private static void writeBatch(
      String resource,
      List<Pending> batch,
      BiPredicate<String, Predicate<Policy>> readModifyWrite) {
    try {
      readModifyWrite.test(
          resource,
          policy -> {
            // run again on every fresh read: each edit judged against the policy as it is now
            boolean any = false;
            for (Pending p : batch) {
              p.changedNow = p.edit.test(policy);
              any |= p.changedNow;
            }
            return any;
          });
      batch.forEach(p -> p.changed.complete(p.changedNow));
    } catch (RuntimeException e) {
      batch.forEach(p -> p.changed.completeExceptionally(e));
    }
  }
}
