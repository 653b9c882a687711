package io.llmcap.server.ledger.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.ReserveOutcome;
import io.llmcap.server.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A call that read the clock just before midnight reserves on the ending day, after midnight. */
class WindowBoundaryTest {
  private static final Instant DAY = Instant.parse("2026-11-23T00:00:00Z");
  private static final Instant NEXT_DAY = Instant.parse("2026-11-24T00:00:00Z");
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T23:00:00Z"));

  private static CapInstance day(Instant start, Instant end) {
    return new CapInstance("daily", "", "day", start, end, 1_000, CapAction.ENFORCE);
  }

  @Test
  void aLateReservationOnAnEndedWindowSeesItsSpendAndItsSettlementIsKept() throws Exception {
    MemoryLedgerStore store = MemoryLedgerStore.inMemory(Duration.ofMinutes(10), clock);
    CapInstance today = day(DAY, NEXT_DAY);
    store.reserve("spend-it-all", List.of(today), 1_000, clock.instant());
    store.settle("spend-it-all", 1_000, clock.instant());

    // Another call, already past midnight, touches the store first.
    Instant afterMidnight = NEXT_DAY.plusMillis(500);
    store.reserve("tomorrow", List.of(day(NEXT_DAY, NEXT_DAY.plus(Duration.ofDays(1)))), 1, afterMidnight);

    // The late call still names the ended day: it must see that day exhausted, not a fresh zero.
    Instant lateRead = NEXT_DAY.minusMillis(1);
    assertInstanceOf(ReserveOutcome.Denied.class, store.reserve("late", List.of(today), 1, lateRead));

    CapInstance almostFull = new CapInstance("roomy", "", "day", DAY, NEXT_DAY, 10_000, CapAction.ENFORCE);
    store.reserve("early", List.of(almostFull), 100, NEXT_DAY.minusSeconds(60));
    store.reserve("late-but-fits", List.of(almostFull), 100, afterMidnight);
    store.settle("late-but-fits", 70, afterMidnight.plusSeconds(1));
    List<CapStatus> ended = store.status(List.of(almostFull), afterMidnight.plusSeconds(2));
    assertEquals(70, ended.get(0).spentNanos(), "the settlement landed on the day the call reserved");
  }
}
