package io.llmcap.pricing;

import io.llmcap.pricing.RateSchedule.Rate;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Prices calls in integer nano-dollars. Products and sums are exact decimals; the result is
 * rounded up to a whole nano-dollar once per call, so a cap never under-counts by rounding.
 */
public final class CostCalculator {
  private CostCalculator() {}

  /**
   * Exact cost of observed usage, summed exactly and rounded UP to a whole nano-dollar once per
   * call.
   *
   * <p>Audio tokens use the entry's audio rates, web searches {@code
   * search_context_cost_per_query} (its dearest context size), and {@code input_cost_per_request}
   * is added once. When the call's input-side tokens ({@link Usage#promptTokens()}) exceed 200,000 (or
   * 128,000 for the older tier) and the entry has that long-context tier, every token of the call
   * uses the tier prices. Reasoning tokens reported apart from output use {@code
   * output_cost_per_reasoning_token} when present, else the output rate. 1-hour cache writes use
   * {@link ModelPrice#effectiveCacheWrite1hPerToken()}.
   *
   * @throws UnpriceableUsageException when a category with a non-zero count has no rate in the
   *     entry (naming the model key and the missing field), or the cost exceeds a {@code long}
   */
  public static long cost(ModelPrice standardPrice, Usage usage)
      throws UnpriceableUsageException {
    ModelPrice price = standardPrice.atServiceTier(usage.serviceTier());
    RateSchedule s = price.scheduleFor(promptTokens(usage));
    BigDecimal nanos = BigDecimal.ZERO;
    nanos = add(nanos, price, usage.inputTokens(), s.input, "input");
    nanos = add(nanos, price, usage.cacheReadTokens(), s.cacheRead, "cache-read");
    nanos = add(nanos, price, usage.cacheWrite5mTokens(), s.cacheWrite5m, "cache-write (5m)");
    nanos = add(nanos, price, usage.cacheWrite1hTokens(), s.cacheWrite1h, "cache-write (1h)");
    nanos = add(nanos, price, usage.outputTokens(), s.output, "output");
    nanos = add(nanos, price, usage.reasoningTokens(), s.reasoningOrOutput(), "reasoning");
    nanos = add(nanos, price, usage.audioInputTokens(), s.audioInput, "audio input");
    nanos = add(nanos, price, usage.audioOutputTokens(), s.audioOutput, "audio output");
    nanos = add(nanos, price, usage.webSearchRequests(),
        price.webSearchRate(usage.webSearchContextSize()), "web search");
    nanos = addPerRequest(nanos, price);
    return toNanos(price, nanos, usage::toString);
  }

  /**
   * Upper bound of a call's cost before it runs: {@code inputTokens} each at the dearest
   * input-side rate that could apply (input and cache read; plus cache-write 5m/1h rates when
   * {@code mayWriteCache}), {@code outputTokens} at the output rate (the larger of it and the
   * reasoning rate when present), using long-context tier prices when {@code inputTokens} exceeds
   * the tier threshold. Rounded up. It is at least {@link #cost} of any usage whose prompt tokens
   * are at most {@code inputTokens}, whose output plus reasoning tokens are at most {@code
   * outputTokens}, and that writes the cache only when {@code mayWriteCache}.
   *
   * @throws UnpriceableUsageException when the entry lacks the input rate (for input tokens > 0)
   *     or the output rate (for output tokens > 0), or the bound exceeds a {@code long}
   */
  public static long bound(ModelPrice price, long inputTokens, long outputTokens,
      boolean mayWriteCache) throws UnpriceableUsageException {
    return bound(price, inputTokens, outputTokens, mayWriteCache, false);
  }

  /**
   * {@link #bound(ModelPrice, long, long, boolean)} for a request that may also carry media
   * (images, audio, documents): when {@code mediaInput}, input tokens are also bounded at the
   * audio input rate ({@code input_cost_per_audio_token}) where the entry has one, since a media
   * item's tokens may be billed at it. Output is always bounded at the dearest output-side rate,
   * audio output included. The entry's per-call charge ({@code input_cost_per_request}) is added.
   * It is at least {@link #cost} of any such usage without web searches (their number is not in
   * the request).
   */
  public static long bound(ModelPrice price, long inputTokens, long outputTokens,
      boolean mayWriteCache, boolean mediaInput) throws UnpriceableUsageException {
    requireNonNegative(inputTokens, "inputTokens");
    requireNonNegative(outputTokens, "outputTokens");
    BigDecimal nanos = BigDecimal.ZERO;
    nanos = add(nanos, price, inputTokens,
        price.boundInputRate(inputTokens, mayWriteCache, mediaInput), "input");
    nanos = add(nanos, price, outputTokens, price.boundOutputRate(inputTokens), "output");
    nanos = addPerRequest(nanos, price);
    return toNanos(price, nanos, () -> inputTokens + " input and " + outputTokens + " output tokens");
  }

  /**
   * Upper bound of a call's cost before it runs, as {@link #bound(ModelPrice, long, long, boolean,
   * boolean)} at the prices of {@code call.serviceTier()}, plus {@code call.webSearches()} web
   * searches at {@code search_context_cost_per_query} for the call's context size.
   *
   * @throws UnpriceableUsageException when a needed rate is missing (including the priority
   *     prices of a priority-tier bound, or the search price of a call that may search)
   */
  public static long bound(ModelPrice standardPrice, CallBound call)
      throws UnpriceableUsageException {
    ModelPrice price = standardPrice.atServiceTier(call.serviceTier());
    BigDecimal nanos = BigDecimal.ZERO;
    nanos = add(nanos, price, call.inputTokens(),
        price.boundInputRate(call.inputTokens(), call.mayWriteCache(), call.mediaInput()),
        "input");
    nanos = add(nanos, price, call.outputTokens(), price.boundOutputRate(call.inputTokens()),
        "output");
    nanos = add(nanos, price, call.webSearches(), price.webSearchRate(call.searchContextSize()),
        "web search");
    nanos = addPerRequest(nanos, price);
    return toNanos(price, nanos, call::toString);
  }

