package io.llmcap.server.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmcap.server.provider.InvalidRequestException;
import io.llmcap.server.provider.PromptCollector;
import io.llmcap.server.provider.StrictJson;

/**
 * Gathers the input text of a generateContent body ({@code contents}, {@code systemInstruction},
 * {@code tools}, a response schema) and counts inline and file media parts, in either field
 * spelling.
 */
final class GeminiPromptCollector extends PromptCollector {


  void collect(JsonNode request, JsonNode generationConfig, boolean free)
      throws InvalidRequestException {
    JsonNode contents = GeminiFields.get(request, "contents");
    if (contents == null || contents.isNull()) {
      if (!free) {
        throw new InvalidRequestException(
            "missing required field 'contents': send the conversation as an array of contents");
      }
    } else if (!contents.isArray()) {
      throw new InvalidRequestException(
          "field 'contents' must be a JSON array, not " + StrictJson.kind(contents));
    } else {
      for (int i = 0; i < contents.size(); i++) {
        collectContent(contents.get(i), "contents[" + i + "]");
      }
      messageCount = contents.size();
    }
    JsonNode system = GeminiFields.get(request, "systemInstruction");
    if (system != null && !system.isNull()) {
      collectContent(system, "systemInstruction");
    }
    JsonNode tools = GeminiFields.get(request, "tools");
    if (tools != null && tools.isArray()) {
      tools.forEach(tool -> texts.add(StrictJson.text(tool)));
    }
    for (String schema : new String[] {"responseSchema", "responseJsonSchema"}) {
      JsonNode value = GeminiFields.get(generationConfig, schema);
      if (value != null && !value.isNull()) {
        texts.add(StrictJson.text(value));
      }
    }
  }

  private void collectContent(JsonNode content, String path) throws InvalidRequestException {
    requireObject(content, path, "a content object");
    JsonNode parts = GeminiFields.get(content, "parts");
    if (parts == null || parts.isNull()) {
      return;
    }
    if (!parts.isArray()) {
      throw new InvalidRequestException(
          "'" + path + ".parts' must be a JSON array, not " + StrictJson.kind(parts));
    }
    for (JsonNode part : parts) {
      collectPart(part);
    }
  }

  private void collectPart(JsonNode part) throws InvalidRequestException {
    JsonNode text = GeminiFields.get(part, "text");
    if (text != null && text.isTextual()) {
      texts.add(text.textValue());
    } else if (GeminiFields.get(part, "inlineData") != null
        || GeminiFields.get(part, "fileData") != null) {
      mediaCount++;
    } else {
      // Function calls and responses, code and its results: the model reads their JSON text.
      texts.add(StrictJson.text(part));
    }
  }
}
