package io.llmcap.server.extproc;

import io.llmcap.pricing.CallBound;
import io.llmcap.pricing.CostCalculator;
import io.llmcap.pricing.InputTokenBound;
import io.llmcap.pricing.ModelPrice;
import io.llmcap.pricing.PriceRoute;
import io.llmcap.pricing.ServiceTier;
import io.llmcap.pricing.TokenCounter;
import io.llmcap.pricing.TokenCounters;
import io.llmcap.pricing.UnpriceableUsageException;
import io.llmcap.server.config.EnforcementConfig;
import io.llmcap.server.provider.CostFactors;
import io.llmcap.server.provider.InvalidRequestException;
import io.llmcap.server.provider.ParsedRequest;
import java.util.OptionalLong;

/**
 * What one call will reserve: its input and output token bounds and their price.
 *
 * <p>In {@code strict} mode the amount is a proven upper bound: input tokens bounded from the body
 * (exact for OpenAI encodings, a byte bound elsewhere, never above the call's context window),
 * plus the tokens the provider adds unseen ({@link CostFactors#hiddenInputTokens()}) and one whole
 * context window per extra pass server-side tools may run; output tokens bounded by the request's
 * limit or else the model's maximum output, plus text that may be billed as output on top
 * (predicted outputs); per-use search fees; all at the dearest service tier the call may be served
 * at. A request whose cost has no bound ({@link CostFactors#unboundedReasons()}) is refused. In
 * {@code estimate} mode input is estimated and output is taken at {@link #ESTIMATED_OUTPUT_TOKENS}
 * at most, so a call near the cap is less eagerly denied and the overshoot is bounded by one
 * call's error.
 *
 * <p><b>Service tier bound.</b> OpenAI serves {@code service_tier: "auto"} at the tier set as the
 * project's default, which may be priority, and the request cannot tell which; so {@code auto}
 * and {@code priority} are bounded at the priority columns where the model has them. A request
 * that names no tier is bounded at standard prices: see the README on projects whose default tier
 * is priority. {@code flex} is bounded at standard prices, which are never lower.
 *
 * @param outputTokens the output limit to write into the request when clamping (without {@link
 *     #extraOutputTokens})
 * @param extraOutputTokens output tokens billed beyond the limit (rejected prediction tokens)
 * @param bound everything the amount prices
 * @param refinable true for a {@link Counting#QUICK} strict plan that an {@link Counting#EXACT}
 *     count could lower (the model has an exact tokenizer)
 */
