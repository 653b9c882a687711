package io.llmcap.server.provider.openai;

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
import java.util.Map;
import java.util.Optional;

/**
 * OpenAI chat completions ({@code POST /v1/chat/completions}), as served by OpenAI, Azure OpenAI,
 * Mistral and OpenAI-compatible servers. The instances differ where those servers differ:
 *
 * <ul>
 *   <li>{@link #INSTANCE} (OpenAI) and {@link #AZURE}: as below; the stream is asked to report
 *       usage ({@code stream_options.include_usage}). On Azure's classic path the model is the
 *       deployment in the path and the body's {@code model} is optional.
 *   <li>{@link #MISTRAL}: Mistral's only output limit is {@code max_tokens}; a body with {@code
 *       max_completion_tokens} is refused (Mistral would not read it, so it would bound nothing).
 *       Mistral puts usage in its last chunk unasked and older versions rejected {@code
 *       stream_options}, so nothing is injected.
 *   <li>{@link #COMPATIBLE}: servers such as Ollama read only {@code max_tokens}, so {@code
 *       max_completion_tokens} alone bounds nothing there and the model's maximum output (from
 *       the operator's override) is used instead.
 * </ul>
 *
 * <p>The output bound is {@code max_completion_tokens} (which counts reasoning tokens), else the
 * deprecated {@code max_tokens}; when a body carries both, the larger one bounds the call. Either
 * limit applies to each of the {@code n} choices, and {@code completion_tokens} sums all of them,
 * so the bound reported in {@link ParsedRequest#maxOutputTokens()} is {@code limit × n}; with
 * {@code n > 1} and no limit the call has no bound LLMCap could price, so it is refused.
 */
public final class OpenAiChatApi implements ProviderApi {

  public static final OpenAiChatApi INSTANCE =
      new OpenAiChatApi(Provider.OPENAI, "openai.chat", true, true);
  public static final OpenAiChatApi AZURE =
      new OpenAiChatApi(Provider.AZURE, "azure.chat", true, true);
  public static final OpenAiChatApi MISTRAL =
      new OpenAiChatApi(Provider.MISTRAL, "mistral.chat", false, false);
  public static final OpenAiChatApi COMPATIBLE =
      new OpenAiChatApi(Provider.OPENAI_COMPATIBLE, "openai-compatible.chat", false, true);

  private static final String MAX_COMPLETION_TOKENS = "max_completion_tokens";
  private static final String MAX_TOKENS = "max_tokens";

  private final Provider provider;
  private final String name;
  /** Whether the server reads {@code max_completion_tokens} as a limit. */
  private final boolean readsMaxCompletionTokens;
  private final boolean injectsStreamUsage;

  private OpenAiChatApi(
      Provider provider, String name, boolean readsMaxCompletionTokens,
      boolean injectsStreamUsage) {
    this.provider = provider;
    this.name = name;
    this.readsMaxCompletionTokens = readsMaxCompletionTokens;
    this.injectsStreamUsage = injectsStreamUsage;
  }

