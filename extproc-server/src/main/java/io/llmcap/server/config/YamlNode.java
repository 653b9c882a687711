package io.llmcap.server.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document read into a tree that remembers where each value was written, so that every
 * refusal can name its line and column. Jackson's own tree model drops locations and silently
 * keeps the last of duplicate keys; this one refuses duplicates.
 */
sealed interface YamlNode {

  int line();

  int column();

  /** How the value reads in an error message. */
  String describe();

  record Mapping(int line, int column, Map<String, Entry> entries) implements YamlNode {
    @Override
    public String describe() {
      return "a mapping";
    }
  }

  /** A key with its own location and its value. */
  record Entry(String key, int line, int column, YamlNode value) {}

  record Sequence(int line, int column, List<YamlNode> items) implements YamlNode {
    @Override
    public String describe() {
      return "a list";
    }
  }

  /**
   * A scalar exactly as written (numbers keep their text, so money is parsed without binary
   * floating point).
   */
  record Scalar(int line, int column, JsonToken token, String text) implements YamlNode {
    /** YAML's null, {@code ~}, or nothing at all after the colon (read by Jackson as ""). */
    boolean isNull() {
      return token == JsonToken.VALUE_NULL || token == JsonToken.VALUE_STRING && text.isEmpty();
    }

    boolean isNumber() {
      return token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT;
    }

    @Override
    public String describe() {
      return token == JsonToken.VALUE_STRING ? "\"" + text + "\"" : text;
    }
  }

  /** Reads one document; null for an empty one. */
  static YamlNode read(String yaml, String source) throws ConfigException {
    YAMLFactory factory = YAMLFactory.builder().build();
    try (JsonParser parser = factory.createParser(yaml)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return null;
      }
      YamlNode root = readValue(parser, source, "");
      if (parser.nextToken() != null) {
        JsonLocation loc = parser.currentTokenLocation();
        throw new ConfigException(
            source, loc.getLineNr(), loc.getColumnNr(), "",
            "only one YAML document is allowed (remove the extra '---' section)");
      }
      return root;
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      throw new ConfigException(
          source,
          loc == null ? 0 : loc.getLineNr(),
          loc == null ? 0 : loc.getColumnNr(),
          "",
          "not valid YAML: " + e.getOriginalMessage(),
          e);
    } catch (IOException e) {
      throw new ConfigException(source, 0, 0, "", "cannot read: " + e.getMessage(), e);
    }
  }

  private static YamlNode readValue(JsonParser p, String source, String path)
      throws IOException, ConfigException {
    JsonLocation loc = p.currentTokenLocation();
    int line = loc.getLineNr();
    int col = loc.getColumnNr();
    JsonToken token = p.currentToken();
    switch (token) {
      case START_OBJECT -> {
        Map<String, Entry> entries = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          JsonLocation keyLoc = p.currentTokenLocation();
          String key = p.currentName();
          String childPath = path.isEmpty() ? key : path + "." + key;
          Entry earlier = entries.get(key);
          if (earlier != null) {
            throw new ConfigException(
                source, keyLoc.getLineNr(), keyLoc.getColumnNr(), childPath,
                "duplicate key (first written on line " + earlier.line() + "); keep only one");
          }
          p.nextToken();
          YamlNode value = readValue(p, source, childPath);
          entries.put(key, new Entry(key, keyLoc.getLineNr(), keyLoc.getColumnNr(), value));
        }
        return new Mapping(line, col, entries);
      }
      case START_ARRAY -> {
        List<YamlNode> items = new ArrayList<>();
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          items.add(readValue(p, source, path + "[" + i++ + "]"));
        }
        return new Sequence(line, col, items);
      }
      default -> {
        if (!token.isScalarValue()) {
          throw new ConfigException(source, line, col, path, "unexpected YAML token " + token);
        }
        return new Scalar(line, col, token, p.getText());
      }
    }
  }
}
