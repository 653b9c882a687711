package io.llmcap.server.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmcap.server.provider.ApiRoute;
import io.llmcap.server.provider.CostFactors;
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
import java.util.Set;

/**
 * OpenAI Responses ({@code POST /v1/responses}; on Azure {@code /openai/responses} and {@code
 * /openai/v1/responses}). {@code /v1/responses/input_tokens} is free.
 *
 * <p>{@code max_output_tokens} bounds all output, reasoning included; without it the model's
 * maximum output applies. Input the body only refers to is bounded as one media item each (the
 * model's whole context window, see {@code InputTokenBound}): a {@code previous_response_id} or
 * {@code conversation} (the server replays the earlier turns and bills them as input), a stored
 * {@code prompt} template, an {@code item_reference}, and images, files and audio.
 *
 * <p>{@code background: true} is refused: the call returns before any token is generated and
 * its cost only appears later on {@code GET /v1/responses/{id}}, which LLMCap does not meter.
 */
public final class OpenAiResponsesApi implements ProviderApi {

  public static final OpenAiResponsesApi INSTANCE = new OpenAiResponsesApi();

  private static final String MAX_OUTPUT_TOKENS = "max_output_tokens";
  private static final Set<String> TEXT_PARTS = Set.of("input_text", "output_text", "text");
  private static final Set<String> MEDIA_PARTS = Set.of("input_image", "input_file", "input_audio");
  /** Unseen instructions a computer-use tool adds: Anthropic's equivalent is about 1,200 tokens. */
  static final long CLIENT_TOOL_HIDDEN_TOKENS = 2_000;

  private OpenAiResponsesApi() {}

  @Override
  public Provider provider() {
    return Provider.OPENAI;
  }

  @Override
  public String name() {
    return "openai.responses";
  }

  @Override
  public ParsedRequest parseRequest(ApiRoute route, byte[] body) throws InvalidRequestException {
    ObjectNode root = StrictJson.readRequestObject(body);
    String model = OpenAiRequests.model(root, route);
    Long limit = StrictJson.optionalTokenCount(root, MAX_OUTPUT_TOKENS, MAX_OUTPUT_TOKENS);
    boolean stream = StrictJson.optionalBoolean(root, "stream", "stream", false);
    if (StrictJson.optionalBoolean(root, "background", "background", false)) {
      throw new InvalidRequestException(
          "field 'background' is true: a background response is billed after this call returns,"
              + " so LLMCap cannot meter it; send the request without background");
    }
    Collector prompt = new Collector();
    for (String serverHeld : new String[] {"previous_response_id", "conversation", "prompt"}) {
      JsonNode value = root.get(serverHeld);
      if (value != null && !value.isNull()) {
        prompt.media++;
      }
    }
    JsonNode instructions = root.get("instructions");
    if (instructions != null && instructions.isTextual()) {
      prompt.texts.add(instructions.textValue());
    } else if (instructions != null && !instructions.isNull()) {
      throw new InvalidRequestException(
          "field 'instructions' must be a string, not " + StrictJson.kind(instructions));
    }
    JsonNode input = root.get("input");
    if (input != null && input.isTextual()) {
      prompt.texts.add(input.textValue());
      prompt.messages++;
    } else if (input != null && input.isArray()) {
      for (JsonNode item : input) {
        prompt.item(item);
      }
    } else if (input != null && !input.isNull()) {
      throw new InvalidRequestException(
          "field 'input' must be a string or an array of input items, not "
              + StrictJson.kind(input));
    }
    CostFactors.Builder factors = CostFactors.builder();
    OpenAiRequests.serviceTier(root, factors);
    JsonNode tools = StrictJson.optionalArray(root, "tools", "tools");
    if (tools != null) {
      tools.forEach(tool -> prompt.texts.add(StrictJson.text(tool)));
      builtInTools(root, tools, factors);
    }
    JsonNode format = root.path("text").path("format");
    if (format.isObject()) {
      prompt.texts.add(StrictJson.text(format));
    }
    return new ParsedRequest(model, limit, stream, prompt.texts, prompt.messages, prompt.media,
        false, false, factors.build());
  }

