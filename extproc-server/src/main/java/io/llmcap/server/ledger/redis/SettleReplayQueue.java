package io.llmcap.server.ledger.redis;

import io.llmcap.server.cap.CapInstance;
import java.util.List;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Settles and charges that could not reach Redis, kept in memory (bounded) and replayed in order
 * once it answers again. Replaying is safe because both are idempotent per call id: a settle that
 * did reach Redis before its reply was lost, or a hold already charged in full by its TTL, makes
 * the replay a no-op. A replay carries the instant of the original operation, so it is judged as
 * if it had arrived on time. When the queue is full the oldest entry is dropped: a dropped settle's
 * hold is charged in full when its TTL passes (over-counting, never losing spend); a dropped charge
 * (spend metered while the store was down and {@code onFailure: open}) is lost, and logged.
 */
final class SettleReplayQueue {
  /** One operation waiting for Redis. */
  sealed interface Pending permits PendingSettle, PendingCharge {
    String callId();

    long nanos();
  }

  record PendingSettle(String callId, long nanos, Instant at) implements Pending {}

  record PendingCharge(String callId, List<CapInstance> caps, long nanos, Instant at) implements Pending {}

  private final int capacity;
  private final Deque<Pending> queue = new ArrayDeque<>();
  private long dropped;

  SettleReplayQueue(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("settle replay capacity must not be negative, got " + capacity);
    }
    this.capacity = capacity;
  }

  /** Queues a settle; returns the settle that had to be dropped to make room, or null. */
  synchronized Pending add(Pending settle) {
    if (capacity == 0) {
      dropped++;
      return settle;
    }
    Pending evicted = null;
    if (queue.size() >= capacity) {
      evicted = queue.pollFirst();
      dropped++;
    }
    queue.addLast(settle);
    return evicted;
  }

  synchronized Pending peek() {
    return queue.peekFirst();
  }

  /** Removes {@code settle} if it is still the head (it was replayed). */
  synchronized void remove(Pending settle) {
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
