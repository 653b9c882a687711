package io.llmcap.server.ledger.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.cap.WindowUnit;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalRecoveryTest {
  private static final Duration TTL = Duration.ofMinutes(10);

  @TempDir Path dir;
  private final MutableClock clock = MutableClock.at("2026-11-23T10:00:00Z");

  private CapInstance daily(String name, String subject, long limit) {
    WindowUnit.WindowBounds w = WindowUnit.DAY.boundsAt(clock.instant(), ZoneOffset.UTC);
    return new CapInstance(name, subject, "day", w.start(), w.end(), limit, CapAction.ENFORCE);
  }

  private CapInstance total(String name, long limit) {
    WindowUnit.WindowBounds w = WindowUnit.TOTAL.boundsAt(clock.instant(), ZoneOffset.UTC);
    return new CapInstance(name, "", "total", w.start(), w.end(), limit, CapAction.SHADOW);
  }

  private MemoryLedgerStore open() throws LedgerException {
    return MemoryLedgerStore.open(dir, TTL, clock);
  }

  private Path journal() {
    return dir.resolve(Journal.FILE_NAME);
  }

  @Test
  void restartKeepsEverySettledNanodollar() throws Exception {
    CapInstance a = daily("a", "svc|with\"odd\nchars", 1_000_000_000L);
    CapInstance t = total("forever", Long.MAX_VALUE);
    try (MemoryLedgerStore store = open()) {
      for (int i = 0; i < 50; i++) {
        store.reserve("c" + i, List.of(a, t), 1_000, clock.instant());
        store.settle("c" + i, 123_457 + i, clock.instant());
      }
    }
    long expected = 50 * 123_457L + (49 * 50) / 2;
    try (MemoryLedgerStore store = open()) {
      assertEquals(List.of(new CapStatus(a, expected, 0), new CapStatus(t, expected, 0)),
          store.status(List.of(a, t), clock.instant()));
      assertEquals(0, store.recovery().chargedHolds());
      assertNull(store.recovery().tornTail());
    }
    // and again, from the compacted journal
    try (MemoryLedgerStore store = open()) {
      assertEquals(expected, store.status(List.of(a), clock.instant()).get(0).spentNanos());
    }
  }

  @Test
  void aHoldLeftOpenByACrashIsChargedInFullAtRestart() throws Exception {
    CapInstance a = daily("a", "", 1_000);
    MemoryLedgerStore crashed = open();
    crashed.reserve("settled", List.of(a), 200, clock.instant());
    crashed.settle("settled", 150, clock.instant());
    crashed.reserve("in-flight", List.of(a), 300, clock.instant());
    crashed.close(); // the journal is what a kill -9 would leave: no shutdown step writes anything

    try (MemoryLedgerStore store = open()) {
      assertEquals(new CapStatus(a, 450, 0), store.status(List.of(a), clock.instant()).get(0));
      assertEquals(1, store.recovery().chargedHolds());
      assertEquals(300, store.recovery().chargedNanos());
      assertFalse(store.settle("in-flight", 10, clock.instant()));
      assertEquals(0, store.openHolds());
    }
  }

  @Test
  void anExpiredHoldIsJournaledAsCharged() throws Exception {
    CapInstance a = daily("a", "", 1_000);
    try (MemoryLedgerStore store = open()) {
      store.reserve("stuck", List.of(a), 300, clock.instant());
      clock.advance(TTL);
      store.sweepExpired();
    }
    try (MemoryLedgerStore store = open()) {
      assertEquals(new CapStatus(a, 300, 0), store.status(List.of(a), clock.instant()).get(0));
      assertEquals(0, store.recovery().chargedHolds());
    }
  }

  @Test
  void aTornLastLineIsDroppedAndReported() throws Exception {
    CapInstance a = daily("a", "", 1_000);
    try (MemoryLedgerStore store = open()) {
      store.reserve("c1", List.of(a), 200, clock.instant());
      store.settle("c1", 100, clock.instant());
    }
    Files.write(journal(), "{\"op\":\"settle\",\"id\":\"c".getBytes(StandardCharsets.UTF_8),
        StandardOpenOption.APPEND);

    try (MemoryLedgerStore store = open()) {
      assertEquals(new CapStatus(a, 100, 0), store.status(List.of(a), clock.instant()).get(0));
      assertNotNull(store.recovery().tornTail());
      assertTrue(store.recovery().tornTail().contains("line"), store.recovery().tornTail());
    }
    try (MemoryLedgerStore store = open()) {
      assertNull(store.recovery().tornTail(), "compaction removed the torn record");
    }
  }

  @Test
  void corruptionBeforeTheLastLineIsRefusedNamingFileAndLine() throws Exception {
    CapInstance a = daily("a", "", 1_000);
    try (MemoryLedgerStore store = open()) {
      store.reserve("c1", List.of(a), 200, clock.instant());
      store.settle("c1", 100, clock.instant());
    }
    List<String> lines = Files.readAllLines(journal());
    Files.write(journal(), List.of(lines.get(0), "garbage", "{\"op\":\"expire\",\"id\":\"x\","
        + "\"at\":\"2026-11-23T10:00:00Z\"}"));

    LedgerException e = assertThrows(LedgerException.class, this::open);
    assertTrue(e.getMessage().contains(journal().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
  }

  @Test
  void endedWindowsAreDroppedAtRestart() throws Exception {
    CapInstance a = daily("a", "", 1_000);
    try (MemoryLedgerStore store = open()) {
      store.reserve("c1", List.of(a), 200, clock.instant());
      store.settle("c1", 100, clock.instant());
    }
    clock.set(Instant.parse("2026-11-24T00:00:01Z"));
    try (MemoryLedgerStore store = open()) {
      assertEquals(List.of(), store.snapshot(clock.instant()));
    }
  }

  @Test
  void aSecondProcessCannotOpenTheSameDirectory() throws Exception {
    try (MemoryLedgerStore store = open()) {
      LedgerException e = assertThrows(LedgerException.class, this::open);
      assertTrue(e.getMessage().contains("in use"), e.getMessage());
    }
  }

  @Test
  void compactionWhileRunningKeepsSpendAndOpenHolds() throws Exception {
    CapInstance a = daily("a", "", 1_000_000);
    MemoryLedgerStore.Options tiny = new MemoryLedgerStore.Options(JournalSync.EVERY_WRITE, 2_000);
    try (MemoryLedgerStore store = MemoryLedgerStore.open(dir, TTL, clock, tiny)) {
      for (int i = 0; i < 40; i++) {
        store.reserve("c" + i, List.of(a), 100, clock.instant());
        store.settle("c" + i, 10, clock.instant());
      }
      store.reserve("open", List.of(a), 500, clock.instant());
      assertTrue(Files.size(journal()) < 4_000, "journal was compacted");
      assertTrue(store.settle("open", 7, clock.instant()));
      store.reserve("open-at-exit", List.of(a), 900, clock.instant());
    }
    try (MemoryLedgerStore store = open()) {
      assertEquals(new CapStatus(a, 40 * 10 + 7 + 900, 0),
          store.status(List.of(a), clock.instant()).get(0));
    }
  }

  @Test
  void resetsAndAlertClaimsSurviveARestartAndCompaction() throws Exception {
    CapInstance alice = daily("per", "alice", 1_000);
    CapInstance bob = daily("per", "bob", 1_000);
    try (MemoryLedgerStore store = open()) {
      store.reserve("c1", List.of(alice), 300, clock.instant());
      store.settle("c1", 300, clock.instant());
      store.reserve("c2", List.of(bob), 200, clock.instant());
      store.settle("c2", 200, clock.instant());
      store.reset("per", "alice", clock.instant());
      store.reserve("c3", List.of(alice), 70, clock.instant());
      store.settle("c3", 70, clock.instant());
      assertTrue(store.claimAlert(bob, "0.8", clock.instant()));
    }
    for (int restart = 0; restart < 2; restart++) {
      try (MemoryLedgerStore store = open()) {
        assertEquals(List.of(new CapStatus(alice, 70, 0), new CapStatus(bob, 200, 0)),
            store.status(List.of(alice, bob), clock.instant()), "restart " + restart);
        assertFalse(store.claimAlert(bob, "0.8", clock.instant()), "restart " + restart);
      }
    }
  }
}