  @Override
  public Provider provider() {
    return provider;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public ParsedRequest parseRequest(ApiRoute route, byte[] body) throws InvalidRequestException {
    ObjectNode root = StrictJson.readRequestObject(body);
    String model = OpenAiRequests.model(root, route);
    Long completionLimit =
        StrictJson.optionalTokenCount(root, MAX_COMPLETION_TOKENS, MAX_COMPLETION_TOKENS);
    Long legacyLimit = StrictJson.optionalTokenCount(root, MAX_TOKENS, MAX_TOKENS);
    if (provider == Provider.MISTRAL && completionLimit != null) {
      throw new InvalidRequestException(
          "field 'max_completion_tokens' is not read by Mistral, so it would not limit the"
              + " output: set max_tokens instead");
    }
    Long limit = readsMaxCompletionTokens
        ? larger(completionLimit, legacyLimit)
        : (legacyLimit == null ? null : larger(completionLimit, legacyLimit));
    long choices = choices(root);
    if (choices > 1 && limit == null) {
      String field = readsMaxCompletionTokens ? MAX_COMPLETION_TOKENS : MAX_TOKENS;
      throw new InvalidRequestException(
          "field 'n' is " + choices + " but no " + field + " is set: set " + field
              + " so that the cost of all choices can be bounded");
    }
    boolean stream = StrictJson.optionalBoolean(root, "stream", "stream", false);
    ObjectNode streamOptions = StrictJson.optionalObject(root, "stream_options", "stream_options");
    boolean includeUsage =
        StrictJson.optionalBoolean(
            streamOptions, "include_usage", "stream_options.include_usage", false);

    OpenAiPromptCollector prompt = new OpenAiPromptCollector();
    prompt.collect(root);
    CostFactors.Builder factors = CostFactors.builder();
    if (provider == Provider.OPENAI || provider == Provider.AZURE) {
      OpenAiRequests.serviceTier(root, factors);
    }
    prediction(root, factors);
    webSearch(root, model, factors);
    return new ParsedRequest(
        model,
        limit == null ? null : limit * choices,
        stream,
        prompt.texts(),
        prompt.messageCount(),
        prompt.mediaCount(),
        false,
        includeUsage,
        factors.build());
  }

  /**
   * Predicted outputs: prediction tokens the answer does not use are billed as completion tokens
   * ({@code rejected_prediction_tokens}, counted in {@code completion_tokens} for billing), and
   * OpenAI does not document that {@code max_completion_tokens} caps them. Since they are tokens
   * of the prediction, the prediction's own size bounds them: it is added to the output bound. It
   * is not billed as input.
   */
  private static void prediction(ObjectNode root, CostFactors.Builder factors)
      throws InvalidRequestException {
    ObjectNode prediction = StrictJson.optionalObject(root, "prediction", "prediction");
    if (prediction == null) {
      return;
    }
    JsonNode content = prediction.get("content");
    if (content != null && content.isTextual()) {
      factors.outputText(content.textValue());
    } else if (content != null && content.isArray()) {
      for (JsonNode part : content) {
        // Any part counts by its text, or its whole JSON when it has none: never less than it is.
        factors.outputText(part.path("text").isTextual() ? part.get("text").textValue()
            : StrictJson.text(part));
      }
    } else if (content != null && !content.isNull()) {
      throw new InvalidRequestException("field 'prediction.content' must be a string or an array of"
          + " text parts, not " + StrictJson.kind(content));
    }
  }

  /**
   * Search models of chat completions ({@code gpt-4o-search-preview}, …, or any request with
   * {@code web_search_options}) are billed a fee per call by {@code search_context_size}
   * ({@code medium} when unset): one search per call.
   */
  private static void webSearch(ObjectNode root, String model, CostFactors.Builder factors)
      throws InvalidRequestException {
    ObjectNode options = StrictJson.optionalObject(root, "web_search_options", "web_search_options");
    if (options == null && !isSearchModel(model)) {
      return;
    }
    String size = "medium";
    JsonNode sizeNode = options == null ? null : options.get("search_context_size");
    if (sizeNode != null && !sizeNode.isNull()) {
      if (!sizeNode.isTextual()) {
        throw new InvalidRequestException("field 'web_search_options.search_context_size' must be a"
            + " string, not " + StrictJson.kind(sizeNode));
      }
      size = sizeNode.textValue().trim().toLowerCase(java.util.Locale.ROOT);
    }
    factors.webSearches(1, size);
  }

  private static boolean isSearchModel(String model) {
    return model != null && (model.contains("search-preview") || model.contains("search-api"));
  }

  @Override
  public UsageParser newUsageParser(ApiRoute route, ParsedRequest request) {
    return new OpenAiUsageParser(request.stream(), true, request.costFactors(),
        provider == Provider.OPENAI || provider == Provider.AZURE);
  }

  /** True for the instances that ask streams to report usage (all but Mistral). */
  public boolean injectsStreamUsage() {
    return injectsStreamUsage;
  }

  @Override
  public byte[] errorBody(ErrorKind kind, String message, Map<String, Object> extraFields) {
    ObjectNode error = ErrorBodies.newObject();
    error.put("message", ErrorBodies.messageOrDefault(message, kind));
    error.put("type", errorType(kind));
    error.putNull("param");
    String code = errorCode(kind);
    if (code == null) {
      error.putNull("code");
    } else {
      error.put("code", code);
    }
    ErrorBodies.putExtraFields(error, extraFields);
    ObjectNode body = ErrorBodies.newObject();
    body.set("error", error);
    return ErrorBodies.toBytes(body);
  }

  /**
   * Sets the limit field the caller used (both if it sent both, else {@code
   * max_completion_tokens}, or {@code max_tokens} where the server reads only that), divided among the {@code n} choices so that all of them together stay
   * within {@code maxOutputTokens}.
   *
   * @throws IllegalArgumentException if the body is not one {@link #parseRequest} accepts
   */
  @Override
  public byte[] withMaxOutputTokens(byte[] body, long maxOutputTokens) {
    ObjectNode root = StrictJson.readAccepted(body);
    long perChoice = maxOutputTokens / choicesUnchecked(root);
    boolean hasCompletion = root.hasNonNull(MAX_COMPLETION_TOKENS);
    boolean hasLegacy = root.hasNonNull(MAX_TOKENS) || !readsMaxCompletionTokens;
    if (hasCompletion || !hasLegacy) {
      root.put(MAX_COMPLETION_TOKENS, perChoice);
    }
    if (hasLegacy) {
      root.put(MAX_TOKENS, perChoice);
    }
    return StrictJson.write(root);
  }

  @Override
  public Optional<byte[]> withStreamUsage(byte[] body, ParsedRequest request) {
    if (!injectsStreamUsage || !request.stream() || request.streamUsageRequested()) {
      return Optional.empty();
    }
    ObjectNode root = StrictJson.readAccepted(body);
    ObjectNode options = StrictJson.objectField(root, "stream_options");
    options.put("include_usage", true);
    return Optional.of(StrictJson.write(root));
  }


  private static long choices(ObjectNode root) throws InvalidRequestException {
    Long n = StrictJson.optionalTokenCount(root, "n", "n");
    if (n != null && n < 1) {
      throw new InvalidRequestException("field 'n' must be at least 1, got " + n);
    }
    return n == null ? 1 : n;
  }

  private static long choicesUnchecked(ObjectNode root) {
    JsonNode n = root.get("n");
    return n != null && n.isIntegralNumber() && n.longValue() > 1 ? n.longValue() : 1;
  }

  private static Long larger(Long a, Long b) {
    if (a == null) {
      return b;
    }
    return b == null ? a : Math.max(a, b);
  }

  private static String errorType(ErrorKind kind) {
    return switch (kind) {
      case RATE_LIMITED -> "requests";
      case INVALID_REQUEST, PAYLOAD_TOO_LARGE -> "invalid_request_error";
      case UNAVAILABLE, INTERNAL -> "server_error";
    };
  }

  private static String errorCode(ErrorKind kind) {
    return switch (kind) {
      case RATE_LIMITED -> "rate_limit_exceeded";
      case PAYLOAD_TOO_LARGE -> "request_too_large";
      case UNAVAILABLE -> "service_unavailable";
      case INVALID_REQUEST, INTERNAL -> null;
    };
  }
}
