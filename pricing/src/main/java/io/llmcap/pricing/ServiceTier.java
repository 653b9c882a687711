package io.llmcap.pricing;

import java.util.Locale;

/**
 * The processing tier a call is billed at (OpenAI {@code service_tier}), which selects the
 * catalog's {@code *_flex} or {@code *_priority} price columns instead of the standard ones.
 */
public enum ServiceTier {
  /** Standard prices ({@code default}, {@code auto} served at default, or no tier reported). */
  STANDARD,
  /** {@code *_flex} prices; an entry without them is billed at standard prices, which cost more. */
  FLEX,
  /** {@code *_priority} prices; an entry without them cannot price a priority call. */
  PRIORITY,
  /** A tier the catalog has no price column for ({@code scale}, {@code ultrafast}, …). */
  UNPRICED;

  /**
   * The tier a provider reports it served a call at: {@code priority} (and {@code fast}, which
   * OpenAI reports for priority), {@code flex}; {@code default}, {@code standard}, {@code auto} and
   * null are the standard tier; anything else is {@link #UNPRICED}.
   */
  public static ServiceTier fromReported(String reported) {
    if (reported == null) {
      return STANDARD;
    }
    return switch (reported.trim().toLowerCase(Locale.ROOT)) {
      case "", "default", "standard", "auto", "on_demand" -> STANDARD;
      case "priority", "fast" -> PRIORITY;
      case "flex" -> FLEX;
      default -> UNPRICED;
    };
  }
}
