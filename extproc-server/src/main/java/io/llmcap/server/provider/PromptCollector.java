package io.llmcap.server.provider;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What one request gives the provider to tokenize, gathered by an adapter's collector: every text
 * in order, the number of messages (each adds framing tokens) and of media items (bounded apart).
 * One per request, not thread-safe.
 */
public abstract class PromptCollector {
  protected final List<String> texts = new ArrayList<>();
  protected int messageCount;
  protected int mediaCount;

  public final List<String> texts() {
    return texts;
  }

  public final int messageCount() {
    return messageCount;
  }

  public final int mediaCount() {
    return mediaCount;
  }

  /** Refuses a node that must be a JSON object, naming where it is and what it should be. */
  protected static void requireObject(JsonNode node, String path, String what) throws InvalidRequestException {
    if (!node.isObject()) {
      throw new InvalidRequestException("'" + path + "' must be " + what + ", not " + StrictJson.kind(node));
    }
  }
}
