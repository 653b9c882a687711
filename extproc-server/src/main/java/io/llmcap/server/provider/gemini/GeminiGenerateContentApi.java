package io.llmcap.server.provider.gemini;

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
 * Gemini API {@code models/{model}:generateContent}, {@code :streamGenerateContent} and the free
 * {@code :countTokens}. The model and the stream flag come from the path.
 *
 * <p><b>Output bound and thinking.</b> {@code generationConfig.maxOutputTokens} is reported as the
 * bound on all billed output, thoughts included, and {@code thinkingConfig.thinkingBudget} is not
 * added to it. Google's reference only says the field is the "maximum number of tokens that can be
 * generated in the response" and its thinking guide calls the budget a guide the model may
 * overflow or underflow, so the budget cannot bound anything; what does bound thoughts is
 * maxOutputTokens: measurements against the API show {@code thoughtsTokenCount +
 * candidatesTokenCount} stopping at maxOutputTokens with {@code finishReason: MAX_TOKENS}
 * (googleapis/python-genai issues #782 for 2.5 Pro and #2062 for Gemini 3 Flash, where thinking
 * grows with maxOutputTokens and an unset limit let thinking run on). So for a thinking model the
 * limit covers {@code thoughtsTokenCount} (billed outside {@code candidatesTokenCount}) and the
 * answer together; without a limit, the model's catalog output limit (65,536 for 2.5) is the
 * bound, which Google documents as the total for thoughts and answer alike.
 *
 * <p>The limit applies per candidate, so with {@code candidateCount > 1} the bound is
 * {@code limit × candidateCount}, and a request for several candidates without a limit is refused.
 */
public final class GeminiGenerateContentApi implements ProviderApi {

  public static final GeminiGenerateContentApi INSTANCE = new GeminiGenerateContentApi();

  private static final String GENERATION_CONFIG = "generationConfig";
  private static final String MAX_OUTPUT_TOKENS = "maxOutputTokens";
  private static final String CANDIDATE_COUNT = "candidateCount";

  private GeminiGenerateContentApi() {}

  @Override
  public Provider provider() {
    return Provider.GEMINI;
  }

  @Override
  public String name() {
    return "gemini.generateContent";
  }

  @Override
  public ParsedRequest parseRequest(ApiRoute route, byte[] body) throws InvalidRequestException {
    if (route.pathModel() == null || route.pathModel().isEmpty()) {
      throw new InvalidRequestException(
          "the URL path names no model: call models/{model}:generateContent");
    }
    ObjectNode root = StrictJson.readRequestObject(body);
    JsonNode request = root;
    if (route.free()) {
      // countTokens may wrap a whole generateContent request.
      JsonNode wrapped = GeminiFields.get(root, "generateContentRequest");
      if (wrapped != null && wrapped.isObject()) {
        request = wrapped;
      }
    }
    JsonNode config = objectOrNull(request, GENERATION_CONFIG);
    Long limit = tokenCount(config, MAX_OUTPUT_TOKENS);
    Long candidates = tokenCount(config, CANDIDATE_COUNT);
    if (candidates != null && candidates < 1) {
      throw new InvalidRequestException(
          "field 'generationConfig.candidateCount' must be at least 1, got " + candidates);
    }
    long candidateCount = candidates == null ? 1 : candidates;
    if (candidateCount > 1 && limit == null && !route.free()) {
      throw new InvalidRequestException(
          "field 'generationConfig.candidateCount' is " + candidateCount + " but no"
              + " maxOutputTokens is set: set generationConfig.maxOutputTokens so that the cost of"
              + " all candidates can be bounded");
    }
    GeminiPromptCollector prompt = new GeminiPromptCollector();
    prompt.collect(request, config, route.free());
    int media = prompt.mediaCount();
    JsonNode cachedContent = GeminiFields.get(request, "cachedContent");
    if (cachedContent != null && !cachedContent.isNull()) {
      // The cache's tokens are input the body does not hold (billed as cache reads, and counted
      // for the 200k tier): bounded like a media item, by the model's whole context window.
      media++;
    }
    return new ParsedRequest(
        route.pathModel(),
        limit == null ? null : limit * candidateCount,
        route.streamingPath(),
        prompt.texts(),
        prompt.messageCount(),
        media,
        false,
        false,
        GeminiTools.costFactors(GeminiFields.get(request, "tools")));
  }

  @Override
  public UsageParser newUsageParser(ApiRoute route, ParsedRequest request) {
    return new GeminiUsageParser(route.streamingPath() && route.sseRequested());
  }

  @Override
  public byte[] errorBody(ErrorKind kind, String message, Map<String, Object> extraFields) {
    ObjectNode error = ErrorBodies.newObject();
    error.put("code", kind.httpStatus());
    error.put("message", ErrorBodies.messageOrDefault(message, kind));
    error.put("status", status(kind));
    ErrorBodies.putExtraFields(error, extraFields);
    ObjectNode body = ErrorBodies.newObject();
    body.set("error", error);
    return ErrorBodies.toBytes(body);
  }

  /**
   * Sets {@code generationConfig.maxOutputTokens} (in the spelling the caller used, creating
   * {@code generationConfig} if absent), divided among the candidates.
   *
   * @throws IllegalArgumentException if the body is not one {@link #parseRequest} accepts
   */
  @Override
  public byte[] withMaxOutputTokens(byte[] body, long maxOutputTokens) {
    ObjectNode root = StrictJson.readAccepted(body);
    try {
      ObjectNode config = StrictJson.objectField(root, GeminiFields.spelling(root, GENERATION_CONFIG));
      Long candidates = tokenCount(config, CANDIDATE_COUNT);
      long perCandidate = maxOutputTokens / (candidates == null || candidates < 1 ? 1 : candidates);
      config.put(GeminiFields.spelling(config, MAX_OUTPUT_TOKENS), perCandidate);
      return StrictJson.write(root);
    } catch (InvalidRequestException e) {
      throw new IllegalArgumentException("body was not accepted by parseRequest: " + e.getMessage(), e);
    }
  }

  private static JsonNode objectOrNull(JsonNode parent, String camel)
      throws InvalidRequestException {
    JsonNode value = GeminiFields.get(parent, camel);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isObject()) {
      throw new InvalidRequestException(
          "field '" + camel + "' must be a JSON object, not " + StrictJson.kind(value));
    }
    return value;
  }

  private static Long tokenCount(JsonNode config, String camel) throws InvalidRequestException {
    if (config == null) {
      return null;
    }
    String name = GeminiFields.spelling(config, camel);
    return StrictJson.optionalTokenCount(config, name, GENERATION_CONFIG + "." + name);
  }

  private static String status(ErrorKind kind) {
    return switch (kind) {
      case RATE_LIMITED -> "RESOURCE_EXHAUSTED";
      case INVALID_REQUEST, PAYLOAD_TOO_LARGE -> "INVALID_ARGUMENT";
      case UNAVAILABLE -> "UNAVAILABLE";
      case INTERNAL -> "INTERNAL";
    };
  }
}
