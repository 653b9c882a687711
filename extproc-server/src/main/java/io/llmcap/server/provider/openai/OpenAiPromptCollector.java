package io.llmcap.server.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmcap.server.provider.InvalidRequestException;
import io.llmcap.server.provider.PromptCollector;
import io.llmcap.server.provider.StrictJson;
import java.util.Set;

/**
 * Gathers the input text of a chat completions body: message contents, names, tool calls, tool
 * and function definitions and a JSON response schema (all of which the model reads).
 */
final class OpenAiPromptCollector extends PromptCollector {

  private static final Set<String> MEDIA_PARTS = Set.of("image_url", "input_audio", "file");


  void collect(ObjectNode root) throws InvalidRequestException {
    JsonNode messages = StrictJson.optionalArray(root, "messages", "messages");
    if (messages == null) {
      throw new InvalidRequestException(
          "missing required field 'messages': send the conversation as an array of messages");
    }
    for (int i = 0; i < messages.size(); i++) {
      collectMessage(messages.get(i), "messages[" + i + "]");
    }
    messageCount = messages.size();
    for (String definitions : new String[] {"tools", "functions"}) {
      JsonNode array = StrictJson.optionalArray(root, definitions, definitions);
      if (array != null) {
        array.forEach(definition -> texts.add(StrictJson.text(definition)));
      }
    }
    JsonNode responseFormat = root.get("response_format");
    if (responseFormat != null && responseFormat.has("json_schema")) {
      texts.add(StrictJson.text(responseFormat.get("json_schema")));
    }
  }

  private void collectMessage(JsonNode message, String path) throws InvalidRequestException {
    requireObject(message, path, "a message object");
    JsonNode name = message.get("name");
    if (name != null && name.isTextual()) {
      texts.add(name.textValue());
    }
    JsonNode content = message.get("content");
    if (content != null && content.isTextual()) {
      texts.add(content.textValue());
    } else if (content != null && content.isArray()) {
      for (JsonNode part : content) {
        collectPart(part);
      }
    } else if (content != null && !content.isNull()) {
      throw new InvalidRequestException(
          "'" + path + ".content' must be a string or an array of content parts, not "
              + StrictJson.kind(content));
    }
    for (String call : new String[] {"tool_calls", "function_call"}) {
      JsonNode value = message.get(call);
      if (value != null && !value.isNull()) {
        texts.add(StrictJson.text(value));
      }
    }
  }

  private void collectPart(JsonNode part) {
    JsonNode type = part.get("type");
    String kind = type != null && type.isTextual() ? type.textValue() : "";
    if (MEDIA_PARTS.contains(kind)) {
      mediaCount++;
    } else if ("text".equals(kind) && part.path("text").isTextual()) {
      texts.add(part.get("text").textValue());
    } else if ("refusal".equals(kind) && part.path("refusal").isTextual()) {
      texts.add(part.get("refusal").textValue());
    } else {
      // Unknown part types are counted by their JSON text: over-estimating is safe, skipping is not.
      texts.add(StrictJson.text(part));
    }
  }
}
