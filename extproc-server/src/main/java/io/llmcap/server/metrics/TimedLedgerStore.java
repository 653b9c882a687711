package io.llmcap.server.metrics;

import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.ledger.LedgerStore;
import io.llmcap.server.ledger.ReserveOutcome;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Instant;
import java.util.List;

/** A {@link LedgerStore} that times every operation and counts failures, delegating everything. */
public final class TimedLedgerStore implements LedgerStore {
  private final LedgerStore delegate;
  private final Op reserve;
  private final Op settle;
  private final Op charge;
  private final Op status;
  private final Op snapshot;
  private final Op reset;
  private final Op claimAlert;

  TimedLedgerStore(LedgerStore delegate, Histogram latency, Counter errors) {
    this.delegate = delegate;
    this.reserve = new Op("reserve", latency, errors);
    this.settle = new Op("settle", latency, errors);
    this.charge = new Op("charge", latency, errors);
    this.status = new Op("status", latency, errors);
    this.snapshot = new Op("snapshot", latency, errors);
    this.reset = new Op("reset", latency, errors);
    this.claimAlert = new Op("claim_alert", latency, errors);
  }

  /** The store being timed. */
  public LedgerStore delegate() {
    return delegate;
  }

  private interface Call<T> {
    T run() throws LedgerException;
  }

  /** One operation's pre-resolved series, so the hot path does no label lookups. */
  private static final class Op {
    final DistributionDataPoint latency;
    final io.prometheus.metrics.core.datapoints.CounterDataPoint errors;

    Op(String name, Histogram latency, Counter errors) {
      this.latency = latency.labelValues(name);
      this.errors = errors.labelValues(name);
    }

    <T> T time(Call<T> call) throws LedgerException {
      long start = System.nanoTime();
      try {
        return call.run();
      } catch (LedgerException | RuntimeException e) {
        errors.inc();
        throw e;
      } finally {
        latency.observe(Unit.nanosToSeconds(System.nanoTime() - start));
      }
    }
  }

  @Override
  public ReserveOutcome reserve(String callId, List<CapInstance> caps, long amountNanos, Instant now)
      throws LedgerException {
    return reserve.time(() -> delegate.reserve(callId, caps, amountNanos, now));
  }

  @Override
  public boolean settle(String callId, long actualNanos, Instant now) throws LedgerException {
    return settle.time(() -> delegate.settle(callId, actualNanos, now));
  }

  @Override
  public void ping(Instant now) throws LedgerException {
    delegate.ping(now);
  }

  @Override
  public boolean charge(String callId, List<CapInstance> caps, long amountNanos, Instant now) throws LedgerException {
    return charge.time(() -> delegate.charge(callId, caps, amountNanos, now));
  }

  @Override
  public List<CapStatus> status(List<CapInstance> caps, Instant now) throws LedgerException {
    return status.time(() -> delegate.status(caps, now));
  }

  @Override
  public List<CapStatus> snapshot(Instant now) throws LedgerException {
    return snapshot.time(() -> delegate.snapshot(now));
  }

  @Override
  public int reset(String capName, String subject, Instant now) throws LedgerException {
    return reset.time(() -> delegate.reset(capName, subject, now));
  }

  @Override
  public java.util.Optional<CapStatus> knownExhausted(List<CapInstance> caps, Instant now) throws LedgerException {
    return delegate.knownExhausted(caps, now);
  }

  /** Timed as {@code settle}: what the call's path waits for (with Redis, queueing the settle). */
  @Override
  public void settleSoon(String callId, long actualNanos, Instant now) throws LedgerException {
    settle.time(() -> {
      delegate.settleSoon(callId, actualNanos, now);
      return null;
    });
  }

  @Override
  public boolean settleSoonMayBlock() {
    return delegate.settleSoonMayBlock();
  }

  @Override
  public boolean mayBlock() {
    return delegate.mayBlock();
  }

  @Override
  public boolean claimAlert(CapInstance cap, String threshold, Instant now) throws LedgerException {
    return claimAlert.time(() -> delegate.claimAlert(cap, threshold, now));
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return "timed " + delegate;
  }
}
