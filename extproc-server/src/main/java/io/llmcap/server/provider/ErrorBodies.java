package io.llmcap.server.provider;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.Map;

/** Builds native error bodies: always valid JSON, whatever the message or extra fields hold. */
public final class ErrorBodies {

  private ErrorBodies() {}

  public static ObjectNode newObject() {
    return JsonNodeFactory.instance.objectNode();
  }

  /**
   * Adds LLMCap's machine-readable fields to a provider's error object. The provider's own keys
   * win on a clash, so the caller's SDK still finds the type and message it expects.
   */
  public static void putExtraFields(ObjectNode errorObject, Map<String, Object> extraFields) {
    if (extraFields == null) {
      return;
    }
    extraFields.forEach(
        (key, value) -> {
          if (key != null && !errorObject.has(key)) {
            errorObject.set(key, StrictJson.responseMapper().valueToTree(value));
          }
        });
  }

  public static byte[] toBytes(ObjectNode body) {
    return StrictJson.write(body);
  }

  /** The message itself, or a generic one: a null would make some SDKs fail to parse the error. */
  public static String messageOrDefault(String message, ErrorKind kind) {
    return message == null || message.isBlank() ? "LLMCap: " + kind.name().toLowerCase(Locale.ROOT) : message;
  }
}
