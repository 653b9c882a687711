package io.llmcap.server.alerts;

import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.ledger.CapStatus;
import java.time.Instant;
import java.util.Locale;

/**
 * One alert: a cap instance crossed a threshold of its limit (counting what calls in flight hold),
 * or a shadow cap would have denied a call.
 *
 * @param kind {@link #THRESHOLD} or {@link #SHADOW_WOULD_DENY}
 * @param threshold the fraction crossed, e.g. {@code "0.8"}; null for a would-be denial
 * @param callId the call whose decision crossed it
 */
public record Alert(String kind, Instant at, String threshold, CapStatus status, String callId) {
  public static final String THRESHOLD = "threshold";
  public static final String SHADOW_WOULD_DENY = "shadow_would_deny";

  /** The claim name in the store: a threshold, or the would-deny marker. */
  String claim() {
    return threshold == null ? SHADOW_WOULD_DENY : threshold;
  }

  /** One human line, for the log and for chat webhooks. */
  public String text() {
    CapInstance cap = status.cap();
    String who = cap.capName() + (cap.subject().isEmpty() ? "" : " [" + cap.subject() + "]");
    String figures = "spent " + usd(status.spentNanos()) + " + reserved "
        + usd(status.reservedNanos()) + " of " + usd(cap.limitNanos()) + " per "
        + cap.window() + (cap.windowEnd().equals(Instant.MAX) ? "" : ", resets " + cap.windowEnd());
    if (threshold == null) {
      return "LLMCap: shadow cap " + who + " would have denied a call (" + figures + ")";
    }
    String pct = new java.math.BigDecimal(threshold).movePointRight(2).stripTrailingZeros().toPlainString();
    return "LLMCap: " + (cap.action().name().equals("SHADOW") ? "shadow " : "") + "cap " + who + " reached " + pct
        + "% (" + figures + ")";
  }

  /** Dollars with cents, and more decimals only where they carry something ({@code $0.0006123}). */
  static String usd(long nanos) {
    java.math.BigDecimal d = java.math.BigDecimal.valueOf(nanos, 9).stripTrailingZeros();
    return "$" + (d.scale() < 2 ? d.setScale(2) : d).toPlainString();
  }

  String actionName() {
    return status.cap().action().name().toLowerCase(Locale.ROOT);
  }
}
