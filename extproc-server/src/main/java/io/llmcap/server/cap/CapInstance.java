package io.llmcap.server.cap;

import java.time.Instant;

/**
 * One counter of one cap: the cap's name, the subject it counts for (its {@code per} value, empty
 * when the cap has no {@code per}) and the window now current. Two calls that share a {@code
 * CapInstance} key draw from the same budget.
 *
 * @param windowEnd exclusive; {@link Instant#MAX} for a {@code total} window
 */
public record CapInstance(
    String capName,
    String subject,
    String window,
    Instant windowStart,
    Instant windowEnd,
    long limitNanos,
    CapAction action) {

  /** Storage key: stable across replicas for the same cap, subject and window. */
  public String key() {
    return capName + "|" + subject + "|" + windowStart.getEpochSecond();
  }
}
