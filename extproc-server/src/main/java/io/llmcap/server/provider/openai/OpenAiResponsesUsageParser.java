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
 * Usage of a Responses call: {@code usage} of the response object, which a stream carries only in
 * its terminal event ({@code response.completed}, {@code response.incomplete} when {@code
 * max_output_tokens} was hit, or {@code response.failed}); earlier events have {@code usage:
 * null}. An {@code error} event may end the stream instead.
 *
 * <p>{@code input_tokens} includes {@code input_tokens_details.cached_tokens} (and the 2026
 * {@code cache_write_tokens}); {@code output_tokens} includes reasoning. Built-in web searches are
 * billed per call: each {@code web_search_call} item of the output counts as one search, at the
 * context size the request's tool asked for. The response's {@code service_tier} (the tier that
 * served the call) selects the tier prices.
 */
final class OpenAiResponsesUsageParser extends BaseUsageParser {

  private static final String INPUT = "input_tokens";
  private static final String CACHED = "input_tokens_details.cached_tokens";
  private static final String CACHE_WRITE = "input_tokens_details.cache_write_tokens";
  private static final String OUTPUT = "output_tokens";
  private static final Set<String> TERMINAL =
      Set.of("response.completed", "response.incomplete", "response.failed");

  private final boolean streamRequested;
  private final CostFactors factors;

  /** @param factors the request's: the search context size its web-search tool asked for */
  OpenAiResponsesUsageParser(boolean streamRequested, CostFactors factors) {
    super(Set.of("usage", "model", "output", "service_tier"));
    this.streamRequested = streamRequested;
    this.factors = factors;
  }

  @Override
  protected boolean expectsEventStream() {
    return streamRequested;
  }

  @Override
  protected void onEvent(SseEvent event) {
    JsonNode data = parseEventData(event.data());
    if (data == null) {
      return;
    }
    String type = data.path("type").asText(event.event() == null ? "" : event.event());
    JsonNode response = data.get("response");
    if (response != null && response.isObject()) {
      setModel(response.get("model"));
    }
    if (type.equals("error")) {
      recordProviderError("error event in stream", data);
    } else if (TERMINAL.contains(type) && response != null) {
      onUsage(response.get("usage"), response.get("output"), response.get("service_tier"));
    }
  }

  @Override
  protected void onDocument(Map<String, JsonNode> fields) {
    setModel(fields.get("model"));
    onUsage(fields.get("usage"), fields.get("output"), fields.get("service_tier"));
  }

  private void setModel(JsonNode model) {
    if (model != null && model.isTextual()) {
      setResponseModel(model.textValue());
    }
  }

  private void onUsage(JsonNode usage, JsonNode output, JsonNode tier) {
    if (!isSuccess() || usage == null || !usage.isObject() || !reportsCounts(usage, "input_tokens", "output_tokens")) {
      return;
    }
    TokenCounts counts = new TokenCounts();
    counts.mergeFrom(usage, INPUT, CACHED, CACHE_WRITE, OUTPUT);
    long input = counts.get(INPUT);
    long written = Math.min(counts.get(CACHE_WRITE), input);
    long cached = Math.min(counts.get(CACHED), input - written);
    setUsage(Usage.builder()
        .input(input - written - cached)
        .cacheRead(cached)
        .cacheWrite5m(written)
        .output(counts.get(OUTPUT))
        .webSearchRequests(webSearches(output))
        .webSearchContextSize(factors.searchContextSize())
        .serviceTier(ServiceTier.fromReported(tier != null && tier.isTextual() ? tier.textValue() : null))
        .build());
    markInputSeen();
    markComplete();
  }

  private static long webSearches(JsonNode output) {
    long searches = 0;
    if (output != null && output.isArray()) {
      for (JsonNode item : output) {
        if ("web_search_call".equals(item.path("type").asText())) {
          searches++;
        }
      }
    }
    return searches;
  }
}
