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
 * input billed at the input rate. Audio is billed at its own rate: {@code
 * promptTokensDetails[modality=AUDIO]} (cached audio included, so it is never billed at the
 * cheaper text cache rate) and {@code candidatesTokensDetails[modality=AUDIO]} are taken out of
 * the text counts.
 */
final class GeminiUsageParser extends BaseUsageParser {

  private static final String PROMPT = "promptTokenCount";
  private static final String CACHED = "cachedContentTokenCount";
  private static final String CANDIDATES = "candidatesTokenCount";
  private static final String THOUGHTS = "thoughtsTokenCount";
  private static final String TOOL_USE_PROMPT = "toolUsePromptTokenCount";

  private final boolean sseRequested;
  private final TokenCounts counts = new TokenCounts();
  private long promptAudio;
  private long candidatesAudio;

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
    if (usageMetadata.has("promptTokensDetails")) {
      promptAudio = audioTokens(usageMetadata.get("promptTokensDetails"));
    }
    if (usageMetadata.has("candidatesTokensDetails")) {
      candidatesAudio = audioTokens(usageMetadata.get("candidatesTokensDetails"));
    }
    long prompt = counts.get(PROMPT);
    long audioIn = Math.min(promptAudio, prompt);
    long cached = Math.min(Math.max(0, counts.get(CACHED) - audioIn), prompt - audioIn);
    long candidates = counts.get(CANDIDATES);
    long audioOut = Math.min(candidatesAudio, candidates);
    setUsage(Usage.builder()
        .input(prompt - audioIn - cached + counts.get(TOOL_USE_PROMPT))
        .cacheRead(cached)
        .audioInput(audioIn)
        .output(candidates - audioOut)
        .audioOutput(audioOut)
        .reasoning(counts.get(THOUGHTS))
        .build());
    if (counts.has(PROMPT)) {
      markInputSeen();
    }
  }

  /** The AUDIO entries of a {@code [{modality, tokenCount}]} list. */
  private static long audioTokens(JsonNode details) {
    long audio = 0;
    if (details != null && details.isArray()) {
      for (JsonNode entry : details) {
        if ("AUDIO".equals(entry.path("modality").asText())) {
          JsonNode count = entry.get("tokenCount");
          if (count != null && !count.isNull()) {
            if (!count.isIntegralNumber() || !count.canConvertToLong() || count.longValue() < 0) {
              throw new IllegalArgumentException(
                  "usage field 'tokenCount' is not a non-negative integer");
            }
            long sum = audio + count.longValue();
            audio = sum < 0 ? Long.MAX_VALUE : sum;
          }
        }
      }
    }
    return audio;
  }
}
