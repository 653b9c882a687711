package io.llmcap.server.ledger;

import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;

/** One cap instance's counters at a point in time. */
public record CapStatus(CapInstance cap, long spentNanos, long reservedNanos) {

  /** What is still free to reserve: limit minus spent minus reserved, never negative. */
  public long remainingNanos() {
    return Math.max(0, cap.limitNanos() - spentNanos - reservedNanos);
  }

  /** Spent alone has reached the limit: no call can fit until the window resets. */
  public boolean exhausted() {
    return spentNanos >= cap.limitNanos();
  }

  /** An enforcing cap spent to its limit: every call it applies to is denied until its window resets. */
  public boolean denies() {
    return exhausted() && cap.action() == CapAction.ENFORCE;
  }
}
