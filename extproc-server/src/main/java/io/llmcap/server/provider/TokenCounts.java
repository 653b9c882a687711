package io.llmcap.server.provider;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;

/**
 * Token counts read from usage reports, remembering which fields were reported: a later report
 * overrides only the fields it carries, so a cumulative {@code message_delta} with output tokens
 * keeps the input tokens from {@code message_start}, and a usage block that omits a count does not
 * reset it to zero. Not thread-safe.
 */
public final class TokenCounts {

  private final Map<String, Long> values = new HashMap<>();

  /**
   * Copies the fields named by dotted paths (e.g. {@code cache_creation.ephemeral_1h_input_tokens})
   * that are present and non-null in {@code usage}.
   *
   * @throws IllegalArgumentException when a present count is not a non-negative integer
   */
  public void mergeFrom(JsonNode usage, String... paths) {
    if (usage == null || !usage.isObject()) {
      return;
    }
    for (String path : paths) {
      JsonNode node = usage;
      for (String part : path.split("\\.")) {
        node = node == null || !node.isObject() ? null : node.get(part);
      }
      if (node == null || node.isNull()) {
        continue;
      }
      if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < 0) {
        throw new IllegalArgumentException(
            "usage field '" + path + "' is not a non-negative integer");
      }
      values.put(path, node.longValue());
    }
  }

  public boolean has(String path) {
    return values.containsKey(path);
  }

  /** The reported count, or 0 when the field was never reported. */
  public long get(String path) {
    return values.getOrDefault(path, 0L);
  }

  public boolean isEmpty() {
    return values.isEmpty();
  }
}
