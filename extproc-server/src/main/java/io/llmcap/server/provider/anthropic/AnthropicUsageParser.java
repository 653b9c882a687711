package io.llmcap.server.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmcap.pricing.Usage;
import io.llmcap.server.provider.BaseUsageParser;
import io.llmcap.server.provider.EventStreamDecoder;
import io.llmcap.server.provider.SseEventReader.SseEvent;
import io.llmcap.server.provider.TokenCounts;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

/**
 * Usage of a Messages call. In a stream, {@code message_start} reports the input side, and every
 * {@code message_delta} carries <i>cumulative</i> usage (output, and in newer versions input and
 * cache fields too): each report overrides only the fields it carries, nothing is added. The
 * stream is complete at {@code message_stop} after a {@code message_delta}; an {@code error} event
 * may arrive after HTTP 200.
 */
final class AnthropicUsageParser extends BaseUsageParser {

  private static final String INPUT = "input_tokens";
  private static final String CACHE_READ = "cache_read_input_tokens";
  private static final String CACHE_WRITE = "cache_creation_input_tokens";
  private static final String WRITE_5M = "cache_creation.ephemeral_5m_input_tokens";
  private static final String WRITE_1H = "cache_creation.ephemeral_1h_input_tokens";
  private static final String OUTPUT = "output_tokens";
  private static final String WEB_SEARCHES = "server_tool_use.web_search_requests";
  private static final String[] FIELDS = {
    INPUT, CACHE_READ, CACHE_WRITE, WRITE_5M, WRITE_1H, OUTPUT, WEB_SEARCHES
  };

  private final boolean streamRequested;
  private final boolean bedrockStream;
  private final TokenCounts counts = new TokenCounts();
  private boolean deltaSeen;

  /**
   * @param bedrockStream true when a stream comes in Bedrock's binary event-stream framing
   *     (InvokeModelWithResponseStream) rather than SSE
   */
  AnthropicUsageParser(boolean streamRequested, boolean bedrockStream) {
    super(Set.of("type", "model", "usage"));
    this.streamRequested = streamRequested;
    this.bedrockStream = bedrockStream;
  }

  @Override
  protected boolean expectsEventStream() {
    return streamRequested;
  }

  @Override
  protected String streamContentType() {
    return bedrockStream ? AWS_EVENT_STREAM : super.streamContentType();
  }

  @Override
  protected void onEvent(SseEvent event) {
    JsonNode data = parseEventData(event.data());
    if (data == null) {
      return;
    }
    onStreamEvent(data.path("type").asText(event.event() == null ? "" : event.event()), data);
  }

  /**
   * Bedrock's InvokeModelWithResponseStream: each {@code chunk} message carries one Anthropic
   * stream event as base64 in {@code bytes}; exception messages end the stream.
   */
  @Override
  protected void onMessage(EventStreamDecoder.Message message) {
    String messageType = message.header(":message-type");
    if (!"event".equals(messageType)) {
      String exception = message.header(":exception-type");
      recordError("Bedrock stream " + messageType + ": "
          + (exception == null ? "unknown" : exception));
      return;
    }
    JsonNode chunk = parseEventData(new String(message.payload(), StandardCharsets.UTF_8));
    JsonNode bytes = chunk == null ? null : chunk.get("bytes");
    if (bytes == null || !bytes.isTextual()) {
      return;
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(bytes.textValue());
    } catch (IllegalArgumentException e) {
      recordError("Bedrock stream chunk is not valid base64");
      return;
    }
    JsonNode data = parseEventData(new String(decoded, StandardCharsets.UTF_8));
    if (data != null) {
      onStreamEvent(data.path("type").asText(""), data);
    }
  }

  private void onStreamEvent(String type, JsonNode data) {
    switch (type) {
      case "message_start" -> {
        JsonNode message = data.path("message");
        setModel(message.get("model"));
        merge(message.get("usage"));
        markInputSeen();
      }
      case "message_delta" -> {
        merge(data.get("usage"));
        deltaSeen = true;
      }
      case "message_stop" -> {
        if (deltaSeen) {
          markComplete();
        }
      }
      case "error" -> recordProviderError("error event in stream", data.get("error"));
      default -> {
        // ping and content_block_* events carry no usage.
      }
    }
  }

  @Override
  protected void onDocument(Map<String, JsonNode> fields) {
    setModel(fields.get("model"));
    JsonNode usage = fields.get("usage");
    if (isSuccess() && usage != null && usage.isObject()) {
      merge(usage);
      markInputSeen();
      markComplete();
    }
  }

  private void setModel(JsonNode model) {
    if (model != null && model.isTextual()) {
      setResponseModel(model.textValue());
    }
  }

  private void merge(JsonNode usage) {
    counts.mergeFrom(usage, FIELDS);
    long write1h = counts.get(WRITE_1H);
    long totalWrites = counts.get(CACHE_WRITE);
    // Without the TTL split every write is a 5-minute write; with it, any unexplained
    // remainder of the total is billed at the 5-minute rate rather than dropped.
    long write5m =
        counts.has(WRITE_5M) || counts.has(WRITE_1H)
            ? Math.max(counts.get(WRITE_5M), totalWrites - write1h)
            : totalWrites;
    setUsage(Usage.builder()
        .input(counts.get(INPUT))
        .cacheRead(counts.get(CACHE_READ))
        .cacheWrite5m(write5m)
        .cacheWrite1h(write1h)
        .output(counts.get(OUTPUT))
        .webSearchRequests(counts.get(WEB_SEARCHES))
        .build());
  }
}
