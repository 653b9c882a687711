package io.llmcap.pricing;

/**
 * Usage of one call, normalised into <b>disjoint</b> billing categories.
 *
 * <p>Providers report overlapping counts (OpenAI's {@code cached_tokens} is a subset of
 * {@code prompt_tokens}; Anthropic's {@code cache_read_input_tokens} is separate from {@code
 * input_tokens}; Gemini's {@code thoughtsTokenCount} is outside {@code candidatesTokenCount}).
 * Provider adapters translate into these categories so that pricing is a plain sum: each token
 * is counted in exactly one field below.
 *
 * <p>Build new values with {@link #builder()}: the canonical constructor grows whenever the
 * catalog learns a new priced quantity, the builder does not.
 *
 * @param inputTokens uncached text (and image) input tokens, billed at the input rate
 * @param cacheReadTokens input tokens served from the prompt cache
 * @param cacheWrite5mTokens input tokens written to the cache with the default (5 minute) TTL
 * @param cacheWrite1hTokens input tokens written to the cache with the 1 hour TTL
 * @param outputTokens text output tokens billed at the output rate (includes reasoning where the
 *     provider counts reasoning inside output, as OpenAI and Anthropic do)
 * @param reasoningTokens reasoning tokens reported <i>outside</i> output (Gemini thoughts), billed
 *     at the reasoning rate where the catalog has one, else at the output rate
 * @param audioInputTokens uncached audio input tokens, billed at {@code
 *     input_cost_per_audio_token} (OpenAI {@code prompt_tokens_details.audio_tokens}, Gemini
 *     {@code promptTokensDetails[modality=AUDIO]})
 * @param audioOutputTokens audio output tokens, billed at {@code output_cost_per_audio_token}
 * @param webSearchRequests server-side web searches, billed per query at {@code
 *     search_context_cost_per_query} (Anthropic {@code server_tool_use.web_search_requests})
 * @param webSearchContextSize the {@code search_context_size} the searches used ({@code low},
 *     {@code medium}, {@code high}), or null when unknown: then the dearest size is charged
 * @param serviceTier the tier the provider says it served the call at (OpenAI {@code
 *     service_tier}); never null
 */
public record Usage(
    long inputTokens,
    long cacheReadTokens,
    long cacheWrite5mTokens,
    long cacheWrite1hTokens,
    long outputTokens,
    long reasoningTokens,
    long audioInputTokens,
    long audioOutputTokens,
    long webSearchRequests,
    String webSearchContextSize,
    ServiceTier serviceTier) {

  public static final Usage ZERO = new Usage(0, 0, 0, 0, 0, 0, 0, 0, 0);

  public Usage {
    if (serviceTier == null) {
      throw new IllegalArgumentException("usage needs a service tier (STANDARD when none is known)");
    }
    if (inputTokens < 0 || cacheReadTokens < 0 || cacheWrite5mTokens < 0 || cacheWrite1hTokens < 0
        || outputTokens < 0 || reasoningTokens < 0 || audioInputTokens < 0
        || audioOutputTokens < 0 || webSearchRequests < 0) {
      throw new IllegalArgumentException("usage counts cannot be negative: " + inputTokens + ", "
          + cacheReadTokens + ", " + cacheWrite5mTokens + ", " + cacheWrite1hTokens + ", "
          + outputTokens + ", " + reasoningTokens + ", " + audioInputTokens + ", "
          + audioOutputTokens + ", " + webSearchRequests);
    }
  }

  /** Token and web-search counts at the standard tier, searches at their dearest size. */
  public Usage(long inputTokens, long cacheReadTokens, long cacheWrite5mTokens,
      long cacheWrite1hTokens, long outputTokens, long reasoningTokens, long audioInputTokens,
      long audioOutputTokens, long webSearchRequests) {
    this(inputTokens, cacheReadTokens, cacheWrite5mTokens, cacheWrite1hTokens, outputTokens,
        reasoningTokens, audioInputTokens, audioOutputTokens, webSearchRequests, null,
        ServiceTier.STANDARD);
  }

  /** Text-token usage only (the six token categories every API reports). */
  public Usage(long inputTokens, long cacheReadTokens, long cacheWrite5mTokens,
      long cacheWrite1hTokens, long outputTokens, long reasoningTokens) {
    this(inputTokens, cacheReadTokens, cacheWrite5mTokens, cacheWrite1hTokens, outputTokens,
        reasoningTokens, 0, 0, 0);
  }

  public static Usage of(long inputTokens, long outputTokens) {
    return new Usage(inputTokens, 0, 0, 0, outputTokens, 0);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this usage's counts. */
  public Builder toBuilder() {
    return new Builder().input(inputTokens).cacheRead(cacheReadTokens)
        .cacheWrite5m(cacheWrite5mTokens).cacheWrite1h(cacheWrite1hTokens).output(outputTokens)
        .reasoning(reasoningTokens).audioInput(audioInputTokens).audioOutput(audioOutputTokens)
        .webSearchRequests(webSearchRequests).webSearchContextSize(webSearchContextSize)
        .serviceTier(serviceTier);
  }

  /**
   * All input-side tokens of the request (uncached text and audio, cache reads, cache writes):
   * the quantity that selects a long-context price tier. Saturates at {@link Long#MAX_VALUE}.
   */
  public long promptTokens() {
    return sum(sum(sum(inputTokens, audioInputTokens), cacheReadTokens),
        sum(cacheWrite5mTokens, cacheWrite1hTokens));
  }

  public long totalTokens() {
    return sum(sum(promptTokens(), outputTokens), sum(reasoningTokens, audioOutputTokens));
  }

  private static long sum(long a, long b) {
    long s = a + b;
    return s < 0 ? Long.MAX_VALUE : s;
  }

  /** Builds a {@link Usage}; unset counts are zero. */
  public static final class Builder {
    private long input;
    private long cacheRead;
    private long cacheWrite5m;
    private long cacheWrite1h;
    private long output;
    private long reasoning;
    private long audioInput;
    private long audioOutput;
    private long webSearchRequests;
    private String webSearchContextSize;
    private ServiceTier serviceTier = ServiceTier.STANDARD;

    private Builder() {}

    public Builder input(long tokens) {
      this.input = tokens;
      return this;
    }

    public Builder cacheRead(long tokens) {
      this.cacheRead = tokens;
      return this;
    }

    public Builder cacheWrite5m(long tokens) {
      this.cacheWrite5m = tokens;
      return this;
    }

    public Builder cacheWrite1h(long tokens) {
      this.cacheWrite1h = tokens;
      return this;
    }

    public Builder output(long tokens) {
      this.output = tokens;
      return this;
    }

    public Builder reasoning(long tokens) {
      this.reasoning = tokens;
      return this;
    }

    public Builder audioInput(long tokens) {
      this.audioInput = tokens;
      return this;
    }

    public Builder audioOutput(long tokens) {
      this.audioOutput = tokens;
      return this;
    }

    public Builder webSearchRequests(long requests) {
      this.webSearchRequests = requests;
      return this;
    }

    public Builder webSearchContextSize(String size) {
      this.webSearchContextSize = size;
      return this;
    }

    public Builder serviceTier(ServiceTier tier) {
      this.serviceTier = tier;
      return this;
    }

    /** @throws IllegalArgumentException when a count is negative or the tier is null */
    public Usage build() {
      return new Usage(input, cacheRead, cacheWrite5m, cacheWrite1h, output, reasoning,
          audioInput, audioOutput, webSearchRequests, webSearchContextSize, serviceTier);
    }
  }
}