record CostPlan(long inputTokens, long outputTokens, long amountNanos, boolean mayWriteCache,
    boolean mediaInput, long extraOutputTokens, CallBound bound, boolean refinable) {
  /** Output tokens assumed per call in estimate mode (less when the request asks for less). */
  static final long ESTIMATED_OUTPUT_TOKENS = 1_000;

  /**
   * How a strict plan counts the text it sends. Both are proven upper bounds; an estimate always
   * counts with the model's tokenizer.
   */
  enum Counting {
    /** The model's own tokenizer where LLMCap has it (OpenAI encodings): the tightest bound. */
    EXACT,
    /**
     * The UTF-8 byte bound for every model ({@link TokenCounter#quickBound()}): nanoseconds per
     * kilobyte instead of tens of microseconds, and up to about four times the exact count.
     */
    QUICK
  }

  /** The plan with exact counting. */
  static CostPlan of(PriceRoute route, ParsedRequest request, ModelPrice price, EnforcementConfig.Mode mode)
      throws InvalidRequestException, UnpriceableUsageException {
    return of(route, request, price, mode, Counting.EXACT);
  }

  static CostPlan of(PriceRoute route, ParsedRequest request, ModelPrice price, EnforcementConfig.Mode mode,
      Counting counting) throws InvalidRequestException, UnpriceableUsageException {
    CostFactors factors = request.costFactors();
    boolean strict = mode != EnforcementConfig.Mode.ESTIMATE;
    if (strict && !factors.unboundedReasons().isEmpty()) {
      throw new InvalidRequestException("strict enforcement cannot bound the cost of this call: "
          + String.join("; ", factors.unboundedReasons()) + ". Drop it from the request, or set "
          + "enforcement.mode: estimate to reserve an estimate for such calls");
    }
    TokenCounter exact = TokenCounters.forModel(route, price);
    TokenCounter counter = strict && counting == Counting.QUICK ? exact.quickBound() : exact;
    OptionalLong window = InputTokenBound.contextWindow(price, factors.contextWindowTokens());
    long outputLimit = outputLimit(request, price);
    long input;
    long output;
    long extraOutput = 0;
    boolean media = request.mediaCount() > 0;
    if (!strict) {
      input = InputTokenBound.estimate(counter, request.promptTexts(), request.messageCount(), request.mediaCount(),
          price, window);
      output = Math.min(outputLimit, ESTIMATED_OUTPUT_TOKENS);
    } else {
      input = InputTokenBound.upperBound(counter, request.promptTexts(), request.messageCount(), request.mediaCount(),
          price, window);
      input = sum(input, rereadTokens(request, price, factors, window));
      output = outputLimit;
      for (String text : factors.outputTexts()) {
        extraOutput = sum(extraOutput, counter.upperBound(text));
      }
    }
    input = sum(input, factors.hiddenInputTokens());
    long searches = searches(request, price, factors, strict);
    CallBound bound = new CallBound(input, sum(output, extraOutput), request.mayWriteCache(), media, searches,
        factors.searchContextSize(), boundTier(request, price, strict));
    return new CostPlan(input, output, CostCalculator.bound(price, bound), request.mayWriteCache(), media,
        extraOutput, bound, counter != exact);
  }

  /** This plan with a lower output limit (clamping). */
  CostPlan withOutputTokens(ModelPrice price, long newOutput) throws UnpriceableUsageException {
    CallBound lowered = bound.withOutputTokens(sum(newOutput, extraOutputTokens));
    return new CostPlan(inputTokens, newOutput, CostCalculator.bound(price, lowered), mayWriteCache, mediaInput,
        extraOutputTokens, lowered, refinable);
  }

  /**
   * The largest output limit whose plan costs at most {@code budgetNanos} ({@code -1} if none
   * does): the inverse of {@link #withOutputTokens}, counting this plan's fees, tier and extra
   * output.
   */
  long maxAffordableOutputTokens(ModelPrice price, long budgetNanos) throws UnpriceableUsageException {
    long total = CostCalculator.maxAffordableOutputTokens(price, bound, budgetNanos);
    if (total == Long.MAX_VALUE) {
      return total;
    }
    return total < extraOutputTokens ? -1 : total - extraOutputTokens;
  }

  /**
   * One whole context window per extra pass server-side tools may run: each pass reads the
   * conversation so far, tool results included, and no pass can read more than the window.
   */
  private static long rereadTokens(ParsedRequest request, ModelPrice price, CostFactors factors,
      OptionalLong window) throws InvalidRequestException {
    if (factors.contextRereads() == 0) {
      return 0;
    }
    if (window.isEmpty()) {
      throw new InvalidRequestException("server-side tools of this request may read their results back as input, "
          + "but the price catalog has no context window (max_input_tokens) for model '" + request.model()
          + "' to bound them: add maxInputTokens to its pricing.overrides entry ('" + price.key() + "')");
    }
    long each = window.getAsLong();
    return Long.MAX_VALUE / factors.contextRereads() < each ? Long.MAX_VALUE : factors.contextRereads() * each;
  }

  private static long searches(ParsedRequest request, ModelPrice price, CostFactors factors, boolean strict)
      throws InvalidRequestException {
    if (factors.webSearches() == 0 || price.webSearchPerQuery(factors.searchContextSize()) != null) {
      return factors.webSearches();
    }
    if (!strict) {
      // The estimate leaves the fee out; settlement then finds the searches unpriceable and charges the hold.
      return 0;
    }
    throw new InvalidRequestException("the request may run up to " + factors.webSearches() + " web searches, but the "
        + "price catalog has no search price (search_context_cost_per_query) for model '" + request.model()
        + "': drop the search tool, or set enforcement.mode: estimate");
  }

  private static ServiceTier boundTier(ParsedRequest request, ModelPrice price, boolean strict)
      throws InvalidRequestException {
    String asked = request.costFactors().serviceTier();
    if ("priority".equals(asked)) {
      if (price.hasPriorityPrices()) {
        return ServiceTier.PRIORITY;
      }
      if (strict) {
        throw new InvalidRequestException("the request asks for service_tier 'priority', but the price catalog has no "
            + "priority prices for model '" + request.model() + "': drop service_tier, or set enforcement.mode: "
            + "estimate");
      }
      return ServiceTier.STANDARD;
    }
    if ("auto".equals(asked) && strict && price.hasPriorityPrices()) {
      return ServiceTier.PRIORITY;
    }
    return ServiceTier.STANDARD;
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

  private static long sum(long a, long b) {
    long s = a + b;
    return s < 0 ? Long.MAX_VALUE : s;
  }
}
