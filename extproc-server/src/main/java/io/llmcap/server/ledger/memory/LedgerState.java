package io.llmcap.server.ledger.memory;

import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.ledger.CapStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The counters and open reservations of the memory store, without locking or I/O: the store
 * serialises access, and journal replay drives the very same methods, so a replayed state is
 * the state that was journaled.
 */
final class LedgerState {

  /**
   * Ended call ids remembered at most this many (newest kept), bounding memory at high call
   * rates; each is also forgotten once its hold TTL has passed.
   */
  static final int MAX_REMEMBERED_ENDED_CALLS = 200_000;

  static final class Counter {
    CapInstance cap;
    long spent;
    long reserved;

    Counter(CapInstance cap) {
      this.cap = cap;
    }

    CapStatus status(CapInstance as) {
      return new CapStatus(as, spent, reserved);
    }
  }

  record AlertClaim(CapInstance cap, String threshold) {
    static String key(CapInstance cap, String threshold) {
      return cap.key() + "#" + threshold;
    }
  }

  static final class Hold {
    final String callId;
    final List<CapInstance> caps;
    final Counter[] counters;
    final long amount;
    final Instant expiresAt;

    Hold(String callId, List<CapInstance> caps, Counter[] counters, long amount, Instant expiresAt) {
      this.callId = callId;
      this.caps = caps;
      this.counters = counters;
      this.amount = amount;
      this.expiresAt = expiresAt;
    }
  }

  private final Map<String, Counter> counters = new HashMap<>();
  private final Map<String, Hold> holds = new HashMap<>();
  /**
   * Open holds by expiry, and ended ones not yet dropped: an ended hold stays until it reaches the
   * head or the queue is rebuilt from {@link #holds}, which happens once ended ones outnumber open
   * ones (removing from a heap's middle costs O(n) per call; this costs O(1) amortised).
   */
  private PriorityQueue<Hold> byExpiry = newExpiryQueue(16);
  private final EndedCallMemory endedCalls = new EndedCallMemory(MAX_REMEMBERED_ENDED_CALLS);
  /** Alert claims by instance key and threshold; dropped with their instance's window. */
  private final Map<String, AlertClaim> alertClaims = new HashMap<>();
  private Instant earliestWindowEnd = Instant.MAX;

  Counter counter(String key) {
    return counters.get(key);
  }

  boolean isKnownCall(String callId, Instant now) {
    endedCalls.forgetUntil(now);
    return holds.containsKey(callId) || endedCalls.contains(callId);
  }

  Hold hold(String callId) {
    return holds.get(callId);
  }

  int holdCount() {
    return holds.size();
  }

  /** Holds in the expiry queue, ended ones not yet dropped included (bounded by the open ones). */
  int queuedForExpiry() {
    return byExpiry.size();
  }

  /** Adds {@code amount} to the reserved sum of every cap, creating counters as needed. */
  Hold reserve(String callId, List<CapInstance> caps, long amount, Instant expiresAt) {
    Counter[] held = new Counter[caps.size()];
    for (int i = 0; i < held.length; i++) {
      CapInstance cap = caps.get(i);
      Counter c = counters.get(cap.key());
      if (c == null) {
        c = new Counter(cap);
        counters.put(cap.key(), c);
        if (cap.windowEnd().isBefore(earliestWindowEnd)) {
          earliestWindowEnd = cap.windowEnd();
        }
      } else {
        // The newest definition wins, so a reloaded caps file changes limits at once.
        c.cap = cap;
      }
      c.reserved = saturatingAdd(c.reserved, amount);
      held[i] = c;
    }
    Hold hold = new Hold(callId, List.copyOf(caps), held, amount, expiresAt);
    holds.put(callId, hold);
    byExpiry.add(hold);
    return hold;
  }

  private static PriorityQueue<Hold> newExpiryQueue(int capacity) {
    return new PriorityQueue<>(Math.max(16, capacity), Comparator.comparing((Hold h) -> h.expiresAt));
  }

