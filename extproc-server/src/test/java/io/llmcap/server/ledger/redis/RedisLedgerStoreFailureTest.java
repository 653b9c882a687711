package io.llmcap.server.ledger.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.cap.WindowUnit;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.ledger.ReserveOutcome;
import io.llmcap.server.testing.MutableClock;
import io.llmcap.server.testing.RedisServerProcess;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Redis down, slow, killed and restarted: the store answers promptly and recovers by itself. */
class RedisLedgerStoreFailureTest {
  private static final Duration TTL = Duration.ofMinutes(10);
  private static final long RECOVERY_MS = 10_000;
  private static final RedisLedgerStore.Options FAST = RedisLedgerStore.Options.DEFAULT
      .withMaintenanceInterval(Duration.ofMillis(200));

  private final MutableClock clock = MutableClock.at("2026-11-23T10:00:00Z");
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeAll
  static void needRedis() {
    assumeTrue(RedisServerProcess.available(), "no redis-server on this machine");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private RedisServerProcess redis(String... args) {
    RedisServerProcess r = RedisServerProcess.start(args);
    toClose.add(0, r);
    return r;
  }

  private RedisLedgerStore store(RedisServerProcess r) {
    RedisLedgerStore s = RedisLedgerStore.open(RedisEndpoint.of(r.uri()), TTL, clock, FAST);
    toClose.add(0, s);
    return s;
  }

  private CapInstance cap(long limit) {
    WindowUnit.WindowBounds w = WindowUnit.DAY.boundsAt(clock.instant(), ZoneOffset.UTC);
    return new CapInstance("failure", "", "day", w.start(), w.end(), limit, CapAction.ENFORCE);
  }

  /** Fails with a LedgerException well inside Envoy's 2 s message timeout. */
  private static void failsPromptly(Executable op) {
    long t0 = System.nanoTime();
    assertThrows(LedgerException.class, op);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms < 1_500, "took " + ms + " ms");
  }

  private static void eventually(String what, Executable check) throws Exception {
    long deadline = System.currentTimeMillis() + RECOVERY_MS;
    Throwable last = null;
    while (System.currentTimeMillis() < deadline) {
      try {
        check.execute();
        return;
      } catch (Throwable e) {
        last = e;
        Thread.sleep(100);
      }
    }
    throw new AssertionError(what + " did not happen within " + RECOVERY_MS + " ms", last);
  }

  @Test
  void startsWhileRedisIsDownAnswersPromptlyAndConnectsWhenItComes() throws Exception {
    RedisServerProcess r = redis();
    r.stop();
    RedisLedgerStore store = store(r);
    assertFalse(store.isConnected());
    CapInstance cap = cap(1_000);
    failsPromptly(() -> store.reserve("c1", List.of(cap), 10, clock.instant()));
    failsPromptly(() -> store.status(List.of(cap), clock.instant()));

    r.restart();
    eventually("connecting", () -> assertInstanceOf(ReserveOutcome.Granted.class,
        store.reserve("c1", List.of(cap), 10, clock.instant())));
    assertTrue(store.isConnected());
  }

