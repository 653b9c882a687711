package io.llmcap.server.extproc;

import io.llmcap.pricing.CostCalculator;
import io.llmcap.pricing.ModelPrice;
import io.llmcap.pricing.UnpriceableUsageException;
import io.llmcap.server.provider.UsageSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How much a call is charged when it ends: the billing rules at the edges, in one place.
 *
 * <ul>
 *   <li>A complete usage report (the provider's bill) is priced exactly, whatever the status.
 *   <li>A provider's error answer (non-2xx from upstream) without usage is free: providers do not
 *       bill failed requests (Gemini documents it; the others treat errors before generation as
 *       free in practice). An error Envoy made itself after the request went out (a route or idle
 *       timeout, a reset) is not the provider's word, and the provider may be generating: it is
 *       charged like a cut stream.
 *   <li>Anything else (a stream cut by the client or Envoy, a timeout, a body we could not read,
 *       usage we could not price) is charged the <b>full reservation</b> (for a hold taken at the
 *       quick byte bound, the exact bound of the same call, which is never more). Providers keep
 *       generating after a disconnect and may bill output they never report; charging the proven
 *       upper bound is the only choice that never under-counts.
 * </ul>
 */
final class Settlement {
  private static final Logger log = LoggerFactory.getLogger(Settlement.class);

  private Settlement() {}

  /**
   * @param fullCharge the call's whole reservation, or a lower proven bound of it (a quick-bound
   *     hold charges its exact bound); asked only when the call is charged in full
   */
  static long amount(String callId, int upstreamStatus, boolean fromUpstream, boolean unmeterable,
      UsageSnapshot usage, ModelPrice price, java.util.function.LongSupplier fullCharge) {
    boolean upstreamError = upstreamStatus != 0 && (upstreamStatus < 200 || upstreamStatus >= 300);
    if (usage.complete() && !unmeterable) {
      try {
        return CostCalculator.cost(price, usage.usage());
      } catch (UnpriceableUsageException e) {
        log.warn("[{}] usage cannot be priced ({}); charging the full reservation", callId, e.getMessage());
        return fullCharge.getAsLong();
      }
    }
    if (upstreamError && fromUpstream) {
      return 0;
    }
    return fullCharge.getAsLong();
  }
}
