package dev.cifederation.operator.cloud.azure;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One lock per managed identity: Azure fails concurrent federated-credential writes on one identity
 * (409 ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity), so this operator
 * never has two in flight for the same identity, whichever resources and threads ask.
 */
final class IdentityLocks {

  private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  <T> T withLock(String identityId, Supplier<T> action) {
    ReentrantLock lock = locks.computeIfAbsent(key(identityId), k -> new ReentrantLock());
    lock.lock();
    try {
      return action.get();
    } finally {
      lock.unlock();
    }
  }

  /** Drops the lock of a deleted identity (a later one of the same name gets a fresh lock). */
  void forget(String identityId) {
    locks.computeIfPresent(key(identityId), (k, lock) -> lock.isLocked() ? lock : null);
  }

  private static String key(String identityId) {
    return identityId.toLowerCase(Locale.ROOT);
  }
}
