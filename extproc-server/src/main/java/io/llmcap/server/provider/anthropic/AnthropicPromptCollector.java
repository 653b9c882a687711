package io.llmcap.server.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmcap.server.provider.InvalidRequestException;
import io.llmcap.server.provider.PromptCollector;
import io.llmcap.server.provider.StrictJson;
import java.util.Iterator;
import java.util.Map;

/**
 * Gathers the input text of a Messages body (system prompt, message blocks, tool definitions),
 * counts images and documents, and notices any {@code cache_control}, wherever it is placed.
 */
final class AnthropicPromptCollector extends PromptCollector {

  private boolean cacheControlSeen;

  void collect(ObjectNode root) throws InvalidRequestException {
    JsonNode system = root.get("system");
    if (system != null && system.isTextual()) {
      texts.add(system.textValue());
    } else if (system != null && system.isArray()) {
      system.forEach(this::collectBlock);
    } else if (system != null && !system.isNull()) {
      throw new InvalidRequestException(
          "field 'system' must be a string or an array of text blocks, not "
              + StrictJson.kind(system));
    }
    JsonNode messages = StrictJson.optionalArray(root, "messages", "messages");
    if (messages == null) {
      throw new InvalidRequestException(
          "missing required field 'messages': send the conversation as an array of messages");
    }
    for (int i = 0; i < messages.size(); i++) {
      collectMessage(messages.get(i), "messages[" + i + "]");
    }
    messageCount = messages.size();
    JsonNode tools = StrictJson.optionalArray(root, "tools", "tools");
    if (tools != null) {
      tools.forEach(tool -> texts.add(StrictJson.text(tool)));
    }
    cacheControlSeen = containsCacheControl(root);
  }

  boolean cacheControlSeen() {
    return cacheControlSeen;
  }

  private void collectMessage(JsonNode message, String path) throws InvalidRequestException {
    requireObject(message, path, "a message object");
    JsonNode content = message.get("content");
    if (content != null && content.isTextual()) {
      texts.add(content.textValue());
    } else if (content != null && content.isArray()) {
      content.forEach(this::collectBlock);
    } else {
      throw new InvalidRequestException(
          "'" + path + ".content' must be a string or an array of content blocks, not "
              + StrictJson.kind(content));
    }
  }

  private void collectBlock(JsonNode block) {
    String type = block.path("type").asText("");
    switch (type) {
      case "text" -> addText(block.get("text"));
      case "thinking" -> addText(block.get("thinking"));
      case "image" -> mediaCount++;
      case "document" -> {
        mediaCount++;
        JsonNode source = block.path("source");
        if ("text".equals(source.path("type").asText())) {
          addText(source.get("data"));
        }
      }
      case "tool_use" -> {
        addText(block.get("name"));
        texts.add(StrictJson.text(block.path("input")));
      }
      case "tool_result" -> {
        JsonNode content = block.get("content");
        if (content != null && content.isArray()) {
          content.forEach(this::collectBlock);
        } else {
          addText(content);
        }
      }
      // Unknown block types are counted by their JSON text: over-estimating is safe, skipping is not.
      default -> texts.add(StrictJson.text(block));
    }
  }

  private void addText(JsonNode text) {
    if (text != null && text.isTextual()) {
      texts.add(text.textValue());
    }
  }

  private static boolean containsCacheControl(JsonNode node) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (field.getKey().equals("cache_control") && !field.getValue().isNull()) {
          return true;
        }
        if (containsCacheControl(field.getValue())) {
          return true;
        }
      }
    } else if (node.isArray()) {
      for (JsonNode element : node) {
        if (containsCacheControl(element)) {
          return true;
        }
      }
    }
    return false;
  }
}
