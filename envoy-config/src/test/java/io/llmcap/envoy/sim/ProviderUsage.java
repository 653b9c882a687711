package io.llmcap.envoy.sim;

/** Token counts a fake provider reports, in each provider's own categories (docs/providers.md §2). */
public final class ProviderUsage {

    private ProviderUsage() {
    }

    /** OpenAI chat: cached, cache-write and reasoning tokens are subsets of prompt/completion tokens. */
    public record OpenAi(long promptTokens, long completionTokens, long cachedTokens, long cacheWriteTokens,
                         long reasoningTokens) {
        public static OpenAi of(long promptTokens, long completionTokens) {
            return new OpenAi(promptTokens, completionTokens, 0, 0, 0);
        }
    }

    /** Anthropic: input excludes cache reads and writes; writes split by TTL. */
    public record Anthropic(long inputTokens, long outputTokens, long cacheWrite5mTokens, long cacheWrite1hTokens,
                            long cacheReadTokens) {
        public static Anthropic of(long inputTokens, long outputTokens) {
            return new Anthropic(inputTokens, outputTokens, 0, 0, 0);
        }
    }

    /** Gemini: prompt includes cached tokens; thoughts are outside candidates. */
    public record Gemini(long promptTokenCount, long candidatesTokenCount, long cachedContentTokenCount,
                         long thoughtsTokenCount) {
        public static Gemini of(long promptTokenCount, long candidatesTokenCount) {
            return new Gemini(promptTokenCount, candidatesTokenCount, 0, 0);
        }
    }
}
