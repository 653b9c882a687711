package io.llmcap.pricing;

/**
 * Token usage of one call, normalised into <b>disjoint</b> billing categories.
 *
 * <p>Providers report overlapping counts (OpenAI's {@code cached_tokens} is a subset of
 * {@code prompt_tokens}; Anthropic's {@code cache_read_input_tokens} is separate from {@code
 * input_tokens}; Gemini's {@code thoughtsTokenCount} is outside {@code candidatesTokenCount}).
 * Provider adapters translate into these categories so that pricing is a plain sum: each token
 * is counted in exactly one field below.
 *
 * @param inputTokens uncached input tokens, billed at the input rate
 * @param cacheReadTokens input tokens served from the prompt cache
 * @param cacheWrite5mTokens input tokens written to the cache with the default (5 minute) TTL
 * @param cacheWrite1hTokens input tokens written to the cache with the 1 hour TTL
 * @param outputTokens output tokens billed at the output rate (includes reasoning where the
 *     provider counts reasoning inside output, as OpenAI and Anthropic do)
 * @param reasoningTokens reasoning tokens reported <i>outside</i> output (Gemini thoughts), billed
 *     at the reasoning rate where the catalog has one, else at the output rate
 */
public record Usage(
    long inputTokens,
    long cacheReadTokens,
    long cacheWrite5mTokens,
    long cacheWrite1hTokens,
    long outputTokens,
    long reasoningTokens) {

  public static final Usage ZERO = new Usage(0, 0, 0, 0, 0, 0);

  public Usage {
    if (inputTokens < 0 || cacheReadTokens < 0 || cacheWrite5mTokens < 0 || cacheWrite1hTokens < 0
        || outputTokens < 0 || reasoningTokens < 0) {
      throw new IllegalArgumentException("token counts cannot be negative: " + this);
    }
  }

  public static Usage of(long inputTokens, long outputTokens) {
    return new Usage(inputTokens, 0, 0, 0, outputTokens, 0);
  }

  /**
   * All input-side tokens of the request (uncached + cache reads + cache writes): the quantity
   * that selects a long-context price tier.
   */
  public long promptTokens() {
    return inputTokens + cacheReadTokens + cacheWrite5mTokens + cacheWrite1hTokens;
  }

  public long totalTokens() {
    return promptTokens() + outputTokens + reasoningTokens;
  }
}
