package io.llmcap.server.cap;

import java.util.HashMap;
import java.util.Map;

/**
 * Limits changed at run time through the admin API, by cap name. They belong to one {@link
 * CapPolicy}, so a reloaded caps file (a new policy) starts without them: an override lasts until
 * the next config change.
 *
 * <p>The decision path reads an immutable map through one volatile field, without locking; the
 * rare writes copy the map.
 */
public final class LimitOverrides {
  private volatile Map<String, Long> byName = Map.of();

  /** The limit the cap has now: its override, or the caps file's limit. */
  public long limitOf(CapDefinition cap) {
    Map<String, Long> current = byName;
    if (current.isEmpty()) {
      return cap.limitNanos();
    }
    Long override = current.get(cap.name());
    return override == null ? cap.limitNanos() : override;
  }

  /** @return the override now in force for {@code capName}, or null */
  public Long overrideOf(String capName) {
    return byName.get(capName);
  }

  synchronized void set(String capName, long limitNanos) {
    if (limitNanos <= 0) {
      throw new IllegalArgumentException("a limit must be positive, got " + limitNanos + " nano-USD");
    }
    Map<String, Long> next = new HashMap<>(byName);
    next.put(capName, limitNanos);
    byName = Map.copyOf(next);
  }

  synchronized boolean clear(String capName) {
    if (!byName.containsKey(capName)) {
      return false;
    }
    Map<String, Long> next = new HashMap<>(byName);
    next.remove(capName);
    byName = Map.copyOf(next);
    return true;
  }
}
