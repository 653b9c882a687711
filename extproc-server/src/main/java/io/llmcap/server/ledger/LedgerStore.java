package io.llmcap.server.ledger;

import io.llmcap.server.cap.CapInstance;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

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

  /**
   * {@link #settle}, without making the caller wait for the store where it can: the settle is
   * then applied shortly after, in the background, and one that fails is kept and retried as a
   * failed {@link #settle} is. Until it is applied the call's hold still counts (other calls see
   * less room, never more). The default settles at once.
   */
  default void settleSoon(String callId, long actualNanos, Instant now) throws LedgerException {
    settle(callId, actualNanos, now);
  }

  /** Whether {@link #settleSoon} may wait on I/O; as {@link #mayBlock} unless the store settles in the background. */
  default boolean settleSoonMayBlock() {
    return mayBlock();
  }

  /**
   * Adds spend that was metered without a reservation: the store could not be reached when the
   * call asked to reserve, and {@code store.onFailure: open} let it through. {@code amountNanos}
   * goes into {@code spent} of every given cap, limits notwithstanding (the call already ran).
   * Idempotent per call id: a second charge, or a charge for an id that reserved, changes nothing
   * and returns false. A store that is unreachable again keeps the charge and applies it when it
   * answers (see the store's documentation), rather than losing it.
   */
  boolean charge(String callId, List<CapInstance> caps, long amountNanos, Instant now) throws LedgerException;

  /**
   * Whether a call may wait on I/O (a network round trip, a disk flush). Callers keep such calls
   * off threads that must never wait, such as gRPC's transport threads. True unless the store
   * knows better.
   */
  default boolean mayBlock() {
    return true;
  }

  /**
   * An enforcing cap among {@code caps} whose spend has reached its limit, as far as this process
   * knows without waiting on I/O; empty when it knows of none. Never authoritative: a reservation
   * asks the store. The memory store knows exactly; a networked store answers from what recent
   * answers showed (spend only grows within a window, so an exhausted cap stays exhausted).
   */
  default Optional<CapStatus> knownExhausted(List<CapInstance> caps, Instant now) throws LedgerException {
    return Optional.empty();
  }

  /** Current counters of the given instances (zeroes for instances never touched). */
  List<CapStatus> status(List<CapInstance> caps, Instant now) throws LedgerException;

  /**
   * Answers when the store is reachable and usable, throws when it is not: the readiness check.
   * The default reads a snapshot; stores where that is expensive answer more cheaply.
   */
  default void ping(Instant now) throws LedgerException {
    snapshot(now);
  }

  /** Every cap instance touched in its current window (for {@code /v1/caps}). */
  List<CapStatus> snapshot(Instant now) throws LedgerException;

  /**
   * Sets {@code spent} to zero on the instances of cap {@code capName} whose window contains
   * {@code now}: every subject, or only {@code subject} when it is not null. Open reservations are
   * kept (their calls are still running and settle normally afterwards), and the alert claims of
   * the reset instances are released so their thresholds can fire again in the same window.
   * Instances of ended windows are never touched.
   *
   * @return how many instances were reset (0 when none of the cap was touched in its current window)
   */
  int reset(String capName, String subject, Instant now) throws LedgerException;

  /**
   * Claims the alert for {@code threshold} of {@code cap}'s instance (its {@link
   * CapInstance#key()}): true for exactly one caller per instance and threshold across every
   * replica sharing the store, false for everyone after. The claim lasts until the instance's
   * window ends, or until {@link #reset} resets the instance.
   *
   * @param threshold an opaque, stable name of the threshold (e.g. {@code "0.8"})
   */
  boolean claimAlert(CapInstance cap, String threshold, Instant now) throws LedgerException;

  @Override
  void close();
}
