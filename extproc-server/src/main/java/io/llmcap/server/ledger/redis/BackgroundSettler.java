package io.llmcap.server.ledger.redis;

import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.ledger.redis.SettleReplayQueue.PendingSettle;
import io.lettuce.core.RedisNoScriptException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles sent to Redis off the calls' path, so that the end of a response never waits for a
 * round trip. One thread takes what is queued, sends it as a burst of pipelined scripts and then
 * reads the answers: under load many settles share one wake-up and one flush. A settle that fails
 * or times out is handed to {@code failed} (the replay queue), exactly as a settle that failed on
 * the caller's thread would be; settles are idempotent per call id, so a late answer is harmless.
 */
final class BackgroundSettler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackgroundSettler.class);
  static final int BATCH = 256;

  /** The two ways to reach Redis that the settler needs. */
  interface Redis {
    /** Sends one settle without waiting; throws when there is no connection yet. */
    CompletableFuture<?> send(PendingSettle settle);

    /** Settles one and waits: after NOSCRIPT, since this path sends the script source. */
    void settleNow(PendingSettle settle) throws LedgerException;
  }

  private final BlockingQueue<PendingSettle> queue;
  private final Redis redis;
  private final Consumer<PendingSettle> failed;
  private final Duration timeout;
  private final Thread thread;
  private volatile boolean stopping;

  /**
   * @param capacity settles that may wait to be sent; past it {@link #offer} refuses
   * @param timeout how long one burst may wait for its answers
   */
  BackgroundSettler(int capacity, Duration timeout, Redis redis, Consumer<PendingSettle> failed) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.timeout = timeout;
    this.redis = redis;
    this.failed = failed;
    this.thread = new Thread(this::run, "llmcap-redis-settler");
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues a settle; false when the queue is full or closing (the caller then replays it). */
  boolean offer(PendingSettle settle) {
    synchronized (this) {
      // With close() taking the same lock, nothing is queued after close() stopped taking settles.
      return !stopping && queue.offer(settle);
    }
  }

  /** Settles queued and not yet answered. */
  int pending() {
    return queue.size();
  }

  private void run() {
    List<PendingSettle> batch = new ArrayList<>(BATCH);
    List<CompletableFuture<?>> answers = new ArrayList<>(BATCH);
    while (true) {
      PendingSettle first;
      try {
        first = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        first = queue.poll();
      }
      if (first == null) {
        if (stopping) {
          return;
        }
        continue;
      }
      batch.add(first);
      queue.drainTo(batch, BATCH - 1);
      for (PendingSettle settle : batch) {
        try {
          answers.add(redis.send(settle));
        } catch (RuntimeException e) {
          answers.add(CompletableFuture.failedFuture(e));
        }
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      for (int i = 0; i < batch.size(); i++) {
        await(batch.get(i), answers.get(i), deadline);
      }
      batch.clear();
      answers.clear();
    }
  }

  private void await(PendingSettle settle, CompletableFuture<?> answer, long deadline) {
    try {
      answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RedisNoScriptException) {
        try {
          redis.settleNow(settle);
        } catch (LedgerException again) {
          failed.accept(settle);
        }
      } else {
        log.debug("settle of {} failed: {}", settle.callId(), e.getCause().toString());
        failed.accept(settle);
      }
    } catch (TimeoutException e) {
      failed.accept(settle);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failed.accept(settle);
    }
  }

  /**
   * Sends what is queued and waits for it (a few command timeouts at most); anything still queued
   * after that goes to {@code failed}.
   */
  @Override
  public void close() {
    synchronized (this) {
      stopping = true;
    }
    try {
      thread.join(timeout.multipliedBy(4).plusSeconds(1).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (PendingSettle left = queue.poll(); left != null; left = queue.poll()) {
      failed.accept(left);
    }
  }
}
