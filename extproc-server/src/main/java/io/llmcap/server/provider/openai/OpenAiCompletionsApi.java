package io.llmcap.server.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmcap.server.provider.ApiRoute;
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
import java.util.Optional;

/**
 * OpenAI legacy completions ({@code POST /v1/completions}).
 *
 * <p>{@code max_tokens} defaults to <b>16</b> when absent (OpenAI's and Azure's documented
 * default; an OpenAI-compatible server may differ, so there an absent limit means the model's
 * maximum). The server generates {@code best_of} completions and bills all of them, returning
 * {@code n}, so the bound is {@code max_tokens × max(n, best_of)}. {@code prompt} is a string,
 * an array of strings, token ids or arrays of token ids; each token id is bounded as one message
 * of framing, as for embeddings.
 */
public final class OpenAiCompletionsApi implements ProviderApi {

  public static final OpenAiCompletionsApi INSTANCE = new OpenAiCompletionsApi();

  static final long DEFAULT_MAX_TOKENS = 16;

  private OpenAiCompletionsApi() {}

  @Override
  public Provider provider() {
    return Provider.OPENAI;
  }

  @Override
  public String name() {
    return "openai.completions";
  }

  @Override
  public ParsedRequest parseRequest(ApiRoute route, byte[] body) throws InvalidRequestException {
    ObjectNode root = StrictJson.readRequestObject(body);
    String model = OpenAiRequests.model(root, route);
    Long maxTokens = StrictJson.optionalTokenCount(root, "max_tokens", "max_tokens");
    if (maxTokens == null && route.provider() != Provider.OPENAI_COMPATIBLE) {
      maxTokens = DEFAULT_MAX_TOKENS;
    }
    long generated = Math.max(OpenAiRequests.atLeastOne(root, "n"),
        OpenAiRequests.atLeastOne(root, "best_of"));
    if (generated > 1 && maxTokens == null) {
      throw new InvalidRequestException(
          "fields 'n'/'best_of' ask for " + generated + " completions but no max_tokens is set:"
              + " set max_tokens so that the cost of all of them can be bounded");
    }
    boolean stream = StrictJson.optionalBoolean(root, "stream", "stream", false);
    ObjectNode streamOptions = StrictJson.optionalObject(root, "stream_options", "stream_options");
    boolean includeUsage = StrictJson.optionalBoolean(
        streamOptions, "include_usage", "stream_options.include_usage", false);
    List<String> texts = new ArrayList<>();
    long tokenIds = collectPrompt(root.get("prompt"), texts);
    JsonNode suffix = root.get("suffix");
    if (suffix != null && suffix.isTextual()) {
      texts.add(suffix.textValue());
    }
    if (tokenIds + texts.size() > Integer.MAX_VALUE) {
      throw new InvalidRequestException("field 'prompt' has more items than LLMCap counts");
    }
    return new ParsedRequest(model, maxTokens == null ? null : maxTokens * generated, stream,
        texts, (int) (texts.size() + tokenIds), 0, false, includeUsage);
  }

  private static long collectPrompt(JsonNode prompt, List<String> texts)
      throws InvalidRequestException {
    if (prompt == null || prompt.isNull()) {
      // OpenAI's default prompt is <|endoftext|>: one token, inside the per-request framing.
      return 0;
    }
    if (prompt.isTextual()) {
      texts.add(prompt.textValue());
      return 0;
    }
    if (!prompt.isArray()) {
      throw new InvalidRequestException(
          "field 'prompt' must be a string or an array, not " + StrictJson.kind(prompt));
    }
    return OpenAiRequests.textsAndTokenIds("prompt", prompt, texts);
  }

  @Override
  public UsageParser newUsageParser(ApiRoute route, ParsedRequest request) {
    return new OpenAiUsageParser(request.stream(), true);
  }

  @Override
  public byte[] errorBody(ErrorKind kind, String message, Map<String, Object> extraFields) {
    return OpenAiChatApi.INSTANCE.errorBody(kind, message, extraFields);
  }

  /**
   * Sets {@code max_tokens}, divided among the {@code max(n, best_of)} generated completions.
   *
   * @throws IllegalArgumentException if the body is not one {@link #parseRequest} accepts
   */
  @Override
  public byte[] withMaxOutputTokens(byte[] body, long maxOutputTokens) {
    ObjectNode root = StrictJson.readAccepted(body);
    long generated = Math.max(count(root.get("n")), count(root.get("best_of")));
    root.put("max_tokens", maxOutputTokens / generated);
    return StrictJson.write(root);
  }

  @Override
  public Optional<byte[]> withStreamUsage(byte[] body, ParsedRequest request) {
    if (!request.stream() || request.streamUsageRequested()) {
      return Optional.empty();
    }
    ObjectNode root = StrictJson.readAccepted(body);
    ObjectNode options = StrictJson.objectField(root, "stream_options");
    options.put("include_usage", true);
    return Optional.of(StrictJson.write(root));
  }

  private static long count(JsonNode n) {
    return n != null && n.isIntegralNumber() && n.longValue() > 1 ? n.longValue() : 1;
  }

}
