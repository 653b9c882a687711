package io.llmcap.server.provider;

import io.llmcap.pricing.Usage;

/**
 * Usage observed in a response so far.
 *
 * @param usage the best usage known (cumulative counts already merged); {@link Usage#ZERO} if none
 * @param complete true once the provider's final usage report has been read (the bill)
 * @param inputSeen true when the input side has been reported (Anthropic {@code message_start},
 *     Gemini running totals), even if the stream did not complete
 * @param responseModel the model the provider says served the call, or null
 * @param error a short description when the body could not be read (malformed JSON, an error
 *     event in the stream), else null
 */
public record UsageSnapshot(
    Usage usage, boolean complete, boolean inputSeen, String responseModel, String error) {

  public static final UsageSnapshot NONE = new UsageSnapshot(Usage.ZERO, false, false, null, null);
}
