package io.llmcap.server.ledger;

import io.llmcap.server.cap.CapInstance;
import java.time.Instant;
import java.util.List;

/**
 * Where spend and reservations live. Implementations: the embedded memory store (journaled to
 * disk) and the Redis store. Every method is atomic with respect to every other call on every
 * replica sharing the store.
 */
public interface LedgerStore extends AutoCloseable {

  /**
   * Reserves {@code amountNanos} against every cap in {@code caps}, all or nothing: if any
   * enforcing cap lacks room ({@code spent + reserved + amount > limit}), nothing is reserved and
   * the outcome is {@link ReserveOutcome.Denied}. Shadow caps are reserved too but never deny.
   * A {@code callId} may hold at most one reservation; reserving again for the same id is an error.
   */
  ReserveOutcome reserve(String callId, List<CapInstance> caps, long amountNanos, Instant now)
      throws LedgerException;

  /**
   * Ends the call's reservation: {@code actualNanos} moves into {@code spent} of every cap it
   * reserved, and the hold is released. Idempotent: a second settle, or a settle for an unknown or
   * already-expired call, changes nothing and returns false.
   */
  boolean settle(String callId, long actualNanos, Instant now) throws LedgerException;

  /** Current counters of the given instances (zeroes for instances never touched). */
  List<CapStatus> status(List<CapInstance> caps, Instant now) throws LedgerException;

  /** Every cap instance touched in its current window (for {@code /v1/caps}). */
  List<CapStatus> snapshot(Instant now) throws LedgerException;

  @Override
  void close();
}
