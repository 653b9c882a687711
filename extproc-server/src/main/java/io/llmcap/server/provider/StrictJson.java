package io.llmcap.server.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Reads request bodies the way the strictest reasonable provider parser would, and refuses
 * whatever two parsers could read differently.
 *
 * <p>LLMCap prices the body it parsed while the provider bills the body it parsed; any input on
 * which those two could disagree (a duplicated {@code max_tokens}, a comment hiding a field, bytes
 * that are not UTF-8) is a way to be priced cheaper, so it is refused instead of interpreted.
 *
 * <p>Bodies are checked to be well-formed UTF-8 in place (protobuf's validator: no copy, eight
 * ASCII bytes at a time) and then parsed from the bytes by Jackson's UTF-8 parser, so a 1 MB
 * prompt is never copied into a {@code String} first. Jackson picks UTF-16/32 for a byte input
 * only when one of its first four bytes is zero (or on a byte order mark); both are refused before
 * parsing, so a body that is valid UTF-8 is always read as UTF-8.
 */
public final class StrictJson {

  /** Parses request bodies: no comments, no duplicates, nothing after the value. */
  private static final ObjectMapper REQUEST_MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
          .disable(JsonReadFeature.ALLOW_YAML_COMMENTS)
          .disable(JsonReadFeature.ALLOW_TRAILING_COMMA)
          .disable(JsonReadFeature.ALLOW_SINGLE_QUOTES)
          .disable(JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES)
          .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .disable(JsonReadFeature.ALLOW_LEADING_ZEROS_FOR_NUMBERS)
          .disable(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          // Numbers survive a rewrite (clamping) exactly as the caller wrote them.
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  /** Reads provider responses, which we only meter: standard JSON, duplicates tolerated. */
  private static final ObjectMapper RESPONSE_MAPPER = JsonMapper.builder().build();

  private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private StrictJson() {}

  /** The lenient mapper used for provider responses and for writing JSON. */
  public static ObjectMapper responseMapper() {
    return RESPONSE_MAPPER;
  }

  /**
   * Parses a request body that must be a single JSON object in UTF-8.
   *
   * @throws InvalidRequestException naming what is wrong and what to send instead
   */
  public static ObjectNode readRequestObject(byte[] body) throws InvalidRequestException {
    if (body == null || body.length == 0) {
      throw new InvalidRequestException(
          "request body is empty: send a JSON object (Content-Type: application/json)");
    }
    if (startsWith(body, UTF8_BOM)) {
      throw new InvalidRequestException(
          "request body starts with a byte order mark: send UTF-8 JSON without a BOM");
    }
    requireUtf8(body);
    JsonNode root;
    try {
      root = REQUEST_MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException(
          "request body is not strict JSON (" + describe(e) + "): send one JSON object with no"
              + " comments, duplicate keys or trailing data",
          e);
    } catch (IOException e) {
      throw new UncheckedIOException("reading a request body held in memory", e);
    }
    if (root == null || !root.isObject()) {
      throw new InvalidRequestException(
          "request body must be a JSON object, not " + kind(root));
    }
    return (ObjectNode) root;
  }

  /** Serializes a (possibly modified) request tree back to UTF-8 JSON. */
  public static byte[] write(JsonNode node) {
    try {
      return REQUEST_MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot serialize a JSON tree we built ourselves", e);
    }
  }

  /** Compact JSON text of a node, as the provider's tokenizer would see a tool definition. */
  public static String text(JsonNode node) {
    try {
      return REQUEST_MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot serialize a parsed JSON tree", e);
    }
  }

  /**
   * A model name field: must be present and a string.
   *
   * @param path the field's JSON path for the error message
   */
  public static String requiredString(JsonNode parent, String field, String path)
      throws InvalidRequestException {
    JsonNode value = parent.get(field);
    if (value == null || value.isNull()) {
      throw new InvalidRequestException("missing required field '" + path + "': name the model");
    }
    if (!value.isTextual()) {
      throw new InvalidRequestException(
          "field '" + path + "' must be a string, not " + kind(value));
    }
    return value.textValue();
  }

  /**
   * A token count such as {@code max_tokens}: absent or null gives null; otherwise it must be a
   * JSON integer (no fraction, no exponent, not a string) between 0 and 2^31-1, the range every
   * provider's schema declares.
   */
  public static Long optionalTokenCount(JsonNode parent, String field, String path)
      throws InvalidRequestException {
    JsonNode value = parent == null ? null : parent.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isIntegralNumber()) {
      throw new InvalidRequestException(
          "field '" + path + "' must be a JSON integer (like 1024), not " + kind(value)
              + " " + value);
    }
    if (!value.canConvertToLong()
        || value.longValue() < 0
        || value.longValue() > Integer.MAX_VALUE) {
      throw new InvalidRequestException(
          "field '" + path + "' must be between 0 and " + Integer.MAX_VALUE + ", got " + value);
    }
    return value.longValue();
  }

