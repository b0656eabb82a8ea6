package dev.cifederation.operator.cloud.aws;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * How the operator's own passes share an AWS account. Passes share it, and write their identities'
 * roles in parallel; one pass at a time holds the account's <em>provider</em> lock from its bulk
 * read until it has written the shared OIDC provider, so two passes never both decide to create it;
 * a cleanup has the account to itself, so it never deletes a provider that a pass has read and is
 * about to trust. The issuer's thumbprint upkeep takes the provider lock like a pass.
 */
final class AccountLocks {

  private final Map<String, Account> accounts = new ConcurrentHashMap<>();

  private static final class Account {
    final ReentrantReadWriteLock passesAndCleanup = new ReentrantReadWriteLock();
    final ReentrantLock provider = new ReentrantLock();
  }

  /**
   * Runs a pass sharing the account with other passes. A provider lock the pass took and did not
   * give back (it only observed, or failed before writing the provider) is released here.
   */
  <T> T sharing(String accountId, Supplier<T> pass) {
    Account account = account(accountId);
    account.passesAndCleanup.readLock().lock();
    try {
      return pass.get();
    } finally {
      if (account.provider.isHeldByCurrentThread()) {
        account.provider.unlock();
      }
      account.passesAndCleanup.readLock().unlock();
    }
  }

  /** Runs a cleanup with the account to itself. */
  <T> T exclusive(String accountId, Supplier<T> cleanup) {
    Account account = account(accountId);
    account.passesAndCleanup.writeLock().lock();
    try {
      return cleanup.get();
    } finally {
      account.passesAndCleanup.writeLock().unlock();
    }
  }

  /** Within {@link #sharing}: from the bulk read until the provider is written. */
  void lockProvider(String accountId) {
    account(accountId).provider.lock();
  }

  /** The provider is written (or needs nothing): the pass's role writes run in parallel. */
  void releaseProvider(String accountId) {
    ReentrantLock provider = account(accountId).provider;
    if (provider.isHeldByCurrentThread()) {
      provider.unlock();
    }
  }

  /** Runs {@code action} on the account's provider as a pass would, outside any pass. */
  <T> T withProvider(String accountId, Supplier<T> action) {
    return sharing(
        accountId,
        () -> {
          lockProvider(accountId);
          return action.get();
        });
  }

  private Account account(String accountId) {
    return accounts.computeIfAbsent(accountId, a -> new Account());
  }
}
