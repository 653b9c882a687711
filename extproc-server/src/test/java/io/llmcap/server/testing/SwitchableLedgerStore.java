package io.llmcap.server.testing;

import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.ledger.LedgerStore;
import io.llmcap.server.ledger.ReserveOutcome;
import java.time.Instant;
import java.util.List;

/** A store that can be made unreachable: while down every operation fails as a dead Redis would. */
public final class SwitchableLedgerStore implements LedgerStore {
  private final LedgerStore delegate;
  private volatile boolean down;

  public SwitchableLedgerStore(LedgerStore delegate) {
    this.delegate = delegate;
  }

  public SwitchableLedgerStore down(boolean isDown) {
    this.down = isDown;
    return this;
  }

  private void check(String op) throws LedgerException {
    if (down) {
      throw new LedgerException("store unreachable (test): " + op);
    }
  }

  @Override
  public ReserveOutcome reserve(String callId, List<CapInstance> caps, long amountNanos, Instant now)
      throws LedgerException {
    check("reserve");
    return delegate.reserve(callId, caps, amountNanos, now);
  }

  @Override
  public boolean settle(String callId, long actualNanos, Instant now) throws LedgerException {
    check("settle");
    return delegate.settle(callId, actualNanos, now);
  }

  @Override
  public boolean charge(String callId, List<CapInstance> caps, long amountNanos, Instant now) throws LedgerException {
    check("charge");
    return delegate.charge(callId, caps, amountNanos, now);
  }

  @Override
  public List<CapStatus> status(List<CapInstance> caps, Instant now) throws LedgerException {
    check("status");
    return delegate.status(caps, now);
  }

  @Override
  public void ping(Instant now) throws LedgerException {
    check("ping");
    delegate.ping(now);
  }

  @Override
  public List<CapStatus> snapshot(Instant now) throws LedgerException {
    check("snapshot");
    return delegate.snapshot(now);
  }

  @Override
  public int reset(String capName, String subject, Instant now) throws LedgerException {
    check("reset");
    return delegate.reset(capName, subject, now);
  }

  @Override
  public boolean claimAlert(CapInstance cap, String threshold, Instant now) throws LedgerException {
    check("claimAlert");
    return delegate.claimAlert(cap, threshold, now);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
