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
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What only the Redis store has: scripts, key expiry, number limits, crashed replicas. */
class RedisLedgerStoreBehaviourTest {
  private static final Duration TTL = Duration.ofMinutes(10);
  private static RedisServerProcess redis;

  private final MutableClock clock = MutableClock.at("2026-11-23T10:00:00Z");
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final List<RedisLedgerStore> stores = new ArrayList<>();

  @BeforeAll
  static void startRedis() {
    assumeTrue(RedisServerProcess.available(), "no redis-server on this machine");
    redis = RedisServerProcess.start();
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.close();
    }
  }

  @AfterEach
  void closeStores() {
    stores.forEach(RedisLedgerStore::close);
  }

  private RedisLedgerStore open() {
    RedisLedgerStore s = RedisLedgerStore.open(RedisEndpoint.of(redis.uri()), TTL, clock,
        RedisLedgerStore.Options.DEFAULT);
    stores.add(s);
    return s;
  }

  private CapInstance daily(String name, long limit) {
    WindowUnit.WindowBounds w = WindowUnit.DAY.boundsAt(clock.instant(), ZoneOffset.UTC);
    return new CapInstance(name + "-" + run, "", "day", w.start(), w.end(), limit,
        CapAction.ENFORCE);
  }

  /** The same cap instance after a reload changed its limit. */
  private static CapInstance withLimit(CapInstance cap, long limit) {
    return new CapInstance(cap.capName(), "", "day", cap.windowStart(), cap.windowEnd(), limit, CapAction.ENFORCE);
  }

  private String id(String s) {
    return run + "-" + s;
  }

  @Test
  void reloadsItsScriptsAfterTheServerLostThem() throws Exception {
    RedisLedgerStore store = open();
    CapInstance cap = daily("flush", 1_000);
    store.reserve(id("1"), List.of(cap), 100, clock.instant());
    assertEquals("OK", redis.command("SCRIPT", "FLUSH"));

    assertTrue(store.settle(id("1"), 40, clock.instant()));
    assertEquals(new CapStatus(cap, 40, 0), store.status(List.of(cap), clock.instant()).get(0));
    assertEquals("1", redis.command("SCRIPT", "EXISTS", LuaScript.load("settle.lua").sha()),
        "the script is cached again after the fallback");
  }

  @Test
  void capCountersExpireAfterTheirWindowAndTotalCapsNever() throws Exception {
    RedisLedgerStore store = open();
    CapInstance cap = daily("expiry", 1_000);
    CapInstance total = new CapInstance("total-" + run, "", "total", Instant.EPOCH, Instant.MAX,
        1_000, CapAction.ENFORCE);
    store.reserve(id("1"), List.of(cap, total), 10, clock.instant());

    long pttl = Long.parseLong(redis.command("PTTL", "{llmcap}:c:" + cap.key()));
    long expected = Duration.between(clock.instant(), cap.windowEnd()).plus(TTL)
        .plus(RedisLedgerStore.KEY_MARGIN).toMillis();
    assertTrue(pttl <= expected && pttl > expected - 5_000, "PTTL " + pttl + ", expected ~" + expected);
    assertEquals("-1", redis.command("PTTL", "{llmcap}:c:" + total.key()), "a total cap never expires");
    assertEquals(Long.toString(cap.windowEnd().toEpochMilli()),
        redis.command("ZSCORE", "{llmcap}:caps", "{llmcap}:c:" + cap.key()));
    store.settle(id("1"), 10, clock.instant());
  }

  @Test
  void everyKeySharesOneHashSlot() {
    CapInstance cap = daily("slot", 1);
    String slot = redis.command("CLUSTER", "KEYSLOT", "{llmcap}:holds");
    RedisKeys keys = new RedisKeys("llmcap");
    for (String key : List.of(keys.capIndex(), keys.cap(cap), keys.hold("x"), keys.ended("x"))) {
      assertEquals(slot, redis.command("CLUSTER", "KEYSLOT", key), key);
    }
  }

  @Test
  void moneyStaysExactUpToTheLargestAllowedLimit() throws Exception {
    RedisLedgerStore store = open();
    long limit = RedisLedgerStore.MAX_LIMIT_NANOS;
    CapInstance cap = daily("big", limit);
    assertInstanceOf(ReserveOutcome.Granted.class,
        store.reserve(id("1"), List.of(cap), limit - 1, clock.instant()));
    assertInstanceOf(ReserveOutcome.Granted.class,
        store.reserve(id("2"), List.of(cap), 1, clock.instant()));
    assertInstanceOf(ReserveOutcome.Denied.class,
        store.reserve(id("3"), List.of(cap), 1, clock.instant()));
    store.settle(id("1"), limit - 1, clock.instant());
    store.settle(id("2"), 1, clock.instant());
    assertEquals(new CapStatus(cap, limit, 0), store.status(List.of(cap), clock.instant()).get(0));
  }

  @Test
  void spentBeyondTwoToThe53IsCountedExactly() throws Exception {
    RedisLedgerStore store = open();
    CapInstance shadow = new CapInstance("shadow-" + run, "", "day", daily("x", 1).windowStart(),
        daily("x", 1).windowEnd(), 1_000, CapAction.SHADOW);
    long big = (1L << 53) + 1;
    store.reserve(id("1"), List.of(shadow), 5, clock.instant());
    store.settle(id("1"), big, clock.instant());
    store.reserve(id("2"), List.of(shadow), 5, clock.instant());
    store.settle(id("2"), 2, clock.instant());
    assertEquals(big + 2, store.status(List.of(shadow), clock.instant()).get(0).spentNanos());
  }

  @Test
  void refusesALimitBeyondExactDoublePrecision() {
    RedisLedgerStore store = open();
    CapInstance cap = daily("huge", RedisLedgerStore.MAX_LIMIT_NANOS + 1);
    assertThrows(IllegalArgumentException.class,
        () -> store.reserve(id("1"), List.of(cap), 1, clock.instant()));
  }

  @Test
  void theExhaustedViewAnswersTheHeadersCheckWithoutRedisButNotTheReservation() throws Exception {
    RedisLedgerStore store = open();
    CapInstance cap = daily("view", 100);
    store.reserve(id("1"), List.of(cap), 100, clock.instant());
    store.settle(id("1"), 100, clock.instant());
    assertTrue(store.status(List.of(cap), clock.instant()).get(0).exhausted());

    redis.command("CLIENT", "PAUSE", "2000", "ALL");
    try {
      long t0 = System.nanoTime();
      assertTrue(store.status(List.of(cap), clock.instant()).get(0).exhausted());
      assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(100), "answered locally");
      CapInstance raised = withLimit(cap, 1_000);
      assertThrows(LedgerException.class, () -> store.status(List.of(raised), clock.instant()),
          "a raised limit is not answered from the view");
      assertThrows(LedgerException.class,
          () -> store.reserve(id("2"), List.of(cap), 1, clock.instant()),
          "the reservation always asks Redis");
    } finally {
      redis.command("CLIENT", "UNPAUSE");
    }
  }

  @Test
  void aDeniedReservationTeachesTheViewSoTheHeadersPhaseDeniesWithoutRedis() throws Exception {
    RedisLedgerStore store = open();
    CapInstance cap = daily("learnt", 100);
    CapInstance other = daily("roomy", 1_000_000);
    assertTrue(store.knownExhausted(List.of(cap, other), clock.instant()).isEmpty(), "nothing seen yet");
    store.reserve(id("1"), List.of(cap), 100, clock.instant());
    store.settle(id("1"), 100, clock.instant());
    assertTrue(store.knownExhausted(List.of(cap), clock.instant()).isEmpty(), "a settle is not an answer it reads");
    assertTrue(store.reserve(id("2"), List.of(cap, other), 1, clock.instant()) instanceof ReserveOutcome.Denied);

    redis.command("CLIENT", "PAUSE", "2000", "ALL");
    try {
      long t0 = System.nanoTime();
      assertEquals(cap.capName(), store.knownExhausted(List.of(other, cap), clock.instant()).orElseThrow().cap()
          .capName());
      assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(100), "answered locally");
      assertTrue(store.knownExhausted(List.of(withLimit(cap, 1_000)), clock.instant()).isEmpty(),
          "a raised limit has room");
    } finally {
      redis.command("CLIENT", "UNPAUSE");
    }
  }

  @Test
  void settleSoonDoesNotWaitForRedisAndItsSettleLandsEvenWhenRedisWasPaused() throws Exception {
    RedisLedgerStore store = open();
    CapInstance cap = daily("soon", 1_000);
    store.reserve(id("1"), List.of(cap), 500, clock.instant());
    store.settleSoon(id("1"), 120, clock.instant());
    awaitCounters(store, cap, 120, 0);

    store.reserve(id("2"), List.of(cap), 300, clock.instant());
    redis.command("CLIENT", "PAUSE", "1500", "ALL");
    long t0 = System.nanoTime();
    store.settleSoon(id("2"), 80, clock.instant());
    store.settleSoon(id("2"), 80, clock.instant()); // a repeat is as harmless as with settle
    assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(100), "queued, not sent");
    awaitCounters(store, cap, 200, 0);
  }

  private void awaitCounters(RedisLedgerStore store, CapInstance cap, long spent, long reserved) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    CapStatus s = null;
    while (System.nanoTime() < deadline) {
      try {
        s = store.status(List.of(cap), clock.instant()).get(0);
        if (s.spentNanos() == spent && s.reservedNanos() == reserved) {
          return;
        }
      } catch (LedgerException stillPaused) {
        // Redis is paused: ask again
      }
      Thread.sleep(20);
    }
    assertEquals(spent + "/" + reserved, s == null ? "no answer" : s.spentNanos() + "/" + s.reservedNanos());
  }

  @Test
  void aReplicaKilledWithAHoldIsChargedOnceAfterTheTtlAndReleasesItsReservation()
      throws Exception {
    CapInstance cap = daily("killed", 1_000_000);
    String callId = id("crash");
    Process replica = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), HoldingReplicaMain.class.getName(),
        redis.uri(), callId, cap.capName(), cap.windowStart().toString(),
        cap.windowEnd().toString(), Long.toString(cap.limitNanos()), "300000",
        clock.instant().toString())
        .redirectErrorStream(true)
        .start();
    try {
      BufferedReader out = new BufferedReader(
          new InputStreamReader(replica.getInputStream(), StandardCharsets.UTF_8));
      String line;
      do {
        line = out.readLine();
      } while (line != null && !line.equals("RESERVED") && !line.equals("DENIED"));
      assertEquals("RESERVED", line, "the replica reserved");
    } finally {
      replica.destroyForcibly();  // SIGKILL: no shutdown hook, no settle
      replica.waitFor(10, TimeUnit.SECONDS);
    }
    assertFalse(replica.isAlive());

    RedisLedgerStore a = open();
    RedisLedgerStore b = open();
    assertEquals(new CapStatus(cap, 0, 300_000), a.status(List.of(cap), clock.instant()).get(0));

    clock.advance(TTL);
    assertEquals(new CapStatus(cap, 300_000, 0), b.status(List.of(cap), clock.instant()).get(0),
        "the expired hold is charged in full and released");
    assertEquals(0, a.sweepExpired() + b.sweepExpired(), "no replica charges it again");
    assertEquals(new CapStatus(cap, 300_000, 0), b.status(List.of(cap), clock.instant()).get(0));
    assertFalse(b.settle(callId, 1, clock.instant()), "a late settle changes nothing");
    assertEquals(new CapStatus(cap, 300_000, 0), a.status(List.of(cap), clock.instant()).get(0));
    assertEquals("0", redis.command("ZCARD", "{llmcap}:holds"));
  }
}
