package io.llmcap.pricing;

import java.math.BigDecimal;

/**
 * A price set by the operator for one model, from the caps file's {@code pricing.overrides}.
 * Prices are exact decimals in US dollars per million tokens. A null field keeps the catalog's
 * value when the model is in the catalog; a model not in the catalog needs at least input and
 * output prices.
 *
 * @param model the model id as callers name it (also matched provider-prefixed, like catalog keys)
 */
public record PriceOverride(
    String model,
    BigDecimal inputPerMTok,
    BigDecimal outputPerMTok,
    BigDecimal cacheReadPerMTok,
    BigDecimal cacheWritePerMTok,
    BigDecimal cacheWrite1hPerMTok,
    BigDecimal reasoningPerMTok,
    Long maxInputTokens,
    Long maxOutputTokens) {

  public PriceOverride {
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("a price override needs a model id");
    }
  }

  /** Input and output prices only, as most overrides are written. */
  public static PriceOverride of(String model, BigDecimal inputPerMTok, BigDecimal outputPerMTok) {
    return new PriceOverride(model, inputPerMTok, outputPerMTok, null, null, null, null, null, null);
  }
}