  @Test
  void aStalledServerTimesOutWithinTheCommandTimeout() throws Exception {
    RedisServerProcess r = redis();
    RedisLedgerStore store = store(r);
    CapInstance cap = cap(1_000);
    store.reserve("c1", List.of(cap), 10, clock.instant());
    r.command("CLIENT", "PAUSE", "1500", "ALL");
    long t0 = System.nanoTime();
    LedgerException e = assertThrows(LedgerException.class,
        () -> store.reserve("c2", List.of(cap), 10, clock.instant()));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms >= 200 && ms < 1_500, "timed out after " + ms + " ms");
    assertTrue(e.getMessage().contains("did not answer reserve within 250 ms"), e.getMessage());
  }

  @Test
  void aServerKilledMidLoadFailsFastAndIsUsedAgainAfterItRestarts() throws Exception {
    RedisServerProcess r = redis();
    RedisLedgerStore store = store(r);
    CapInstance cap = cap(1_000_000);
    for (int i = 0; i < 50; i++) {
      store.reserve("before-" + i, List.of(cap), 10, clock.instant());
    }
    r.kill();
    failsPromptly(() -> store.reserve("during", List.of(cap), 10, clock.instant()));

    r.restart();
    eventually("reconnecting", () -> assertInstanceOf(ReserveOutcome.Granted.class,
        store.reserve("after", List.of(cap), 10, clock.instant())));
    assertEquals(new CapStatus(cap, 0, 10), store.status(List.of(cap), clock.instant()).get(0),
        "without persistence the restarted server starts from empty counters");
  }

  @Test
  void withAppendFsyncAlwaysEverySettledNanoDollarSurvivesAServerCrash() throws Exception {
    RedisServerProcess r = redis("--appendonly", "yes", "--appendfsync", "always");
    RedisLedgerStore store = store(r);
    CapInstance cap = cap(1_000_000);
    long settled = 0;
    for (int i = 0; i < 100; i++) {
      store.reserve("p" + i, List.of(cap), 1_000, clock.instant());
      store.settle("p" + i, 1 + i, clock.instant());
      settled += 1 + i;
    }
    store.reserve("open", List.of(cap), 5_000, clock.instant());
    r.kill();
    r.restart();

    long expected = settled;
    eventually("reconnecting", () -> assertEquals(new CapStatus(cap, expected, 5_000),
        store.status(List.of(cap), clock.instant()).get(0)));
    assertTrue(store.settle("open", 700, clock.instant()), "the open hold survived too");
    assertFalse(store.settle("p3", 1, clock.instant()), "settled ids survived");
  }

  @Test
  void aSettleThatFailsIsReplayedWhenRedisReturns() throws Exception {
    RedisServerProcess r = redis("--appendonly", "yes", "--appendfsync", "always");
    RedisLedgerStore store = store(r);
    CapInstance cap = cap(1_000_000);
    store.reserve("call", List.of(cap), 5_000, clock.instant());
    r.kill();

    LedgerException e = assertThrows(LedgerException.class,
        () -> store.settle("call", 1_234, clock.instant()));
    assertTrue(e.getMessage().contains("queued"), e.getMessage());
    assertEquals(1, store.pendingSettles());

    r.restart();
    eventually("replaying", () -> assertEquals(0, store.pendingSettles()));
    assertEquals(new CapStatus(cap, 1_234, 0), store.status(List.of(cap), clock.instant()).get(0));
    assertFalse(store.settle("call", 1_234, clock.instant()), "the replay settled it once");
  }

  @Test
  void spendMeteredWhileRedisWasDownIsChargedWhenItReturns() throws Exception {
    // store.onFailure: open lets calls run while Redis is down; their cost must not be lost.
    RedisServerProcess r = redis("--appendonly", "yes", "--appendfsync", "always");
    RedisLedgerStore store = store(r);
    CapInstance cap = cap(1_000_000);
    store.reserve("before", List.of(cap), 1, clock.instant());
    store.settle("before", 1, clock.instant());
    r.kill();

    LedgerException e = assertThrows(LedgerException.class,
        () -> store.charge("while-down", List.of(cap), 4_321, clock.instant()));
    assertTrue(e.getMessage().contains("queued"), e.getMessage());

    r.restart();
    eventually("replaying", () -> assertEquals(0, store.pendingSettles()));
    assertEquals(new CapStatus(cap, 4_322, 0), store.status(List.of(cap), clock.instant()).get(0));
    assertFalse(store.charge("while-down", List.of(cap), 4_321, clock.instant()), "charged once");
  }

  @Test
  void aSettleThatTimedOutButReachedRedisIsAppliedOnceDespiteItsReplay() throws Exception {
    RedisServerProcess r = redis();
    RedisLedgerStore store = store(r);
    CapInstance cap = cap(1_000_000);
    store.reserve("slow", List.of(cap), 5_000, clock.instant());
    r.command("CLIENT", "PAUSE", "600", "ALL");
    // The command is already on the wire: the stalled server runs it once the pause ends.
    assertThrows(LedgerException.class, () -> store.settle("slow", 10, clock.instant()));
    assertEquals(1, store.pendingSettles());

    eventually("replaying", () -> assertEquals(0, store.pendingSettles()));
    assertEquals(new CapStatus(cap, 10, 0), store.status(List.of(cap), clock.instant()).get(0));
  }
}
