package io.llmcap.server.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmcap.pricing.Usage;
import io.llmcap.server.provider.BaseUsageParser;
import io.llmcap.server.provider.SseEventReader.SseEvent;
import io.llmcap.server.provider.TokenCounts;
import java.util.Map;
import java.util.Set;

/**
 * Usage of a generateContent call: {@code usageMetadata} of the response, or of each streamed
 * response (SSE with CRLF lines, or the elements of one JSON array sent piecemeal). Streamed
 * reports are running totals: the last one is the bill, and a chunk without {@code usageMetadata},
 * or one that omits a count, resets nothing. The stream is complete when the body ends cleanly
 * after usage was reported.
 *
 * <p>{@code promptTokenCount} includes {@code cachedContentTokenCount}; {@code
 * thoughtsTokenCount} is outside {@code candidatesTokenCount}; {@code toolUsePromptTokenCount} is
 * input billed at the input rate.
 */
final class GeminiUsageParser extends BaseUsageParser {

  private static final String PROMPT = "promptTokenCount";
  private static final String CACHED = "cachedContentTokenCount";
  private static final String CANDIDATES = "candidatesTokenCount";
  private static final String THOUGHTS = "thoughtsTokenCount";
  private static final String TOOL_USE_PROMPT = "toolUsePromptTokenCount";

  private final boolean sseRequested;
  private final TokenCounts counts = new TokenCounts();

  GeminiUsageParser(boolean sseRequested) {
    super(Set.of("usageMetadata", "modelVersion"));
    this.sseRequested = sseRequested;
  }

  @Override
  protected boolean expectsEventStream() {
    return sseRequested;
  }

  @Override
  protected void onEvent(SseEvent event) {
    JsonNode response = parseEventData(event.data());
    if (response == null) {
      return;
    }
    JsonNode error = response.get("error");
    if (error != null && !error.isNull()) {
      recordProviderError("error in stream", error);
    }
    onReport(response.get("modelVersion"), response.get("usageMetadata"));
  }

  @Override
  protected void onDocument(Map<String, JsonNode> fields) {
    onReport(fields.get("modelVersion"), fields.get("usageMetadata"));
  }

  @Override
  protected void onBodyEnd() {
    if (isSuccess() && !counts.isEmpty() && !hasError()) {
      markComplete();
    }
  }

  private void onReport(JsonNode modelVersion, JsonNode usageMetadata) {
    if (modelVersion != null && modelVersion.isTextual()) {
      setResponseModel(modelVersion.textValue());
    }
    if (!isSuccess() || usageMetadata == null || !usageMetadata.isObject()) {
      return;
    }
    counts.mergeFrom(usageMetadata, PROMPT, CACHED, CANDIDATES, THOUGHTS, TOOL_USE_PROMPT);
    long cached = counts.get(CACHED);
    long uncachedPrompt = Math.max(0, counts.get(PROMPT) - cached);
    setUsage(
        new Usage(
            uncachedPrompt + counts.get(TOOL_USE_PROMPT),
            cached,
            0,
            0,
            counts.get(CANDIDATES),
            counts.get(THOUGHTS)));
    if (counts.has(PROMPT)) {
      markInputSeen();
    }
  }
}
