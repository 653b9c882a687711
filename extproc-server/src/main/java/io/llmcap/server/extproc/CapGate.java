package io.llmcap.server.extproc;

import io.llmcap.server.Engine;
import io.llmcap.server.cap.CallAttributes;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.LedgerException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The headers-only check shared by the ext_proc request-headers phase and the ext_authz gate: is
 * a cap that applies to this caller already spent to its limit? Such a call can be denied before
 * its body is read. Reservations are not counted here (they may still be released); the body
 * phase's reservation stays the authoritative decision.
 */
public final class CapGate {
  private CapGate() {}

  /** From the store's counters: one round trip on a networked store (the ext_authz gate, which sees no body). */
  public static Optional<CapStatus> exhaustedCap(Engine engine, CallAttributes call, Instant now)
      throws LedgerException {
    List<CapInstance> caps = matching(engine, call, now);
    if (caps.isEmpty()) {
      return Optional.empty();
    }
    for (CapStatus status : engine.ledger().status(caps, now)) {
      if (status.denies()) {
        return Optional.of(status);
      }
    }
    return Optional.empty();
  }

  /**
   * From what this process knows without waiting on I/O ({@link
   * io.llmcap.server.ledger.LedgerStore#knownExhausted}): the ext_proc request-headers phase,
   * whose call is checked again, authoritatively, when its body is reserved.
   */
  public static Optional<CapStatus> knownExhaustedCap(Engine engine, CallAttributes call, Instant now)
      throws LedgerException {
    List<CapInstance> caps = matching(engine, call, now);
    return caps.isEmpty() ? Optional.empty() : engine.ledger().knownExhausted(caps, now);
  }

  /** The caps that apply before the body names the model, or with it when the path does. */
  private static List<CapInstance> matching(Engine engine, CallAttributes call, Instant now) {
    return call.model() == null
        ? engine.policy().matchingWithoutModel(call, now)
        : engine.policy().matching(call, now);
  }
}
