package dev.cifederation.operator.cloud;

import java.time.Duration;

/** Waits; the seam that lets tests of retries and polling run without waiting. */
@FunctionalInterface
public interface Sleeper {

  Sleeper REAL = duration -> Thread.sleep(duration.toMillis());

  void sleep(Duration duration) throws InterruptedException;
}
