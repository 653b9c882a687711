package io.llmcap.server.provider;

import java.util.ArrayList;
import java.util.List;

/**
 * What a request says about its cost beyond its own texts and output limit: input the provider
 * adds or fetches, extra model passes, per-use fees, the service tier, and anything whose cost no
 * bound exists for. The adapter reads these from the request; {@code CostPlan} prices them.
 *
 * @param contextWindowTokens a context window the request opens beyond the model's catalog one
 *     (Anthropic's {@code context-1m} beta: 1,000,000), or null
 * @param hiddenInputTokens input tokens the provider adds that the body does not show (the system
 *     prompts of Anthropic's computer, bash and text-editor tools)
 * @param contextRereads extra model passes that server-side tools may run within the call, each
 *     re-reading at most a whole context window as input (a web search or fetch feeds its results
 *     back and the model reads the conversation again)
 * @param outputTexts texts that may be billed as output on top of the output limit (OpenAI
 *     predicted outputs: rejected prediction tokens are billed as completion tokens)
 * @param webSearches web searches the call may run at most, each billed per query
 * @param searchContextSize the {@code search_context_size} of those searches, or null when
 *     unknown (the dearest size is then charged)
 * @param serviceTier the {@code service_tier} the request asks for, lower case, or null
 * @param unboundedReasons why the call's cost has no provable bound (a server-side tool without a
 *     use limit, a fee billed by time); empty when it has one. Strict mode refuses such a call
 */
public record CostFactors(
    Long contextWindowTokens,
    long hiddenInputTokens,
    long contextRereads,
    List<String> outputTexts,
    long webSearches,
    String searchContextSize,
    String serviceTier,
    List<String> unboundedReasons) {

  public static final CostFactors NONE =
      new CostFactors(null, 0, 0, List.of(), 0, null, null, List.of());

  public CostFactors {
    outputTexts = List.copyOf(outputTexts);
    unboundedReasons = List.copyOf(unboundedReasons);
    if (hiddenInputTokens < 0 || contextRereads < 0 || webSearches < 0) {
      throw new IllegalArgumentException("cost factors cannot be negative");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Collects cost factors while a request is parsed; counts saturate instead of overflowing. */
  public static final class Builder {
    private Long contextWindowTokens;
    private long hiddenInputTokens;
    private long contextRereads;
    private final List<String> outputTexts = new ArrayList<>();
    private long webSearches;
    private String searchContextSize;
    private boolean searchSizesDiffer;
    private String serviceTier;
    private final List<String> unboundedReasons = new ArrayList<>();

    private Builder() {}

    public Builder contextWindow(long tokens) {
      contextWindowTokens = contextWindowTokens == null ? tokens : Math.max(contextWindowTokens, tokens);
      return this;
    }

    public Builder hiddenInput(long tokens) {
      hiddenInputTokens = sum(hiddenInputTokens, tokens);
      return this;
    }

    public Builder rereads(long passes) {
      contextRereads = sum(contextRereads, passes);
      return this;
    }

    public Builder outputText(String text) {
      outputTexts.add(text);
      return this;
    }

    /** Up to {@code count} searches at {@code size} (null: unknown, charged at the dearest). */
    public Builder webSearches(long count, String size) {
      if (webSearches > 0 && !java.util.Objects.equals(searchContextSize, size)) {
        searchSizesDiffer = true;
      }
      webSearches = sum(webSearches, count);
      searchContextSize = size;
      return this;
    }

    public Builder serviceTier(String tier) {
      serviceTier = tier;
      return this;
    }

    public Builder unbounded(String reason) {
      unboundedReasons.add(reason);
      return this;
    }

    public CostFactors build() {
      return new CostFactors(contextWindowTokens, hiddenInputTokens, contextRereads, outputTexts,
          webSearches, searchSizesDiffer ? null : searchContextSize, serviceTier,
          unboundedReasons);
    }

    private static long sum(long a, long b) {
      long s = a + b;
      return s < 0 ? Long.MAX_VALUE : s;
    }
  }
}
