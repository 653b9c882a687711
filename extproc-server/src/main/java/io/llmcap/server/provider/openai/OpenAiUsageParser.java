package io.llmcap.server.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmcap.pricing.ServiceTier;
import io.llmcap.pricing.Usage;
import io.llmcap.server.provider.BaseUsageParser;
import io.llmcap.server.provider.CostFactors;
import io.llmcap.server.provider.SseEventReader.SseEvent;
import io.llmcap.server.provider.TokenCounts;
import java.util.Map;
import java.util.Set;

/**
 * Usage of a chat completion: the {@code usage} object of the JSON response, or of the one stream
 * chunk whose {@code usage} is non-null (sent before {@code [DONE]} only when {@code
 * stream_options.include_usage} was set; Azure may first send a chunk with empty {@code choices}
 * and an empty {@code model}). The input side is only ever reported there, together with the
 * output, so {@code inputSeen} and {@code complete} become true at the same time. The response's
 * {@code service_tier} (the tier that served the call) selects the tier prices.
 */
final class OpenAiUsageParser extends BaseUsageParser {

  private static final String PROMPT = "prompt_tokens";
  private static final String CACHED = "prompt_tokens_details.cached_tokens";
  private static final String COMPLETION = "completion_tokens";
  private static final String AUDIO_IN = "prompt_tokens_details.audio_tokens";
  private static final String CACHE_WRITE = "prompt_tokens_details.cache_write_tokens";
  private static final String AUDIO_OUT = "completion_tokens_details.audio_tokens";

  private final boolean streamRequested;
  private final boolean reportsOutput;
  private final CostFactors factors;
  private final boolean pricesServiceTier;
  private String serviceTier;

  /**
   * @param reportsOutput false for embeddings, whose usage has no completion tokens; every other
   *     API must report both sides for its usage to be a bill
   */
  OpenAiUsageParser(boolean streamRequested, boolean reportsOutput) {
    this(streamRequested, reportsOutput, CostFactors.NONE, false);
  }

  /**
   * @param factors the request's: its per-call searches (search models) are billed with the usage,
   *     since chat usage does not count them
   * @param pricesServiceTier true where the reported {@code service_tier} is OpenAI's (OpenAI,
   *     Azure); compatible servers use the field for tiers of their own that the catalog does not
   *     price
   */
  OpenAiUsageParser(boolean streamRequested, boolean reportsOutput, CostFactors factors,
      boolean pricesServiceTier) {
    super(Set.of("usage", "model", "service_tier"));
    this.streamRequested = streamRequested;
    this.reportsOutput = reportsOutput;
    this.factors = factors;
    this.pricesServiceTier = pricesServiceTier;
  }

  @Override
  protected boolean expectsEventStream() {
    return streamRequested;
  }

  @Override
  protected void onEvent(SseEvent event) {
    if ("[DONE]".equals(event.data().trim())) {
      return;
    }
    JsonNode chunk = parseEventData(event.data());
    if (chunk == null) {
      return;
    }
    JsonNode error = chunk.get("error");
    if (error != null && !error.isNull()) {
      recordProviderError("error in stream", error);
    }
    onReport(chunk.get("model"), chunk.get("usage"), chunk.get("service_tier"));
  }

  @Override
  protected void onDocument(Map<String, JsonNode> fields) {
    onReport(fields.get("model"), fields.get("usage"), fields.get("service_tier"));
  }

  private void onReport(JsonNode model, JsonNode usage, JsonNode tier) {
    if (model != null && model.isTextual()) {
      setResponseModel(model.textValue());
    }
    if (pricesServiceTier && tier != null && tier.isTextual()) {
      serviceTier = tier.textValue();
    }
    if (usage == null || !usage.isObject() || !isSuccess()) {
      return;
    }
    if (!(reportsOutput ? reportsCounts(usage, PROMPT, COMPLETION) : reportsCounts(usage, PROMPT))) {
      return;
    }
    setUsage(toUsage(usage).toBuilder()
        .serviceTier(ServiceTier.fromReported(serviceTier))
        .webSearchRequests(factors.webSearches())
        .webSearchContextSize(factors.searchContextSize())
        .build());
    markInputSeen();
    markComplete();
  }

  /**
   * Chat and legacy-completion usage in disjoint categories: {@code cached_tokens}, {@code
   * audio_tokens} and (2026) {@code cache_write_tokens} are subsets of {@code prompt_tokens};
   * audio and reasoning tokens are inside {@code completion_tokens}. Cached audio is counted as
   * audio (billed in full at the audio rate), never twice. Cache writes are billed at the 5-minute write rate,
   * which this catalog lacks for OpenAI models: such a call is unpriceable, not free.
   */
  static Usage toUsage(JsonNode usage) {
    TokenCounts counts = new TokenCounts();
    counts.mergeFrom(usage, PROMPT, CACHED, COMPLETION, AUDIO_IN, CACHE_WRITE, AUDIO_OUT);
    long prompt = counts.get(PROMPT);
    long audioIn = Math.min(counts.get(AUDIO_IN), prompt);
    long written = Math.min(counts.get(CACHE_WRITE), prompt - audioIn);
    // Which cached tokens were audio is not reported: assume as many as possible were, since
    // audio is billed in full at its own rate, so the text left is never under-billed.
    long cached = Math.min(Math.max(0, counts.get(CACHED) - audioIn), prompt - audioIn - written);
    long completion = counts.get(COMPLETION);
    long audioOut = Math.min(counts.get(AUDIO_OUT), completion);
    return Usage.builder()
        .input(prompt - audioIn - written - cached)
        .cacheRead(cached)
        .cacheWrite5m(written)
        .audioInput(audioIn)
        .output(completion - audioOut)
        .audioOutput(audioOut)
        .build();
  }
}
