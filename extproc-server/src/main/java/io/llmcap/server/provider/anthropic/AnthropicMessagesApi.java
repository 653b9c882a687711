package io.llmcap.server.provider.anthropic;

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
import java.util.Map;

/**
 * Anthropic Messages ({@code POST /v1/messages}, and the free {@code /v1/messages/count_tokens}),
 * also served by Vertex AI ({@code publishers/anthropic/models/{model}:rawPredict} and {@code
 * :streamRawPredict}) and Bedrock ({@code /model/{modelId}/invoke} and {@code
 * /invoke-with-response-stream}). There the model is in the path, not the body, and the path
 * decides whether the response streams: a body {@code model} or {@code stream} that says
 * otherwise is refused, since the platform and LLMCap could read different things.
 *
 * <p>{@code max_tokens} is required (the API answers 400 without it) and bounds all billed output:
 * extended thinking is counted inside {@code output_tokens} and its {@code budget_tokens} must be
 * below {@code max_tokens}. Token counting takes no {@code max_tokens}. Server tools run inside
 * the one message, so {@code max_tokens} bounds their turns' output too; their input side is
 * bounded in {@link AnthropicCostFactors}.
 */
public final class AnthropicMessagesApi implements ProviderApi {

  public static final AnthropicMessagesApi INSTANCE = new AnthropicMessagesApi();

  private static final String MAX_TOKENS = "max_tokens";

  private AnthropicMessagesApi() {}

  @Override
  public Provider provider() {
    return Provider.ANTHROPIC;
  }

  @Override
  public String name() {
    return "anthropic.messages";
  }

  @Override
  public ParsedRequest parseRequest(ApiRoute route, byte[] body) throws InvalidRequestException {
    return parseRequest(route, body, Map.of());
  }

  /** Reads the {@code anthropic-beta} header too: see {@link AnthropicCostFactors}. */
  @Override
  public ParsedRequest parseRequest(ApiRoute route, byte[] body, Map<String, String> requestHeaders)
      throws InvalidRequestException {
    ObjectNode root = StrictJson.readRequestObject(body);
    String model;
    boolean stream;
    if (route.pathModel() == null) {
      model = StrictJson.requiredString(root, "model", "model");
      stream = StrictJson.optionalBoolean(root, "stream", "stream", false);
    } else {
      model = route.pathModel();
      if (root.has("model")) {
        throw new InvalidRequestException(
            "field 'model' is not used on " + route.provider().id() + ", which takes the model"
                + " from the URL path: remove it from the body");
      }
      stream = route.streamingPath();
      JsonNode bodyStream = root.get("stream");
      if (bodyStream != null && !bodyStream.isNull()
          && StrictJson.optionalBoolean(root, "stream", "stream", false) != stream) {
        throw new InvalidRequestException(
            "field 'stream' is " + bodyStream + " but the URL path asks for "
                + (stream ? "a stream" : "no stream") + ": make them agree");
      }
    }
    Long maxTokens = StrictJson.optionalTokenCount(root, MAX_TOKENS, MAX_TOKENS);
    if (maxTokens == null && !route.free()) {
      throw new InvalidRequestException(
          "missing required field 'max_tokens': set the maximum number of output tokens, as the"
              + " Messages API requires");
    }
    AnthropicPromptCollector prompt = new AnthropicPromptCollector();
    prompt.collect(root);
    return new ParsedRequest(
        model,
        maxTokens,
        stream,
        prompt.texts(),
        prompt.messageCount(),
        prompt.mediaCount(),
        prompt.cacheControlSeen(),
        false,
        AnthropicCostFactors.read(root, requestHeaders));
  }

  @Override
  public UsageParser newUsageParser(ApiRoute route, ParsedRequest request) {
    return new AnthropicUsageParser(request.stream(), route.provider() == Provider.BEDROCK);
  }

  @Override
  public byte[] errorBody(ErrorKind kind, String message, Map<String, Object> extraFields) {
    ObjectNode error = ErrorBodies.newObject();
    error.put("type", errorType(kind));
    error.put("message", ErrorBodies.messageOrDefault(message, kind));
    ErrorBodies.putExtraFields(error, extraFields);
    ObjectNode body = ErrorBodies.newObject();
    body.put("type", "error");
    body.set("error", error);
    return ErrorBodies.toBytes(body);
  }

  /**
   * @throws IllegalArgumentException if the body is not one {@link #parseRequest} accepts
   */
  @Override
  public byte[] withMaxOutputTokens(byte[] body, long maxOutputTokens) {
    ObjectNode root = StrictJson.readAccepted(body);
    root.put(MAX_TOKENS, maxOutputTokens);
    return StrictJson.write(root);
  }

  private static String errorType(ErrorKind kind) {
    return switch (kind) {
      case RATE_LIMITED -> "rate_limit_error";
      case INVALID_REQUEST -> "invalid_request_error";
      case PAYLOAD_TOO_LARGE -> "request_too_large";
      case UNAVAILABLE, INTERNAL -> "api_error";
    };
  }
}
