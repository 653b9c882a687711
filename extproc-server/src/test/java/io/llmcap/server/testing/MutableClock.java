package io.llmcap.server.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** A UTC clock that tests set and advance; thread-safe. */
public final class MutableClock extends Clock {
  private final AtomicReference<Instant> now;

  public MutableClock(Instant start) {
    this.now = new AtomicReference<>(start);
  }

  /** A clock at an ISO-8601 instant, e.g. {@code "2026-11-23T10:00:00Z"}. */
  public static MutableClock at(String isoInstant) {
    return new MutableClock(Instant.parse(isoInstant));
  }

  public void set(Instant instant) {
    now.set(instant);
  }

  /** Moves the clock forward (or back, with a negative duration) and returns the new instant. */
  public Instant advance(Duration by) {
    return now.updateAndGet(i -> i.plus(by));
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  /** Always UTC: the zone of a cap comes from its definition, never from the clock. */
  @Override
  public Clock withZone(ZoneId zone) {
    if (!ZoneOffset.UTC.equals(zone.normalized())) {
      throw new UnsupportedOperationException("MutableClock is UTC only");
    }
    return this;
  }
}