  /**
   * Largest {@code n >= 0} such that {@code bound(price, call.withOutputTokens(n)) <=
   * budgetNanos}; {@code -1} if even {@code n = 0} does not fit. {@link Long#MAX_VALUE} when
   * output is free, or more tokens fit than a {@code long} counts.
   *
   * @throws UnpriceableUsageException when a needed rate is missing
   */
  public static long maxAffordableOutputTokens(ModelPrice standardPrice, CallBound call,
      long budgetNanos) throws UnpriceableUsageException {
    ModelPrice price = standardPrice.atServiceTier(call.serviceTier());
    Rate outputRate = price.boundOutputRate(call.inputTokens());
    requirePresent(price, outputRate, "output");
    BigDecimal fixedNanos = BigDecimal.ZERO;
    fixedNanos = add(fixedNanos, price, call.inputTokens(),
        price.boundInputRate(call.inputTokens(), call.mayWriteCache(), call.mediaInput()),
        "input");
    fixedNanos = add(fixedNanos, price, call.webSearches(),
        price.webSearchRate(call.searchContextSize()), "web search");
    fixedNanos = addPerRequest(fixedNanos, price);
    return affordable(fixedNanos, outputRate, budgetNanos);
  }

  /**
   * Largest {@code n >= 0} such that {@code bound(price, inputTokens, n, mayWriteCache) <=
   * budgetNanos}; {@code -1} if even {@code n = 0} does not fit. {@link Long#MAX_VALUE} when
   * output is free, or more tokens fit than a {@code long} counts.
   *
   * @throws UnpriceableUsageException when the entry lacks the input or output rate
   */
  public static long maxAffordableOutputTokens(ModelPrice price, long inputTokens,
      boolean mayWriteCache, long budgetNanos) throws UnpriceableUsageException {
    return maxAffordableOutputTokens(price, inputTokens, mayWriteCache, false, budgetNanos);
  }

  /** {@link #maxAffordableOutputTokens(ModelPrice, long, boolean, long)} for media input. */
  public static long maxAffordableOutputTokens(ModelPrice price, long inputTokens,
      boolean mayWriteCache, boolean mediaInput, long budgetNanos)
      throws UnpriceableUsageException {
    requireNonNegative(inputTokens, "inputTokens");
    Rate outputRate = price.boundOutputRate(inputTokens);
    requirePresent(price, outputRate, "output");
    BigDecimal inputNanos = BigDecimal.ZERO;
    inputNanos = add(inputNanos, price, inputTokens,
        price.boundInputRate(inputTokens, mayWriteCache, mediaInput), "input");
    inputNanos = addPerRequest(inputNanos, price);
    return affordable(inputNanos, outputRate, budgetNanos);
  }

  private static long affordable(BigDecimal fixedNanos, Rate outputRate, long budgetNanos) {
    // ceil(x) <= B  <=>  x <= B for an integer B, so no rounding enters the comparison.
    BigDecimal left = BigDecimal.valueOf(budgetNanos).subtract(fixedNanos);
    if (left.signum() < 0) {
      return -1;
    }
    if (outputRate.nanos().signum() == 0) {
      return Long.MAX_VALUE;
    }
    BigDecimal n = left.divide(outputRate.nanos(), 0, RoundingMode.FLOOR);
    return n.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : n.longValue();
  }

  /** {@link Usage#promptTokens()} saturates: a sum past a long is past every tier. */
  private static long promptTokens(Usage u) {
    return u.promptTokens();
  }

  private static BigDecimal addPerRequest(BigDecimal sum, ModelPrice price) {
    Rate perRequest = price.perRequestRate();
    return perRequest.present() ? sum.add(perRequest.nanos()) : sum;
  }

  private static BigDecimal add(BigDecimal sum, ModelPrice price, long tokens, Rate rate,
      String category) throws UnpriceableUsageException {
    if (tokens == 0) {
      return sum;
    }
    requirePresent(price, rate, category);
    return sum.add(rate.nanos().multiply(BigDecimal.valueOf(tokens)));
  }

  private static void requirePresent(ModelPrice price, Rate rate, String category)
      throws UnpriceableUsageException {
    if (rate == null || !rate.present()) {
      throw new UnpriceableUsageException("model '" + price.key() + "' has no "
          + (rate == null ? category + " price" : "'" + rate.field() + "'")
          + " in the price catalog, so its " + category + " tokens cannot be priced; add the "
          + "price with a pricing.overrides entry for '" + price.key() + "'");
    }
  }

  /** {@code what} names the usage for the error message only: built when needed, not on every call priced. */
  private static long toNanos(ModelPrice price, BigDecimal nanos, java.util.function.Supplier<String> what)
      throws UnpriceableUsageException {
    try {
      return nanos.setScale(0, RoundingMode.CEILING).longValueExact();
    } catch (ArithmeticException e) {
      throw new UnpriceableUsageException("the cost of " + what.get() + " on model '" + price.key()
          + "' is " + nanos.movePointLeft(9).toPlainString()
          + " USD, beyond the largest amount LLMCap counts (" + Long.MAX_VALUE + " nano-dollars)",
          e);
    }
  }

  private static void requireNonNegative(long tokens, String name) {
    if (tokens < 0) {
      throw new IllegalArgumentException(name + " cannot be negative: " + tokens);
    }
  }
}
