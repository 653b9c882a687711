package io.llmcap.server.extproc;

import io.llmcap.pricing.CostCalculator;
import io.llmcap.pricing.InputTokenBound;
import io.llmcap.pricing.ModelPrice;
import io.llmcap.pricing.PriceRoute;
import io.llmcap.pricing.TokenCounter;
import io.llmcap.pricing.TokenCounters;
import io.llmcap.pricing.UnpriceableUsageException;
import io.llmcap.server.config.EnforcementConfig;
import io.llmcap.server.provider.InvalidRequestException;
import io.llmcap.server.provider.ParsedRequest;

/**
 * What one call will reserve: its input and output token bounds and their price.
 *
 * <p>In {@code strict} mode the amount is a proven upper bound: input tokens bounded from the body
 * (exact for OpenAI encodings, a byte bound elsewhere, never above the context window), output
 * tokens bounded by the request's limit or else the model's maximum output. In {@code estimate}
 * mode input is estimated and output is taken at {@link #ESTIMATED_OUTPUT_TOKENS} at most, so a
 * call near the cap is less eagerly denied and the overshoot is bounded by one call's error.
 */
record CostPlan(long inputTokens, long outputTokens, long amountNanos, boolean mayWriteCache, boolean mediaInput) {
  /** Output tokens assumed per call in estimate mode (less when the request asks for less). */
  static final long ESTIMATED_OUTPUT_TOKENS = 1_000;

  static CostPlan of(PriceRoute route, ParsedRequest request, ModelPrice price, EnforcementConfig.Mode mode)
      throws InvalidRequestException, UnpriceableUsageException {
    TokenCounter counter = TokenCounters.forModel(route, price);
    long outputLimit = outputLimit(request, price);
    long input;
    long output;
    if (mode == EnforcementConfig.Mode.ESTIMATE) {
      input = InputTokenBound.estimate(counter, request.promptTexts(), request.messageCount(), request.mediaCount(), price);
      output = Math.min(outputLimit, ESTIMATED_OUTPUT_TOKENS);
    } else {
      input = InputTokenBound.upperBound(counter, request.promptTexts(), request.messageCount(), request.mediaCount(), price);
      output = outputLimit;
    }
    // Media may be billed at audio rates, dearer than text: bound the input at those too.
    boolean media = request.mediaCount() > 0;
    long amount = CostCalculator.bound(price, input, output, request.mayWriteCache(), media);
    return new CostPlan(input, output, amount, request.mayWriteCache(), media);
  }

  /** This plan with a lower output limit (clamping). */
  CostPlan withOutputTokens(ModelPrice price, long newOutput) throws UnpriceableUsageException {
    return new CostPlan(inputTokens, newOutput,
        CostCalculator.bound(price, inputTokens, newOutput, mayWriteCache, mediaInput), mayWriteCache, mediaInput);
  }

  /**
   * The most output tokens the call can produce: the request's own limit, as it wrote it (over
   * all the choices it asks for), else the model's maximum output. A request limit above the
   * model's maximum is not lowered: a catalog that lags a model's real limit must not shrink the
   * bound, and the provider refuses an impossible limit for free anyway.
   */
  private static long outputLimit(ParsedRequest request, ModelPrice price) throws InvalidRequestException {
    Long requested = request.maxOutputTokens();
    if (requested != null) {
      return requested;
    }
    if (price.maxOutputTokens().isPresent()) {
      return price.maxOutputTokens().getAsLong();
    }
    throw new InvalidRequestException("the request sets no output token limit and the price catalog has no maximum "
        + "output for model '" + request.model() + "', so its cost cannot be bounded: set the request's max output "
        + "tokens, or add maxOutputTokens to this model's pricing.overrides entry");
  }
}
