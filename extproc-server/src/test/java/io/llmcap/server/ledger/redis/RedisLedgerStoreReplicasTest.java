package io.llmcap.server.ledger.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.cap.WindowUnit;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.ReserveOutcome;
import io.llmcap.server.testing.MutableClock;
import io.llmcap.server.testing.RedisServerProcess;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Three replicas (separate stores, separate Lettuce clients) sharing one Redis never overshoot. */
class RedisLedgerStoreReplicasTest {
  private static final long ONE_DOLLAR = 1_000_000_000L;

  @Test
  void aThousandConcurrentCallsOnThreeReplicasFillADollarCapWithoutOvershoot() throws Exception {
    assumeTrue(RedisServerProcess.available(), "no redis-server on this machine");
    MutableClock clock = MutableClock.at("2026-11-23T10:00:00Z");
    WindowUnit.WindowBounds w = WindowUnit.DAY.boundsAt(clock.instant(), ZoneOffset.UTC);
    CapInstance cap = new CapInstance("one-dollar", "", "day", w.start(), w.end(), ONE_DOLLAR,
        CapAction.ENFORCE);
    Random random = new Random(42);
    long[] amounts = new long[1_000];
    long largest = 0;
    for (int i = 0; i < amounts.length; i++) {
      // $0.001 to $0.005 each: together about three times the cap.
      amounts[i] = 1_000_000 + random.nextInt(4_000_001);
      largest = Math.max(largest, amounts[i]);
    }

    try (RedisServerProcess redis = RedisServerProcess.start()) {
      List<RedisLedgerStore> replicas = new ArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(96);
      try {
        for (int r = 0; r < 3; r++) {
          replicas.add(RedisLedgerStore.open(RedisEndpoint.of(redis.uri()), Duration.ofMinutes(10),
              clock, RedisLedgerStore.Options.DEFAULT.withCommandTimeout(Duration.ofSeconds(5))));
        }
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong settledSum = new AtomicLong();
        List<Future<?>> calls = new ArrayList<>();
        for (int i = 0; i < amounts.length; i++) {
          RedisLedgerStore replica = replicas.get(i % 3);
          long amount = amounts[i];
          String id = "call-" + i;
          calls.add(pool.submit(() -> {
            start.await();
            if (replica.reserve(id, List.of(cap), amount, clock.instant())
                instanceof ReserveOutcome.Granted) {
              // The bound was exact (worst case = actual): the cap can be filled to within one call.
              assertTrue(replica.settle(id, amount, clock.instant()));
              settledSum.addAndGet(amount);
            }
            return null;
          }));
        }
        start.countDown();
        for (Future<?> f : calls) {
          f.get(60, TimeUnit.SECONDS);
        }

        CapStatus after = replicas.get(0).status(List.of(cap), clock.instant()).get(0);
        assertEquals(settledSum.get(), after.spentNanos(), "every settled nano-dollar counted once");
        assertTrue(after.spentNanos() <= ONE_DOLLAR, "overshoot: spent " + after.spentNanos());
        assertTrue(after.spentNanos() > ONE_DOLLAR - largest,
            "left more than one call's worst case unused: spent " + after.spentNanos());
        assertEquals(0, after.reservedNanos(), "no reservation left");
        assertEquals("0", redis.command("ZCARD", "{llmcap}:holds"), "no hold left");
      } finally {
        pool.shutdownNow();
        replicas.forEach(RedisLedgerStore::close);
      }
    }
  }
}
