package io.llmcap.server.provider;

import java.util.List;

/**
 * What a request body says about the call's cost.
 *
 * @param model the model id as the caller named it (from the body, or the path for Gemini)
 * @param maxOutputTokens the output limit the request sets, or null when it sets none
 * @param stream whether the response will be a stream
 * @param promptTexts every piece of text the provider will tokenize as input (messages, system
 *     prompt, tool definitions as their JSON text), in order
 * @param messageCount number of messages/turns (each adds a few framing tokens)
 * @param mediaCount number of images, audio clips or documents in the input (bounded separately)
 * @param mayWriteCache true when the request may write the prompt cache (Anthropic
 *     {@code cache_control}), so input may be billed at a cache-write rate
 * @param streamUsageRequested true when an OpenAI-style stream already asks for usage
 * @param costFactors what else the request says about its cost (tools, tier, opened window)
 */
public record ParsedRequest(
    String model,
    Long maxOutputTokens,
    boolean stream,
    List<String> promptTexts,
    int messageCount,
    int mediaCount,
    boolean mayWriteCache,
    boolean streamUsageRequested,
    CostFactors costFactors) {

  public ParsedRequest {
    promptTexts = List.copyOf(promptTexts);
    if (costFactors == null) {
      costFactors = CostFactors.NONE;
    }
  }

  /** A request with no cost factors beyond its texts and output limit. */
  public ParsedRequest(String model, Long maxOutputTokens, boolean stream,
      List<String> promptTexts, int messageCount, int mediaCount, boolean mayWriteCache,
      boolean streamUsageRequested) {
    this(model, maxOutputTokens, stream, promptTexts, messageCount, mediaCount, mayWriteCache,
        streamUsageRequested, CostFactors.NONE);
  }
}
