package io.llmcap.server.cap;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;
import java.util.Optional;

/**
 * The calendar period a cap counts over. Boundaries are local midnights (or local hours) in the
 * cap's time zone, so a {@code day} in a zone with daylight saving time lasts 23 or 25 hours on
 * the switch days: a budget "per day" means per calendar day as the operator's clock shows it.
 */
public enum WindowUnit {
  HOUR("hour"),
  DAY("day"),
  /** ISO weeks: Monday 00:00 to the next Monday 00:00. */
  WEEK("week"),
  MONTH("month"),
  /** One window for all time: starts at the epoch, never ends ({@link Instant#MAX}). */
  TOTAL("total");

  private final String id;

  WindowUnit(String id) {
    this.id = id;
  }

  /** The name used in caps files, {@link CapInstance#window()} and the admin API. */
  public String id() {
    return id;
  }

  public static Optional<WindowUnit> fromId(String id) {
    if (id == null) {
      return Optional.empty();
    }
    String lower = id.trim().toLowerCase(Locale.ROOT);
    for (WindowUnit unit : values()) {
      if (unit.id.equals(lower)) {
        return Optional.of(unit);
      }
    }
    return Optional.empty();
  }

  /** The window containing {@code now}: {@code [start, end)}. */
  public WindowBounds boundsAt(Instant now, ZoneId zone) {
    if (this == TOTAL) {
      return new WindowBounds(Instant.EPOCH, Instant.MAX);
    }
    ZonedDateTime local = now.atZone(zone);
    if (this == HOUR) {
      // Truncation keeps the current offset, so the repeated hour of a DST fall-back is two
      // distinct windows; plusHours works on the instant timeline, so every hour is 60 minutes.
      ZonedDateTime start = local.truncatedTo(ChronoUnit.HOURS);
      return new WindowBounds(start.toInstant(), start.plusHours(1).toInstant());
    }
    LocalDate date = local.toLocalDate();
    LocalDate first;
    LocalDate next;
    switch (this) {
      case DAY -> {
        first = date;
        next = date.plusDays(1);
      }
      case WEEK -> {
        first = date.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
        next = first.plusWeeks(1);
      }
      case MONTH -> {
        first = date.withDayOfMonth(1);
        next = first.plusMonths(1);
      }
      default -> throw new AssertionError(this);
    }
    // atStartOfDay(zone), not atTime(MIDNIGHT): some zones skip midnight on DST days.
    return new WindowBounds(
        first.atStartOfDay(zone).toInstant(), next.atStartOfDay(zone).toInstant());
  }

  /** A window's start (inclusive) and end (exclusive). */
  public record WindowBounds(Instant start, Instant end) {}
}
