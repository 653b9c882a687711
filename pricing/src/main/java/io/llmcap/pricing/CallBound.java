package io.llmcap.pricing;

/**
 * What a call may consume at most, to be priced as an upper bound by {@link
 * CostCalculator#bound(ModelPrice, CallBound)}.
 *
 * @param inputTokens input-side tokens at most (all passes of the call together)
 * @param outputTokens output tokens at most (reasoning included)
 * @param mayWriteCache true when input may be billed at a cache-write rate
 * @param mediaInput true when input may be billed at the audio input rate
 * @param webSearches web searches the call may run at most, each billed {@code
 *     search_context_cost_per_query}
 * @param searchContextSize the {@code search_context_size} the searches use, or null for the
 *     dearest size
 * @param serviceTier the dearest tier the call may be served at
 */
public record CallBound(
    long inputTokens,
    long outputTokens,
    boolean mayWriteCache,
    boolean mediaInput,
    long webSearches,
    String searchContextSize,
    ServiceTier serviceTier) {

  public CallBound {
    if (inputTokens < 0 || outputTokens < 0 || webSearches < 0) {
      throw new IllegalArgumentException("a call bound cannot be negative: " + inputTokens
          + " input, " + outputTokens + " output tokens, " + webSearches + " web searches");
    }
    if (serviceTier == null) {
      throw new IllegalArgumentException("a call bound needs a service tier");
    }
  }

  /** Tokens only, at the standard tier, without web searches. */
  public static CallBound ofTokens(long inputTokens, long outputTokens, boolean mayWriteCache,
      boolean mediaInput) {
    return new CallBound(inputTokens, outputTokens, mayWriteCache, mediaInput, 0, null,
        ServiceTier.STANDARD);
  }

  /** The same bound with another output limit. */
  public CallBound withOutputTokens(long newOutputTokens) {
    return new CallBound(inputTokens, newOutputTokens, mayWriteCache, mediaInput, webSearches,
        searchContextSize, serviceTier);
  }
}