  /**
   * Built-in tools run on OpenAI's side within the call. {@code web_search} (and its preview) and
   * {@code mcp} feed results back as input, and web searches are billed per call: with {@code
   * max_tool_calls} each allowed call is a search fee (web search) and one more pass over at most
   * the whole context window; without it they have no bound. {@code file_search}, {@code
   * code_interpreter} and {@code image_generation} are billed at prices the model's catalog entry
   * does not carry (per 1,000 calls, per container session, at an image model's rates): no bound.
   * {@code function}, {@code custom}, {@code computer_use_preview}, {@code local_shell}, {@code
   * shell} and {@code apply_patch} run on the caller's side; their definitions are counted as
   * input text, and {@code computer_use_preview} adds {@value #CLIENT_TOOL_HIDDEN_TOKENS} tokens
   * for the instructions OpenAI adds unseen. Unknown tool types have no bound.
   */
  private static void builtInTools(ObjectNode root, JsonNode tools, CostFactors.Builder factors)
      throws InvalidRequestException {
    Long maxCalls = StrictJson.optionalTokenCount(root, "max_tool_calls", "max_tool_calls");
    long calls = 0;
    for (JsonNode tool : tools) {
      String type = tool.path("type").asText("");
      switch (type) {
        case "function", "custom", "local_shell", "shell", "apply_patch" -> { }
        case "computer_use_preview" -> factors.hiddenInput(CLIENT_TOOL_HIDDEN_TOKENS);
        case "web_search", "web_search_preview", "web_search_2025_08_26",
            "web_search_preview_2025_03_11" -> {
          if (maxCalls == null) {
            factors.unbounded("tool '" + type + "' may search any number of times: set max_tool_calls to"
                + " bound it");
          } else {
            // OpenAI's default context size is medium.
            JsonNode size = tool.get("search_context_size");
            factors.webSearches(maxCalls, size != null && size.isTextual() ? size.textValue() : "medium");
            calls = maxCalls;
          }
        }
        case "mcp" -> {
          if (maxCalls == null) {
            factors.unbounded("tool 'mcp' may call remote tools any number of times and read their results"
                + " back as input: set max_tool_calls to bound it");
          } else {
            calls = maxCalls;
          }
        }
        case "file_search", "code_interpreter", "image_generation" -> factors.unbounded("tool '" + type
            + "' is billed at prices the model's price catalog entry does not carry");
        default -> factors.unbounded("tool type '" + type + "' is one whose billing LLMCap does not know");
      }
    }
    // max_tool_calls limits all built-in tool calls together: that many extra passes at most.
    factors.rereads(calls);
  }

  /** Input items: messages with string or part-array content; other items by their JSON text. */
  private static final class Collector {
    final List<String> texts = new ArrayList<>();
    int messages;
    int media;

    void item(JsonNode item) throws InvalidRequestException {
      if (!item.isObject()) {
        throw new InvalidRequestException(
            "'input' items must be objects, not " + StrictJson.kind(item));
      }
      messages++;
      String type = item.path("type").asText("message");
      if (type.equals("item_reference")) {
        media++;
        return;
      }
      JsonNode content = item.get("content");
      if (!type.equals("message") || content == null) {
        texts.add(StrictJson.text(item));
        return;
      }
      if (content.isTextual()) {
        texts.add(content.textValue());
      } else if (content.isArray()) {
        for (JsonNode part : content) {
          String partType = part.path("type").asText("");
          if (MEDIA_PARTS.contains(partType)) {
            media++;
          } else if (TEXT_PARTS.contains(partType) && part.path("text").isTextual()) {
            texts.add(part.get("text").textValue());
          } else {
            // Unknown parts count by their JSON text: over-estimating is safe, skipping is not.
            texts.add(StrictJson.text(part));
          }
        }
      } else {
        throw new InvalidRequestException(
            "a message's 'content' must be a string or an array of parts, not "
                + StrictJson.kind(content));
      }
    }
  }

  @Override
  public UsageParser newUsageParser(ApiRoute route, ParsedRequest request) {
    return new OpenAiResponsesUsageParser(request.stream(), request.costFactors());
  }

  @Override
  public byte[] errorBody(ErrorKind kind, String message, Map<String, Object> extraFields) {
    return OpenAiChatApi.INSTANCE.errorBody(kind, message, extraFields);
  }

  /**
   * Sets {@code max_output_tokens}.
   *
   * @throws IllegalArgumentException if the body is not one {@link #parseRequest} accepts
   */
  @Override
  public byte[] withMaxOutputTokens(byte[] body, long maxOutputTokens) {
    ObjectNode root = StrictJson.readAccepted(body);
    root.put(MAX_OUTPUT_TOKENS, maxOutputTokens);
    return StrictJson.write(root);
  }
}
