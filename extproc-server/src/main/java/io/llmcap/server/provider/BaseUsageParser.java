package io.llmcap.server.provider;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmcap.pricing.Usage;
import java.io.IOException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The framing shared by every provider's usage reader: choose SSE or JSON from the response
 * headers, split the body into events or documents whatever the chunking, and record upstream
 * errors. Subclasses only interpret events and documents. Not thread-safe: one per call.
 */
public abstract class BaseUsageParser implements UsageParser {

  /** Bedrock's binary streaming framing. */
  public static final String AWS_EVENT_STREAM = "application/vnd.amazon.eventstream";

  /** The longest SSE line kept; provider events are far smaller. */
  public static final int MAX_SSE_LINE_BYTES = 16 * 1024 * 1024;

  private final Set<String> documentFields;
  private int status = 200;
  private SseEventReader sse;
  private JsonDocumentScanner json;
  private EventStreamDecoder binary;
  private boolean ended;

  private Usage usage = Usage.ZERO;
  private boolean complete;
  private boolean inputSeen;
  private String responseModel;
  private String error;

  /**
   * @param documentFields the top-level fields of a JSON response (or of each element of a JSON
   *     array stream) the subclass wants; {@code error} is always added
   */
  protected BaseUsageParser(Set<String> documentFields) {
    Set<String> fields = new HashSet<>(documentFields);
    fields.add("error");
    this.documentFields = Set.copyOf(fields);
  }

  @Override
  public final void onResponseHeaders(int status, String contentType) {
    this.status = status;
    boolean eventStream =
        contentType != null
            && contentType.toLowerCase(Locale.ROOT).trim().startsWith("text/event-stream");
    boolean awsEventStream =
        contentType != null
            && contentType.toLowerCase(Locale.ROOT).trim().startsWith(AWS_EVENT_STREAM);
    if (eventStream && isSuccess()) {
      sse = new SseEventReader(this::dispatchEvent, MAX_SSE_LINE_BYTES);
    } else if (awsEventStream && isSuccess()) {
      binary = new EventStreamDecoder(this::dispatchMessage);
    } else {
      json = new JsonDocumentScanner(documentFields, this::dispatchDocument);
    }
  }

  @Override
  public final void onBody(byte[] chunk) {
    if (chunk == null || chunk.length == 0 || ended) {
      return;
    }
    if (sse == null && json == null && binary == null) {
      // Headers were not reported: assume the framing the request asked for.
      onResponseHeaders(status, expectsEventStream() ? streamContentType() : "application/json");
    }
    if (binary != null) {
      binary.feed(chunk);
      if (binary.failure() != null) {
        recordError(binary.failure());
      }
    } else if (sse != null) {
      sse.feed(chunk);
      if (sse.overflowed()) {
        recordError("response stream has a line longer than " + MAX_SSE_LINE_BYTES + " bytes");
      }
    } else {
      json.feed(chunk);
      if (json.failure() != null) {
        recordError(json.failure());
      }
    }
  }

  @Override
  public final void onEnd() {
    if (ended) {
      return;
    }
    ended = true;
    if (binary != null) {
      binary.end();
      if (binary.failure() != null) {
        recordError(binary.failure());
      }
    } else if (sse != null) {
      sse.end();
    } else if (json != null) {
      json.end();
      if (json.failure() != null && isSuccess()) {
        recordError(json.failure());
      }
    }
    if (!isSuccess() && error == null) {
      error = "upstream HTTP " + status;
    }
    onBodyEnd();
  }

  @Override
  public final UsageSnapshot snapshot() {
    return new UsageSnapshot(usage, complete, inputSeen, responseModel, error);
  }

  /** True when the request asked for a stream framed as SSE; used only if headers never came. */
  protected abstract boolean expectsEventStream();

  /** The content type of a stream of this API: SSE unless overridden (Bedrock). */
  protected String streamContentType() {
    return "text/event-stream";
  }

  /** One SSE event of a 2xx response. */
  protected abstract void onEvent(SseEventReader.SseEvent event);

  /**
   * One AWS event-stream message of a 2xx response (Bedrock). APIs that never answer in that
   * framing keep this default: a body we cannot interpret cannot be priced from.
   */
  protected void onMessage(EventStreamDecoder.Message message) {
    recordError("unexpected binary event stream response");
  }

  /** The wanted top-level fields of one JSON document (present ones only). */
  protected abstract void onDocument(Map<String, JsonNode> fields);

  /** Called once after the body ended and the last event or document was handled. */
  protected void onBodyEnd() {}

  protected final boolean isSuccess() {
    return status >= 200 && status < 300;
  }

  /** Parses an SSE data payload; a malformed one is recorded as an error and yields null. */
  protected final JsonNode parseEventData(String data) {
    try {
      return StrictJson.responseMapper().readTree(data);
    } catch (IOException e) {
      recordError("stream event is not valid JSON");
      return null;
    }
  }

  protected final void setUsage(Usage usage) {
    this.usage = usage;
  }

  /**
   * Whether a usage report carries every count it must have to be a bill. A report without them
   * (some OpenAI-compatible servers send {@code "usage": {}}) is not read as zero tokens: the call
   * then stays incomplete and is settled conservatively.
   */
  protected final boolean reportsCounts(JsonNode usage, String... fields) {
    for (String field : fields) {
      JsonNode value = usage.get(field);
      if (value == null || !value.isNumber()) {
        recordError("usage report without '" + field + "'");
        return false;
      }
    }
    return true;
  }

  protected final void markComplete() {
    this.complete = true;
  }

  protected final void markInputSeen() {
    this.inputSeen = true;
  }

  protected final boolean hasError() {
    return error != null;
  }

  protected final void setResponseModel(String model) {
    if (model != null && !model.isEmpty()) {
      this.responseModel = model;
    }
  }

  /** Keeps the first error: later ones are usually consequences of it. */
  protected final void recordError(String description) {
    if (error == null) {
      error = description;
    }
  }

  /**
   * Records a provider error object ({@code {"type"|"status"|"code", "message"}}) by its type
   * only: messages may echo the prompt and snapshots end up in logs.
   */
  protected final void recordProviderError(String where, JsonNode errorObject) {
    String label = null;
    if (errorObject != null && errorObject.isObject()) {
      for (String key : new String[] {"type", "status", "code"}) {
        JsonNode value = errorObject.get(key);
        if (value != null && (value.isTextual() || value.isNumber())) {
          label = value.asText();
          break;
        }
      }
    }
    String prefix = isSuccess() ? where : "upstream HTTP " + status;
    recordError(label == null ? prefix : prefix + ": " + truncate(label));
  }

  private void dispatchEvent(SseEventReader.SseEvent event) {
    try {
      onEvent(event);
    } catch (IllegalArgumentException e) {
      recordError(e.getMessage());
    }
  }

  private void dispatchMessage(EventStreamDecoder.Message message) {
    try {
      onMessage(message);
    } catch (IllegalArgumentException e) {
      recordError(e.getMessage());
    }
  }

  private void dispatchDocument(Map<String, JsonNode> fields) {
    JsonNode errorObject = fields.get("error");
    if (errorObject != null && !errorObject.isNull()) {
      recordProviderError("error in response", errorObject);
    }
    try {
      onDocument(fields);
    } catch (IllegalArgumentException e) {
      recordError(e.getMessage());
    }
  }

  private static String truncate(String label) {
    return label.length() > 64 ? label.substring(0, 64) : label;
  }
}
