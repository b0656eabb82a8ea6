package dev.cifederation.operator.testsupport;

import dev.cifederation.operator.reconcile.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@link EventRecorder} for tests without an API server: keeps each event as {@code "Warning
 * Reason: message"} instead of writing it.
 */
public final class RecordedEvents extends EventRecorder {

  private final List<String> events = new ArrayList<>();

  public RecordedEvents(Clock clock) {
    super(null, clock);
  }

  @Override
  public synchronized void record(HasMetadata subject, Type type, String reason, String message) {
    events.add(type + " " + reason + ": " + message);
  }

  /** The events recorded since the last {@link #clear()}, oldest first. */
  public synchronized List<String> all() {
    return List.copyOf(events);
  }

  public synchronized void clear() {
    events.clear();
  }
}
