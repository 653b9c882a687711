package io.llmcap.server.extproc;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Several listeners as one; a listener that throws is logged and skipped, never failing the call. */
public final class CallListeners implements CallListener {
  private static final Logger log = LoggerFactory.getLogger(CallListeners.class);
  private final List<CallListener> listeners;

  private CallListeners(List<CallListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  public static CallListener of(List<CallListener> listeners) {
    return listeners.isEmpty() ? CallListener.NONE : new CallListeners(listeners);
  }

  @Override
  public void decided(Decision decision) {
    for (CallListener l : listeners) {
      try {
        l.decided(decision);
      } catch (RuntimeException e) {
        log.warn("[{}] listener {} failed on a decision: {}", decision.callId(), l.getClass().getName(), e.toString());
      }
    }
  }

  @Override
  public void settled(Settlement settlement) {
    for (CallListener l : listeners) {
      try {
        l.settled(settlement);
      } catch (RuntimeException e) {
        log.warn("[{}] listener {} failed on a settlement: {}", settlement.decision().callId(),
            l.getClass().getName(), e.toString());
      }
    }
  }

  @Override
  public void phaseTimed(String phase, long nanos) {
    for (CallListener l : listeners) {
      try {
        l.phaseTimed(phase, nanos);
      } catch (RuntimeException e) {
        log.warn("listener {} failed on a phase timing: {}", l.getClass().getName(), e.toString());
      }
    }
  }
}
