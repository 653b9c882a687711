package io.llmcap.server.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmcap.pricing.Usage;
import io.llmcap.server.provider.BaseUsageParser;
import io.llmcap.server.provider.SseEventReader.SseEvent;
import io.llmcap.server.provider.TokenCounts;
import java.util.Map;
import java.util.Set;

/**
 * Usage of a chat completion: the {@code usage} object of the JSON response, or of the one stream
 * chunk whose {@code usage} is non-null (sent before {@code [DONE]} only when {@code
 * stream_options.include_usage} was set; Azure may first send a chunk with empty {@code choices}
 * and an empty {@code model}). The input side is only ever reported there, together with the
 * output, so {@code inputSeen} and {@code complete} become true at the same time.
 */
final class OpenAiUsageParser extends BaseUsageParser {

  private static final String PROMPT = "prompt_tokens";
  private static final String CACHED = "prompt_tokens_details.cached_tokens";
  private static final String COMPLETION = "completion_tokens";

  private final boolean streamRequested;

  OpenAiUsageParser(boolean streamRequested) {
    super(Set.of("usage", "model"));
    this.streamRequested = streamRequested;
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
    onReport(chunk.get("model"), chunk.get("usage"));
  }

  @Override
  protected void onDocument(Map<String, JsonNode> fields) {
    onReport(fields.get("model"), fields.get("usage"));
  }

  private void onReport(JsonNode model, JsonNode usage) {
    if (model != null && model.isTextual()) {
      setResponseModel(model.textValue());
    }
    if (usage == null || !usage.isObject() || !isSuccess()) {
      return;
    }
    TokenCounts counts = new TokenCounts();
    counts.mergeFrom(usage, PROMPT, CACHED, COMPLETION);
    // cached_tokens is a subset of prompt_tokens; reasoning is inside completion_tokens.
    long cached = counts.get(CACHED);
    setUsage(
        new Usage(
            Math.max(0, counts.get(PROMPT) - cached), cached, 0, 0, counts.get(COMPLETION), 0));
    markInputSeen();
    markComplete();
  }
}
