package io.llmcap.pricing;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * The per-token rates, in nano-dollars per token, that apply to every token of one call: either
 * the entry's base prices or one long-context tier. Precomputed once per catalog entry so that
 * pricing a call only multiplies and adds.
 */
final class RateSchedule {
  /** A rate in nano-dollars per token, or {@code nanos == null} when the catalog has none. */
  record Rate(String field, BigDecimal nanos) {
    boolean present() {
      return nanos != null;
    }

    static Rate of(String field, BigDecimal usdPerToken) {
      return new Rate(field, usdPerToken == null ? null : usdPerToken.movePointRight(9));
    }
  }

  /** Enough digits that a derived rate rounded up here changes no cost by a visible amount. */
  private static final MathContext DERIVED = new MathContext(34, RoundingMode.CEILING);

  /** Prompt size (all input-side tokens) above which this schedule applies; 0 for the base. */
  final long aboveTokens;
  final Rate input;
  final Rate cacheRead;
  final Rate cacheWrite5m;
  final Rate cacheWrite1h;
  final Rate output;
  /** Null field when the entry has no separate reasoning rate: reasoning is billed as output. */
  final Rate reasoning;
  final Rate audioInput;
  final Rate audioOutput;

  RateSchedule(long aboveTokens, Rate input, Rate cacheRead, Rate cacheWrite5m, Rate cacheWrite1h,
      Rate output, Rate reasoning, Rate audioInput, Rate audioOutput) {
    this.aboveTokens = aboveTokens;
    this.input = input;
    this.cacheRead = cacheRead;
    this.cacheWrite5m = cacheWrite5m;
    this.cacheWrite1h = cacheWrite1h;
    this.output = output;
    this.reasoning = reasoning;
    this.audioInput = audioInput;
    this.audioOutput = audioOutput;
  }

  Rate reasoningOrOutput() {
    return reasoning.present() ? reasoning : output;
  }

  /**
   * A long-context tier. Where the catalog lists the tier's input and output prices but not a
   * cache or reasoning price, the base price is scaled by the tier's own input (input side) or
   * output (output side) ratio: that is how Anthropic and Google define the tier (every category
   * of the request is multiplied), e.g. Gemini 2.5 Pro's cached reads go from $0.3125 to
   * $0.625/M, and Claude Sonnet 4.5's 1-hour cache writes from $6 to $12/M. Audio token rates have
   * no tier fields in the catalog and are scaled the same way. The scaling rounds up.
   */
  static RateSchedule tier(long aboveTokens, String suffix, RateSchedule base,
      BigDecimal inputUsd, BigDecimal outputUsd, BigDecimal cacheReadUsd, BigDecimal cacheWriteUsd) {
    Rate input = Rate.of("input_cost_per_token" + suffix, inputUsd);
    Rate output = Rate.of("output_cost_per_token" + suffix, outputUsd);
    Rate cacheRead = cacheReadUsd != null
        ? Rate.of("cache_read_input_token_cost" + suffix, cacheReadUsd)
        : scaled("cache_read_input_token_cost" + suffix, base.cacheRead, base.input, input);
    Rate cacheWrite5m = cacheWriteUsd != null
        ? Rate.of("cache_creation_input_token_cost" + suffix, cacheWriteUsd)
        : scaled("cache_creation_input_token_cost" + suffix, base.cacheWrite5m, base.input, input);
    Rate cacheWrite1h = scaled("cache_creation_input_token_cost_above_1hr" + suffix,
        base.cacheWrite1h, base.input, input);
    Rate reasoning = base.reasoning.present()
        ? scaled("output_cost_per_reasoning_token" + suffix, base.reasoning, base.output, output)
        : new Rate("output_cost_per_reasoning_token" + suffix, null);
    Rate audioInput = scaled("input_cost_per_audio_token" + suffix, base.audioInput, base.input,
        input);
    Rate audioOutput = scaled("output_cost_per_audio_token" + suffix, base.audioOutput,
        base.output, output);
    return new RateSchedule(aboveTokens, input, cacheRead, cacheWrite5m, cacheWrite1h, output,
        reasoning, audioInput, audioOutput);
  }

  /** {@code rate × tier / base}; missing when any of them is missing. */
  private static Rate scaled(String field, Rate rate, Rate base, Rate tier) {
    if (!rate.present() || !base.present() || !tier.present()) {
      return new Rate(field, null);
    }
    if (base.nanos().signum() == 0) {
      // A free base gives no ratio; the tier's input price is an upper bound for a cache rate.
      return new Rate(field, rate.nanos().max(tier.nanos()));
    }
    BigDecimal value = rate.nanos().multiply(tier.nanos()).divide(base.nanos(), DERIVED);
    return new Rate(field + " (derived)", value.stripTrailingZeros());
  }
}
