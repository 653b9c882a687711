package io.llmcap.server.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmcap.server.provider.InvalidRequestException;
import java.util.Locale;

/**
 * Field access for Gemini request bodies, which Google parses as proto3 JSON: every field may be
 * spelled in lowerCamelCase ({@code maxOutputTokens}) or by its proto name ({@code
 * max_output_tokens}). A body using both spellings of one field could be read one way by us and
 * the other way by Google, so it is refused.
 */
final class GeminiFields {

  private GeminiFields() {}

  /** The proto name of a lowerCamelCase JSON name: {@code maxOutputTokens -> max_output_tokens}. */
  static String protoName(String camel) {
    StringBuilder out = new StringBuilder(camel.length() + 4);
    for (char c : camel.toCharArray()) {
      if (Character.isUpperCase(c)) {
        out.append('_').append(Character.toLowerCase(c));
      } else {
        out.append(c);
      }
    }
    return out.toString().toLowerCase(Locale.ROOT);
  }

  /** The spelling present in {@code parent} (camel first), or the camel name when neither is. */
  static String spelling(JsonNode parent, String camel) throws InvalidRequestException {
    String proto = protoName(camel);
    boolean hasCamel = parent != null && parent.has(camel);
    boolean hasProto = !proto.equals(camel) && parent != null && parent.has(proto);
    if (hasCamel && hasProto) {
      throw new InvalidRequestException(
          "fields '" + camel + "' and '" + proto + "' both set the same field: send only '"
              + camel + "'");
    }
    return hasProto ? proto : camel;
  }

  /** The field's value under either spelling, or null. */
  static JsonNode get(JsonNode parent, String camel) throws InvalidRequestException {
    if (parent == null || !parent.isObject()) {
      return null;
    }
    return parent.get(spelling(parent, camel));
  }
}
