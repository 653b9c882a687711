package io.llmcap.server.ledger.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LedgerStateTest {
  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
  private static final Duration TTL = Duration.ofMinutes(10);
  private static final CapInstance CAP = new CapInstance("org-daily", "", "day",
      Instant.parse("2026-11-23T00:00:00Z"), Instant.parse("2026-11-24T00:00:00Z"), 1_000_000_000L, CapAction.ENFORCE);

  @Test
  void settledHoldsDoNotStayQueuedForTheirWholeTtl() {
    LedgerState state = new LedgerState();
    List<LedgerState.Hold> open = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      Instant at = NOW.plusMillis(i);
      LedgerState.Hold hold = state.reserve("call-" + i, List.of(CAP), 10, at.plus(TTL));
      if (i % 1_000 == 0) {
        open.add(hold); // a few calls never settle
      } else {
        state.end(hold, 7, at.plus(TTL));
      }
    }
    assertEquals(open.size(), state.holdCount());
    assertTrue(state.queuedForExpiry() <= 2 * open.size() + 1_025,
        "ended holds kept in the expiry queue: " + state.queuedForExpiry());
    // The open ones still expire, oldest first, and only those.
    List<LedgerState.Hold> expired = state.expiredHolds(NOW.plus(TTL).plusSeconds(3600));
    assertEquals(open, expired);
  }
}
