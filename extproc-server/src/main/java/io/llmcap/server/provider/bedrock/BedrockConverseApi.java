package io.llmcap.server.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmcap.server.provider.ApiRoute;
import io.llmcap.server.provider.CostFactors;
import io.llmcap.server.provider.ErrorBodies;
import io.llmcap.server.provider.ErrorKind;
import io.llmcap.server.provider.InvalidRequestException;
import io.llmcap.server.provider.ParsedRequest;
import io.llmcap.server.provider.Provider;
import io.llmcap.server.provider.ProviderApi;
import io.llmcap.server.provider.StrictJson;
import io.llmcap.server.provider.UsageParser;
import io.llmcap.server.provider.anthropic.AnthropicCostFactors;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * AWS Bedrock Converse ({@code POST /model/{modelId}/converse}) and ConverseStream ({@code
 * /converse-stream}, answered in the binary event-stream framing). The model (id, inference
 * profile or ARN) and the stream come from the path.
 *
 * <p>{@code inferenceConfig.maxTokens} bounds the output; without it the model's maximum applies.
 * {@code additionalModelRequestFields} is passed to the model as it is, so a token limit hidden
 * there ({@code max_tokens} for Claude) could override {@code maxTokens}: such a key is refused.
 * {@code additionalModelRequestFields.anthropic_beta} with {@code context-1m-…} opens Claude's
 * 1M-token window. A {@code cachePoint} block may write the prompt cache. Images, documents and videos are media.
 */
public final class BedrockConverseApi implements ProviderApi {

  public static final BedrockConverseApi INSTANCE = new BedrockConverseApi();

  private static final String INFERENCE_CONFIG = "inferenceConfig";
  private static final String MAX_TOKENS = "maxTokens";

  private BedrockConverseApi() {}

  @Override
  public Provider provider() {
    return Provider.BEDROCK;
  }

  @Override
  public String name() {
    return "bedrock.converse";
  }

  @Override
  public ParsedRequest parseRequest(ApiRoute route, byte[] body) throws InvalidRequestException {
    if (route.pathModel() == null || route.pathModel().isEmpty()) {
      throw new InvalidRequestException(
          "the URL path names no model: call /model/{modelId}/converse");
    }
    ObjectNode root = StrictJson.readRequestObject(body);
    ObjectNode config = StrictJson.optionalObject(root, INFERENCE_CONFIG, INFERENCE_CONFIG);
    Long limit = StrictJson.optionalTokenCount(config, MAX_TOKENS, "inferenceConfig.maxTokens");
    ObjectNode additional = StrictJson.optionalObject(
        root, "additionalModelRequestFields", "additionalModelRequestFields");
    CostFactors.Builder factors = CostFactors.builder();
    if (additional != null) {
      JsonNode betas = additional.get("anthropic_beta");
      if (betas != null && !betas.isNull() && AnthropicCostFactors.opensOneMillion(
          AnthropicCostFactors.betaList(betas, "additionalModelRequestFields.anthropic_beta"))) {
        factors.contextWindow(AnthropicCostFactors.ONE_MILLION);
      }
      for (Iterator<String> names = additional.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.contains("max") && lower.contains("token")) {
          throw new InvalidRequestException(
              "field 'additionalModelRequestFields." + name + "' would set the output limit"
                  + " behind inferenceConfig.maxTokens: set inferenceConfig.maxTokens instead");
        }
      }
    }
    Collector prompt = new Collector();
    JsonNode messages = StrictJson.optionalArray(root, "messages", "messages");
    if (messages != null) {
      for (int i = 0; i < messages.size(); i++) {
        JsonNode message = messages.get(i);
        if (!message.isObject()) {
          throw new InvalidRequestException(
              "'messages[" + i + "]' must be a message object, not " + StrictJson.kind(message));
        }
        JsonNode content = StrictJson.optionalArray(message, "content",
            "messages[" + i + "].content");
        if (content != null) {
          content.forEach(prompt::block);
        }
      }
      prompt.messages = messages.size();
    }
    JsonNode system = StrictJson.optionalArray(root, "system", "system");
    if (system != null) {
      system.forEach(prompt::block);
    }
    ObjectNode toolConfig = StrictJson.optionalObject(root, "toolConfig", "toolConfig");
    if (toolConfig != null) {
      prompt.texts.add(StrictJson.text(toolConfig));
    }
    if (messages == null && root.get("promptVariables") == null) {
      throw new InvalidRequestException(
          "missing required field 'messages': send the conversation as an array of messages");
    }
    if (root.get("promptVariables") != null) {
      // A prompt-management prompt is stored server-side: its size is not in the body.
      prompt.media++;
      prompt.texts.add(StrictJson.text(root.get("promptVariables")));
    }
    return new ParsedRequest(route.pathModel(), limit, route.streamingPath(), prompt.texts,
        prompt.messages, prompt.media, prompt.cachePoint, false, factors.build());
  }

  /** Content blocks: text, media, tool use and results, reasoning, cache points. */
  private static final class Collector {
    final List<String> texts = new ArrayList<>();
    int messages;
    int media;
    boolean cachePoint;

    void block(JsonNode block) {
      if (!block.isObject()) {
        texts.add(StrictJson.text(block));
        return;
      }
      if (block.path("text").isTextual() && block.size() == 1) {
        texts.add(block.get("text").textValue());
      } else if (block.has("image") || block.has("document") || block.has("video")) {
        media++;
      } else if (block.has("cachePoint")) {
        cachePoint = true;
      } else if (block.has("toolResult") && block.path("toolResult").path("content").isArray()) {
        block.get("toolResult").get("content").forEach(this::block);
      } else {
        // Tool use, reasoning, guard content: the model reads their JSON text (or less).
        texts.add(StrictJson.text(block));
      }
    }
  }

  @Override
  public UsageParser newUsageParser(ApiRoute route, ParsedRequest request) {
    return new BedrockConverseUsageParser(request.stream());
  }

  /**
   * AWS's JSON error shape: {@code message} and the exception name in {@code __type}, which AWS
   * SDKs read when the {@code x-amzn-ErrorType} header is absent.
   */
  @Override
  public byte[] errorBody(ErrorKind kind, String message, Map<String, Object> extraFields) {
    ObjectNode body = ErrorBodies.newObject();
    body.put("__type", switch (kind) {
      case RATE_LIMITED -> "ThrottlingException";
      case INVALID_REQUEST, PAYLOAD_TOO_LARGE -> "ValidationException";
      case UNAVAILABLE -> "ServiceUnavailableException";
      case INTERNAL -> "InternalServerException";
    });
    body.put("message", ErrorBodies.messageOrDefault(message, kind));
    ErrorBodies.putExtraFields(body, extraFields);
    return ErrorBodies.toBytes(body);
  }

  /**
   * Sets {@code inferenceConfig.maxTokens}, creating {@code inferenceConfig} if absent.
   *
   * @throws IllegalArgumentException if the body is not one {@link #parseRequest} accepts
   */
  @Override
  public byte[] withMaxOutputTokens(byte[] body, long maxOutputTokens) {
    ObjectNode root = StrictJson.readAccepted(body);
    StrictJson.objectField(root, INFERENCE_CONFIG).put(MAX_TOKENS, maxOutputTokens);
    return StrictJson.write(root);
  }
}
