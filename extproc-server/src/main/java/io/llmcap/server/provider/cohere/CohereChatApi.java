package io.llmcap.server.provider.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmcap.server.provider.ApiRoute;
import io.llmcap.server.provider.ErrorBodies;
import io.llmcap.server.provider.ErrorKind;
import io.llmcap.server.provider.InvalidRequestException;
import io.llmcap.server.provider.ParsedRequest;
import io.llmcap.server.provider.Provider;
import io.llmcap.server.provider.ProviderApi;
import io.llmcap.server.provider.StrictJson;
import io.llmcap.server.provider.UsageParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cohere v2 chat ({@code POST /v2/chat}). {@code max_tokens} bounds the output; without it the
 * model's maximum output applies (8,000 for Command A). Cohere wraps the messages, documents and
 * tools in its own prompt template, so besides their texts a few framing tokens per message are
 * counted (see {@code InputTokenBound}); what is billed is {@code usage.billed_units}, which
 * excludes the template.
 */
public final class CohereChatApi implements ProviderApi {

  public static final CohereChatApi INSTANCE = new CohereChatApi();

  private CohereChatApi() {}

  @Override
  public Provider provider() {
    return Provider.COHERE;
  }

  @Override
  public String name() {
    return "cohere.chat";
  }

  @Override
  public ParsedRequest parseRequest(ApiRoute route, byte[] body) throws InvalidRequestException {
    ObjectNode root = StrictJson.readRequestObject(body);
    String model = StrictJson.requiredString(root, "model", "model");
    Long limit = StrictJson.optionalTokenCount(root, "max_tokens", "max_tokens");
    boolean stream = StrictJson.optionalBoolean(root, "stream", "stream", false);
    JsonNode messages = StrictJson.optionalArray(root, "messages", "messages");
    if (messages == null) {
      throw new InvalidRequestException(
          "missing required field 'messages': send the conversation as an array of messages");
    }
    List<String> texts = new ArrayList<>();
    int media = 0;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      if (!message.isObject()) {
        throw new InvalidRequestException(
            "'messages[" + i + "]' must be a message object, not " + StrictJson.kind(message));
      }
      JsonNode content = message.get("content");
      if (content != null && content.isTextual()) {
        texts.add(content.textValue());
      } else if (content != null && content.isArray()) {
        for (JsonNode part : content) {
          String type = part.path("type").asText("");
          if (type.equals("text") && part.path("text").isTextual()) {
            texts.add(part.get("text").textValue());
          } else if (type.equals("image_url") || type.equals("image")) {
            media++;
          } else {
            texts.add(StrictJson.text(part));
          }
        }
      } else if (content != null && !content.isNull()) {
        throw new InvalidRequestException("'messages[" + i + "].content' must be a string or an"
            + " array of content parts, not " + StrictJson.kind(content));
      }
      for (String other : new String[] {"tool_calls", "tool_plan"}) {
        JsonNode value = message.get(other);
        if (value != null && !value.isNull()) {
          texts.add(value.isTextual() ? value.textValue() : StrictJson.text(value));
        }
      }
    }
    for (String field : new String[] {"tools", "documents"}) {
      JsonNode array = StrictJson.optionalArray(root, field, field);
      if (array != null) {
        array.forEach(item -> texts.add(item.isTextual() ? item.textValue() : StrictJson.text(item)));
      }
    }
    JsonNode format = root.get("response_format");
    if (format != null && format.isObject()) {
      texts.add(StrictJson.text(format));
    }
    return new ParsedRequest(model, limit, stream, texts, messages.size(), media, false, false);
  }

  @Override
  public UsageParser newUsageParser(ApiRoute route, ParsedRequest request) {
    return new CohereChatUsageParser(request.stream());
  }

  /** Cohere's error shape: {@code {"message": ...}}; its SDK maps the HTTP status to the type. */
  @Override
  public byte[] errorBody(ErrorKind kind, String message, Map<String, Object> extraFields) {
    ObjectNode body = ErrorBodies.newObject();
    body.put("message", ErrorBodies.messageOrDefault(message, kind));
    ErrorBodies.putExtraFields(body, extraFields);
    return ErrorBodies.toBytes(body);
  }

  /**
   * Sets {@code max_tokens}.
   *
   * @throws IllegalArgumentException if the body is not one {@link #parseRequest} accepts
   */
  @Override
  public byte[] withMaxOutputTokens(byte[] body, long maxOutputTokens) {
    ObjectNode root = StrictJson.readAccepted(body);
    root.put("max_tokens", maxOutputTokens);
    return StrictJson.write(root);
  }
}
