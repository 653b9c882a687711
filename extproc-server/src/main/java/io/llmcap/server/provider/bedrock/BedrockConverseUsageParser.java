package io.llmcap.server.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmcap.pricing.Usage;
import io.llmcap.server.provider.BaseUsageParser;
import io.llmcap.server.provider.EventStreamDecoder;
import io.llmcap.server.provider.SseEventReader.SseEvent;
import io.llmcap.server.provider.TokenCounts;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * Usage of a Converse call: {@code usage} of the response, or of the stream's final {@code
 * metadata} event (binary event-stream framing; a bad CRC makes the stream unreadable and so
 * unpriced). {@code inputTokens} excludes cache reads and writes; {@code cacheDetails} splits the
 * writes by TTL ({@code 5m}, {@code 1h}); writes it does not explain are billed as 5-minute
 * writes. Exception messages ({@code throttlingException}, {@code modelStreamErrorException}, …)
 * end the stream with an error.
 */
final class BedrockConverseUsageParser extends BaseUsageParser {

  private static final String INPUT = "inputTokens";
  private static final String OUTPUT = "outputTokens";
  private static final String CACHE_READ = "cacheReadInputTokens";
  private static final String CACHE_WRITE = "cacheWriteInputTokens";

  private final boolean streamRequested;

  BedrockConverseUsageParser(boolean streamRequested) {
    super(Set.of("usage"));
    this.streamRequested = streamRequested;
  }

  @Override
  protected boolean expectsEventStream() {
    return streamRequested;
  }

  @Override
  protected String streamContentType() {
    return AWS_EVENT_STREAM;
  }

  @Override
  protected void onEvent(SseEvent event) {
    recordError("unexpected SSE response from Bedrock");
  }

  @Override
  protected void onMessage(EventStreamDecoder.Message message) {
    String messageType = message.header(":message-type");
    if (!"event".equals(messageType)) {
      String exception = message.header(":exception-type");
      recordError("Bedrock stream " + messageType + ": "
          + (exception == null ? "unknown" : exception));
      return;
    }
    if ("metadata".equals(message.header(":event-type"))) {
      JsonNode metadata = parseEventData(new String(message.payload(), StandardCharsets.UTF_8));
      if (metadata != null) {
        onUsage(metadata.get("usage"));
      }
    }
  }

  @Override
  protected void onDocument(Map<String, JsonNode> fields) {
    onUsage(fields.get("usage"));
  }

  private void onUsage(JsonNode usage) {
    if (!isSuccess() || usage == null || !usage.isObject() || !reportsCounts(usage, "inputTokens", "outputTokens")) {
      return;
    }
    TokenCounts counts = new TokenCounts();
    counts.mergeFrom(usage, INPUT, OUTPUT, CACHE_READ, CACHE_WRITE);
    long write1h = 0;
    JsonNode details = usage.get("cacheDetails");
    if (details != null && details.isArray()) {
      for (JsonNode detail : details) {
        if ("1h".equals(detail.path("ttl").asText())) {
          TokenCounts one = new TokenCounts();
          one.mergeFrom(detail, INPUT);
          long sum = write1h + one.get(INPUT);
          write1h = sum < 0 ? Long.MAX_VALUE : sum;
        }
      }
    }
    // The details never explain more writes than were made; if they say so, trust the larger.
    long writes = Math.max(counts.get(CACHE_WRITE), write1h);
    setUsage(Usage.builder()
        .input(counts.get(INPUT))
        .output(counts.get(OUTPUT))
        .cacheRead(counts.get(CACHE_READ))
        .cacheWrite5m(writes - write1h)
        .cacheWrite1h(write1h)
        .build());
    markInputSeen();
    markComplete();
  }
}
