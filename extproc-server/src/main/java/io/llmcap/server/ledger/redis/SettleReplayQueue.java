package io.llmcap.server.ledger.redis;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Settles that could not reach Redis, kept in memory (bounded) and replayed in order once it
 * answers again. Replaying is safe because settle is idempotent per call id: a settle that did
 * reach Redis before its reply was lost, or a hold already charged in full by its TTL, makes the
 * replay a no-op. A replay carries the instant of the original settle, so it is judged as if it
 * had arrived on time. When the queue is full the oldest entry is dropped: its hold is charged in
 * full when its TTL passes, which over-counts but never loses spend.
 */
final class SettleReplayQueue {
  record PendingSettle(String callId, long actualNanos, Instant at) {}

  private final int capacity;
  private final Deque<PendingSettle> queue = new ArrayDeque<>();
  private long dropped;

  SettleReplayQueue(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("settle replay capacity must not be negative, got " + capacity);
    }
    this.capacity = capacity;
  }

  /** Queues a settle; returns the settle that had to be dropped to make room, or null. */
  synchronized PendingSettle add(PendingSettle settle) {
    if (capacity == 0) {
      dropped++;
      return settle;
    }
    PendingSettle evicted = null;
    if (queue.size() >= capacity) {
      evicted = queue.pollFirst();
      dropped++;
    }
    queue.addLast(settle);
    return evicted;
  }

  synchronized PendingSettle peek() {
    return queue.peekFirst();
  }

  /** Removes {@code settle} if it is still the head (it was replayed). */
  synchronized void remove(PendingSettle settle) {
    if (queue.peekFirst() == settle) {
      queue.pollFirst();
    }
  }

  synchronized int size() {
    return queue.size();
  }

  synchronized long dropped() {
    return dropped;
  }
}
