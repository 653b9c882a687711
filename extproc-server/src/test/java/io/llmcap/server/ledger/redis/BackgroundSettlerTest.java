package io.llmcap.server.ledger.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisNoScriptException;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.ledger.redis.SettleReplayQueue.PendingSettle;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BackgroundSettlerTest {
  private static final Instant AT = Instant.parse("2026-11-23T10:00:00Z");

  private final List<String> sent = new CopyOnWriteArrayList<>();
  private final List<String> settledNow = new CopyOnWriteArrayList<>();
  private final List<String> failed = new CopyOnWriteArrayList<>();

  private static PendingSettle settle(String id) {
    return new PendingSettle(id, 7, AT);
  }

  /** A Redis that answers every send as {@code answer} says. */
  private BackgroundSettler settler(java.util.function.Function<PendingSettle, CompletableFuture<?>> answer) {
    return new BackgroundSettler(8, Duration.ofMillis(300), new BackgroundSettler.Redis() {
      @Override
      public CompletableFuture<?> send(PendingSettle p) {
        sent.add(p.callId());
        return answer.apply(p);
      }

      @Override
      public void settleNow(PendingSettle p) throws LedgerException {
        settledNow.add(p.callId());
      }
    }, p -> failed.add(p.callId()));
  }

  @Test
  void everyQueuedSettleIsSentAndCloseWaitsForThem() {
    BackgroundSettler s = settler(p -> CompletableFuture.completedFuture(1L));
    for (int i = 0; i < 5; i++) {
      assertTrue(s.offer(settle("c" + i)));
    }
    s.close();
    assertEquals(List.of("c0", "c1", "c2", "c3", "c4"), sent);
    assertTrue(failed.isEmpty());
    assertFalse(s.offer(settle("late")), "nothing is taken after close");
  }

  @Test
  void aFailedOrUnansweredSettleGoesToTheReplayQueue() {
    BackgroundSettler s = settler(p -> switch (p.callId()) {
      case "error" -> CompletableFuture.failedFuture(new IllegalStateException("connection reset"));
      case "silent" -> new CompletableFuture<>();
      default -> CompletableFuture.completedFuture(1L);
    });
    s.offer(settle("ok"));
    s.offer(settle("error"));
    s.offer(settle("silent"));
    s.close();
    assertEquals(List.of("error", "silent"), failed);
  }

  @Test
  void aNoScriptAnswerIsSettledAgainWithTheScriptSource() {
    BackgroundSettler s = settler(p -> CompletableFuture.failedFuture(new RedisNoScriptException("NOSCRIPT")));
    s.offer(settle("flushed"));
    s.close();
    assertEquals(List.of("flushed"), settledNow);
    assertTrue(failed.isEmpty());
  }

  @Test
  void aFullQueueRefusesSoTheCallerCanReplayInstead() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    BackgroundSettler s = settler(p -> CompletableFuture.supplyAsync(() -> {
      try {
        release.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return 1L;
    }));
    int taken = 0;
    for (int i = 0; i < 100; i++) {
      if (s.offer(settle("c" + i))) {
        taken++;
      }
    }
    assertTrue(taken < 100, "the queue is bounded");
    release.countDown();
    s.close();
    assertEquals(taken, sent.size(), "every settle it took was sent");
    assertTrue(failed.isEmpty());
  }
}
