package io.llmcap.server.provider.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmcap.pricing.Usage;
import io.llmcap.server.provider.BaseUsageParser;
import io.llmcap.server.provider.SseEventReader.SseEvent;
import java.util.Map;
import java.util.Set;

/**
 * Usage of a Cohere v2 chat call: {@code usage.billed_units} (what Cohere bills; {@code
 * usage.tokens} also counts its prompt template) of the response, or of the stream's {@code
 * message-end} event ({@code delta.usage}). A {@code message-end} carrying {@code delta.error}
 * ended in an error. {@code billed_units.search_units} and {@code classifications} are charges
 * this catalog has no price for: a call reporting them is unpriceable, so its reservation is kept.
 */
final class CohereChatUsageParser extends BaseUsageParser {

  private final boolean streamRequested;

  CohereChatUsageParser(boolean streamRequested) {
    super(Set.of("usage"));
    this.streamRequested = streamRequested;
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
    if (!type.equals("message-end")) {
      return;
    }
    JsonNode delta = data.path("delta");
    JsonNode error = delta.get("error");
    if (error != null && !error.isNull()) {
      recordError("error in message-end event");
    }
    onUsage(delta.get("usage"));
  }

  @Override
  protected void onDocument(Map<String, JsonNode> fields) {
    onUsage(fields.get("usage"));
  }

  private static boolean positive(JsonNode value) {
    return value != null && value.isNumber() && value.decimalValue().signum() > 0;
  }

  /**
   * A billed count: Cohere's schema types billed units as numbers (its SDKs as floats), so a
   * whole-valued decimal such as {@code 21.0} is accepted; a fraction is not a token count.
   */
  private static long count(JsonNode value, String field) {
    if (value == null || value.isNull()) {
      return 0;
    }
    if (value.isIntegralNumber() && value.canConvertToLong() && value.longValue() >= 0) {
      return value.longValue();
    }
    if (value.isFloatingPointNumber()) {
      java.math.BigDecimal d = value.decimalValue();
      if (d.signum() >= 0 && d.stripTrailingZeros().scale() <= 0
          && d.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) <= 0) {
        return d.longValueExact();
      }
    }
    throw new IllegalArgumentException(
        "usage field 'billed_units." + field + "' is not a whole non-negative number");
  }

  private void onUsage(JsonNode usage) {
    if (!isSuccess() || usage == null || !usage.isObject()) {
      return;
    }
    JsonNode billed = usage.path("billed_units");
    if (!reportsCounts(billed, "input_tokens", "output_tokens")) {
      return;
    }
    if (positive(billed.get("search_units")) || positive(billed.get("classifications"))) {
      recordError("Cohere billed search units or classifications, which have no catalog price");
      return;
    }
    setUsage(Usage.of(count(billed.get("input_tokens"), "input_tokens"),
        count(billed.get("output_tokens"), "output_tokens")));
    markInputSeen();
    markComplete();
  }
}
