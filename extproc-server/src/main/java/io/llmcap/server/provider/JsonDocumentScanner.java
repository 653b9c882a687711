package io.llmcap.server.provider;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads a JSON response body incrementally, fed in chunks split at any byte, and hands over the
 * few top-level fields usage metering needs ({@code usage}, {@code model}, ...) of every document:
 * the body itself when it is an object, or each element when it is an array (Gemini's
 * {@code streamGenerateContent} without {@code alt=sse} streams one array piecemeal).
 *
 * <p>Only the wanted fields are materialised, everything else (the generated text) is skipped
 * token by token, so memory stays small however large the response is. Not thread-safe.
 */
public final class JsonDocumentScanner {

  private static final JsonFactory FACTORY = StrictJson.responseMapper().getFactory();

  private final Set<String> wanted;
  private final Consumer<Map<String, JsonNode>> sink;
  private final JsonParser parser;
  private final ByteArrayFeeder feeder;

  private int depth;
  private int documentDepth = -1;
  private boolean rootDone;
  private Map<String, JsonNode> fields = new HashMap<>();
  private String captureName;
  private TokenBuffer capture;
  private int captureDepth;
  private String failure;

  /**
   * @param wanted top-level field names to hand over
   * @param sink receives the wanted fields present in each complete document
   */
  public JsonDocumentScanner(Set<String> wanted, Consumer<Map<String, JsonNode>> sink) {
    this.wanted = Set.copyOf(wanted);
    this.sink = sink;
    try {
      this.parser = FACTORY.createNonBlockingByteArrayParser();
    } catch (IOException e) {
      throw new IllegalStateException("Jackson cannot create a non-blocking parser", e);
    }
    this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
  }

  /** Feeds the next chunk; a syntax error is recorded in {@link #failure()} and stops reading. */
  public void feed(byte[] chunk) {
    if (failure != null || chunk.length == 0) {
      return;
    }
    try {
      feeder.feedInput(chunk, 0, chunk.length);
      drain();
    } catch (IOException e) {
      fail("response is not valid JSON: " + reason(e));
    }
  }

  /** The body ended; an unfinished document is a failure. */
  public void end() {
    if (failure != null) {
      return;
    }
    try {
      feeder.endOfInput();
      drain();
      if (!rootDone) {
        fail(depth == 0 && documentDepth < 0 ? "response body is empty" : "response JSON is cut short");
      }
    } catch (IOException e) {
      fail("response is not valid JSON: " + reason(e));
    }
  }

  /** Why reading stopped, or null while the body reads fine. */
  public String failure() {
    return failure;
  }

  /** True once the top-level value has been read completely. */
  public boolean finished() {
    return rootDone;
  }

  private void drain() throws IOException {
    JsonToken token;
    while (failure == null && (token = parser.nextToken()) != null) {
      if (token == JsonToken.NOT_AVAILABLE) {
        return;
      }
      onToken(token);
    }
  }

  private void onToken(JsonToken token) throws IOException {
    if (rootDone) {
      fail("response has data after its JSON value");
      return;
    }
    if (capture != null) {
      captureToken(token);
      return;
    }
    if (depth == 0) {
      if (token == JsonToken.START_OBJECT) {
        documentDepth = 1;
      } else if (token == JsonToken.START_ARRAY) {
        documentDepth = 2;
      } else {
        fail("response is not a JSON object or array");
        return;
      }
    } else if (documentDepth == 2 && depth == 1 && token == JsonToken.START_OBJECT) {
      fields = new HashMap<>();
    } else if (depth == documentDepth
        && token == JsonToken.FIELD_NAME
        && wanted.contains(parser.currentName())) {
      captureName = parser.currentName();
      capture = new TokenBuffer(parser, null);
      captureDepth = 0;
      return;
    }
    if (token.isStructStart()) {
      depth++;
    } else if (token.isStructEnd()) {
      depth--;
      if (depth == documentDepth - 1 && token == JsonToken.END_OBJECT) {
        sink.accept(fields);
        fields = new HashMap<>();
      }
      if (depth == 0) {
        rootDone = true;
      }
    }
  }

  private void captureToken(JsonToken token) throws IOException {
    capture.copyCurrentEvent(parser);
    if (token.isStructStart()) {
      captureDepth++;
    } else if (token.isStructEnd()) {
      captureDepth--;
    }
    if (captureDepth == 0) {
      try (JsonParser replay = capture.asParser()) {
        fields.put(captureName, StrictJson.responseMapper().readTree(replay));
      }
      capture = null;
      captureName = null;
    }
  }

  private static String reason(IOException e) {
    String message =
        e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
    if (message == null) {
      return e.getClass().getSimpleName();
    }
    return message.length() > 100 ? message.substring(0, 100) : message;
  }

  private void fail(String reason) {
    failure = reason;
    capture = null;
  }
}