  /** A flag such as {@code stream}: absent or null gives {@code absent}; else a JSON boolean. */
  public static boolean optionalBoolean(JsonNode parent, String field, String path, boolean absent)
      throws InvalidRequestException {
    JsonNode value = parent == null ? null : parent.get(field);
    if (value == null || value.isNull()) {
      return absent;
    }
    if (!value.isBoolean()) {
      throw new InvalidRequestException(
          "field '" + path + "' must be true or false, not " + kind(value) + " " + value);
    }
    return value.booleanValue();
  }

  /** An optional object field: absent or null gives null; anything else but an object is refused. */
  public static ObjectNode optionalObject(JsonNode parent, String field, String path)
      throws InvalidRequestException {
    JsonNode value = parent == null ? null : parent.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isObject()) {
      throw new InvalidRequestException(
          "field '" + path + "' must be a JSON object, not " + kind(value));
    }
    return (ObjectNode) value;
  }

  /** An optional array field: absent or null gives null; anything else but an array is refused. */
  public static JsonNode optionalArray(JsonNode parent, String field, String path)
      throws InvalidRequestException {
    JsonNode value = parent == null ? null : parent.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isArray()) {
      throw new InvalidRequestException(
          "field '" + path + "' must be a JSON array, not " + kind(value));
    }
    return value;
  }

  /** A short name of a JSON value's type for error messages. */
  public static String kind(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT, POJO -> "an object";
      case STRING, BINARY -> "a string";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      case NUMBER -> node.isIntegralNumber() ? "an integer" : "a decimal number";
      case MISSING -> "nothing";
    };
  }

  private static void requireUtf8(byte[] body) throws InvalidRequestException {
    if (!UnsafeByteOperations.unsafeWrap(body).isValidUtf8()) {
      throw new InvalidRequestException("request body is not valid UTF-8: encode the JSON as UTF-8");
    }
    for (int i = 0; i < Math.min(4, body.length); i++) {
      if (body[i] == 0) {
        throw new InvalidRequestException("request body is not strict JSON (a NUL byte at offset " + i
            + "): send UTF-8 JSON; UTF-16 and UTF-32 bodies are refused");
      }
    }
  }


  private static String describe(JsonProcessingException e) {
    // The original message may quote request content (a prompt); keep only the reason and place.
    String reason = e.getOriginalMessage();
    int quote = reason == null ? -1 : reason.indexOf('\'');
    if (reason != null && reason.startsWith("Duplicate field")) {
      reason = reason.replace("Duplicate field", "duplicate key");
    } else if (quote > 0) {
      reason = reason.substring(0, quote).trim();
    }
    if (reason != null && reason.length() > 120) {
      reason = reason.substring(0, 120);
    }
    var location = e.getLocation();
    return location == null
        ? reason
        : reason + " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  private static boolean startsWith(byte[] body, byte[] prefix) {
    if (body.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (body[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * A body that {@code parseRequest} already accepted, read again to be rewritten (clamping,
   * asking for stream usage).
   *
   * @throws IllegalArgumentException if the body is not one the adapter's parseRequest accepts
   */
  public static ObjectNode readAccepted(byte[] body) {
    try {
      return readRequestObject(body);
    } catch (InvalidRequestException e) {
      throw new IllegalArgumentException("body was not accepted by parseRequest: " + e.getMessage(), e);
    }
  }

  /** The object field {@code name} of {@code parent}, created when absent (or not an object). */
  public static ObjectNode objectField(ObjectNode parent, String name) {
    JsonNode existing = parent.get(name);
    return existing != null && existing.isObject() ? (ObjectNode) existing : parent.putObject(name);
  }
}