  /** Releases the hold and charges {@code chargeNanos} (actual cost, or the hold when expired). */
  void end(Hold hold, long chargeNanos, Instant forgetAt) {
    holds.remove(hold.callId);
    if (byExpiry.size() > 2 * holds.size() + 1024) {
      // Without this, every settled call would stay queued for its whole hold TTL (minutes).
      PriorityQueue<Hold> open = newExpiryQueue(2 * holds.size());
      open.addAll(holds.values());
      byExpiry = open;
    }
    for (Counter c : hold.counters) {
      c.reserved = Math.max(0, c.reserved - hold.amount);
      c.spent = saturatingAdd(c.spent, chargeNanos);
    }
    endedCalls.add(hold.callId, forgetAt);
  }

  /** Holds whose TTL has passed at {@code now}, oldest first, still open. */
  List<Hold> expiredHolds(Instant now) {
    List<Hold> expired = new ArrayList<>(0);
    while (!byExpiry.isEmpty() && !byExpiry.peek().expiresAt.isAfter(now)) {
      Hold h = byExpiry.poll();
      if (holds.get(h.callId) == h) {
        expired.add(h);
      }
    }
    return expired;
  }

  /** Every open hold (for recovery and compaction). */
  List<Hold> openHolds() {
    return new ArrayList<>(holds.values());
  }

  /**
   * Zeroes {@code spent} of the cap's instances whose window contains {@code at} (one subject, or
   * all when {@code subject} is null) and releases their alert claims.
   *
   * @return the instances reset
   */
  int reset(String capName, String subject, Instant at) {
    int reset = 0;
    for (Counter c : counters.values()) {
      CapInstance cap = c.cap;
      if (cap.capName().equals(capName) && (subject == null || cap.subject().equals(subject))
          && !cap.windowStart().isAfter(at) && cap.windowEnd().isAfter(at)) {
        c.spent = 0;
        reset++;
        String prefix = cap.key() + "#";
        alertClaims.keySet().removeIf(k -> k.startsWith(prefix));
      }
    }
    return reset;
  }

  /** True the first time a threshold of an instance is claimed in its window. */
  boolean claimAlert(CapInstance cap, String threshold) {
    if (alertClaims.putIfAbsent(AlertClaim.key(cap, threshold), new AlertClaim(cap, threshold)) != null) {
      return false;
    }
    if (cap.windowEnd().isBefore(earliestWindowEnd)) {
      earliestWindowEnd = cap.windowEnd();
    }
    return true;
  }

  boolean hasAlertClaim(CapInstance cap, String threshold) {
    return alertClaims.containsKey(AlertClaim.key(cap, threshold));
  }

  List<AlertClaim> alertClaims() {
    return new ArrayList<>(alertClaims.values());
  }

  /** Drops counters and alert claims whose window has ended; cheap when none has. */
  void dropEndedWindows(Instant now) {
    if (now.isBefore(earliestWindowEnd)) {
      return;
    }
    Instant earliest = Instant.MAX;
    for (Iterator<Counter> it = counters.values().iterator(); it.hasNext(); ) {
      Counter c = it.next();
      if (!c.cap.windowEnd().isAfter(now)) {
        it.remove();
      } else if (c.cap.windowEnd().isBefore(earliest)) {
        earliest = c.cap.windowEnd();
      }
    }
    for (Iterator<AlertClaim> it = alertClaims.values().iterator(); it.hasNext(); ) {
      AlertClaim claim = it.next();
      if (!claim.cap().windowEnd().isAfter(now)) {
        it.remove();
      } else if (claim.cap().windowEnd().isBefore(earliest)) {
        earliest = claim.cap().windowEnd();
      }
    }
    earliestWindowEnd = earliest;
  }

  /** Restores a counter from a compacted journal. */
  void restoreCounter(CapInstance cap, long spent) {
    Counter c = new Counter(cap);
    c.spent = spent;
    counters.put(cap.key(), c);
    if (cap.windowEnd().isBefore(earliestWindowEnd)) {
      earliestWindowEnd = cap.windowEnd();
    }
  }

  List<Counter> counters() {
    return new ArrayList<>(counters.values());
  }


  static CapStatus statusOf(Counter c, CapInstance as) {
    return c == null ? new CapStatus(as, 0, 0) : c.status(as);
  }

  static boolean enforcing(CapInstance cap) {
    return cap.action() == CapAction.ENFORCE;
  }

  static long saturatingAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  static long saturatingSubtract(long a, long b) {
    long r = a - b;
    return ((a ^ b) & (a ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
  }
}
