package io.llmcap.server.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class WindowUnitTest {
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  private static WindowUnit.WindowBounds bounds(WindowUnit unit, String at, ZoneId zone) {
    return unit.boundsAt(Instant.parse(at), zone);
  }

  @Test
  void utcWindowsAlignToCalendarBoundaries() {
    String at = "2026-11-25T13:45:10Z"; // a Wednesday
    assertEquals(new WindowUnit.WindowBounds(Instant.parse("2026-11-25T13:00:00Z"),
        Instant.parse("2026-11-25T14:00:00Z")), bounds(WindowUnit.HOUR, at, ZoneOffset.UTC));
    assertEquals(new WindowUnit.WindowBounds(Instant.parse("2026-11-25T00:00:00Z"),
        Instant.parse("2026-11-26T00:00:00Z")), bounds(WindowUnit.DAY, at, ZoneOffset.UTC));
    assertEquals(new WindowUnit.WindowBounds(Instant.parse("2026-11-23T00:00:00Z"),
        Instant.parse("2026-11-30T00:00:00Z")), bounds(WindowUnit.WEEK, at, ZoneOffset.UTC));
    assertEquals(new WindowUnit.WindowBounds(Instant.parse("2026-11-01T00:00:00Z"),
        Instant.parse("2026-12-01T00:00:00Z")), bounds(WindowUnit.MONTH, at, ZoneOffset.UTC));
    assertEquals(new WindowUnit.WindowBounds(Instant.EPOCH, Instant.MAX),
        bounds(WindowUnit.TOTAL, at, ZoneOffset.UTC));
  }

  @Test
  void theEndIsExclusiveAndStartsTheNextWindow() {
    WindowUnit.WindowBounds day = bounds(WindowUnit.DAY, "2026-11-25T23:59:59.999Z", ZoneOffset.UTC);
    assertEquals(day.end(), bounds(WindowUnit.DAY, "2026-11-26T00:00:00Z", ZoneOffset.UTC).start());
  }

  @Test
  void weeksStartOnMondayEvenOnSunday() {
    assertEquals(Instant.parse("2026-11-23T00:00:00Z"),
        bounds(WindowUnit.WEEK, "2026-11-29T23:00:00Z", ZoneOffset.UTC).start());
    assertEquals(Instant.parse("2026-11-30T00:00:00Z"),
        bounds(WindowUnit.WEEK, "2026-11-30T00:00:00Z", ZoneOffset.UTC).start());
  }

  @Test
  void dayInNewYorkFollowsLocalMidnight() {
    WindowUnit.WindowBounds d = bounds(WindowUnit.DAY, "2026-11-25T03:00:00Z", NEW_YORK);
    assertEquals(Instant.parse("2026-11-24T05:00:00Z"), d.start());
    assertEquals(Instant.parse("2026-11-25T05:00:00Z"), d.end());
  }

  @Test
  void springForwardDayLasts23HoursAndFallBackDay25() {
    WindowUnit.WindowBounds spring = bounds(WindowUnit.DAY, "2026-03-08T12:00:00Z", NEW_YORK);
    assertEquals(Instant.parse("2026-03-08T05:00:00Z"), spring.start());
    assertEquals(Duration.ofHours(23), Duration.between(spring.start(), spring.end()));
    WindowUnit.WindowBounds fall = bounds(WindowUnit.DAY, "2026-11-01T12:00:00Z", NEW_YORK);
    assertEquals(Instant.parse("2026-11-01T04:00:00Z"), fall.start());
    assertEquals(Duration.ofHours(25), Duration.between(fall.start(), fall.end()));
  }

  @Test
  void theRepeatedHourOfFallBackIsTwoDistinctWindows() {
    WindowUnit.WindowBounds first = bounds(WindowUnit.HOUR, "2026-11-01T05:30:00Z", NEW_YORK);
    WindowUnit.WindowBounds second = bounds(WindowUnit.HOUR, "2026-11-01T06:30:00Z", NEW_YORK);
    assertEquals(Instant.parse("2026-11-01T05:00:00Z"), first.start());
    assertEquals(first.end(), second.start());
    assertEquals(Duration.ofHours(1), Duration.between(second.start(), second.end()));
  }

  @Test
  void aZoneThatSkipsMidnightStartsTheDayAtItsFirstInstant() {
    // Santiago moves clocks from 00:00 to 01:00 on the first Sunday of September.
    ZoneId santiago = ZoneId.of("America/Santiago");
    WindowUnit.WindowBounds d = bounds(WindowUnit.DAY, "2026-09-06T15:00:00Z", santiago);
    assertEquals(Instant.parse("2026-09-06T04:00:00Z"), d.start());
    assertEquals(Duration.ofHours(23), Duration.between(d.start(), d.end()));
  }

  @Test
  void monthInATimeZoneWithAnOffset() {
    WindowUnit.WindowBounds m = bounds(WindowUnit.MONTH, "2026-02-28T20:00:00Z", ZoneId.of("Asia/Tokyo"));
    assertEquals(Instant.parse("2026-02-28T15:00:00Z"), m.start());
    assertEquals(Instant.parse("2026-03-31T15:00:00Z"), m.end());
  }

  @Test
  void idsRoundTrip() {
    for (WindowUnit u : WindowUnit.values()) {
      assertEquals(u, WindowUnit.fromId(u.id()).orElseThrow());
    }
    assertEquals(java.util.Optional.empty(), WindowUnit.fromId("fortnight"));
  }
}
