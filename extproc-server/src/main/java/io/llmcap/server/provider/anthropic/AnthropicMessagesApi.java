package io.llmcap.server.provider.anthropic;

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
 * Anthropic Messages ({@code POST /v1/messages}, and the free {@code /v1/messages/count_tokens}).
 *
 * <p>{@code max_tokens} is required (the API answers 400 without it) and bounds all billed output:
 * extended thinking is counted inside {@code output_tokens} and its {@code budget_tokens} must be
 * below {@code max_tokens}. Token counting takes no {@code max_tokens}.
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
    ObjectNode root = StrictJson.readRequestObject(body);
    String model = StrictJson.requiredString(root, "model", "model");
    Long maxTokens = StrictJson.optionalTokenCount(root, MAX_TOKENS, MAX_TOKENS);
    if (maxTokens == null && !route.free()) {
      throw new InvalidRequestException(
          "missing required field 'max_tokens': set the maximum number of output tokens, as the"
              + " Messages API requires");
    }
    boolean stream = StrictJson.optionalBoolean(root, "stream", "stream", false);
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
        false);
  }

  @Override
  public UsageParser newUsageParser(ApiRoute route, ParsedRequest request) {
    return new AnthropicUsageParser(request.stream());
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
    ObjectNode root;
    try {
      root = StrictJson.readRequestObject(body);
    } catch (InvalidRequestException e) {
      throw new IllegalArgumentException(
          "body was not accepted by parseRequest: " + e.getMessage(), e);
    }
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
