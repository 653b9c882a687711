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

/**
 * OpenAI embeddings ({@code POST /v1/embeddings}, also on Azure and OpenAI-compatible servers).
 * Only input is billed ({@code usage.prompt_tokens}); there is no output and no stream.
 *
 * <p>{@code input} is a string, an array of strings, an array of token ids, or an array of such
 * arrays. Token ids are already tokens: each is bounded as one message of framing (at least 16
 * tokens, see {@code InputTokenBound}), a generous but provable bound that needs no decoding.
 */
public final class OpenAiEmbeddingsApi implements ProviderApi {

  public static final OpenAiEmbeddingsApi INSTANCE = new OpenAiEmbeddingsApi();

  private OpenAiEmbeddingsApi() {}

  @Override
  public Provider provider() {
    return Provider.OPENAI;
  }

  @Override
  public String name() {
    return "openai.embeddings";
  }

  @Override
  public ParsedRequest parseRequest(ApiRoute route, byte[] body) throws InvalidRequestException {
    ObjectNode root = StrictJson.readRequestObject(body);
    String model = OpenAiRequests.model(root, route);
    JsonNode input = root.get("input");
    List<String> texts = new ArrayList<>();
    long tokenIds = 0;
    if (input == null || input.isNull()) {
      throw new InvalidRequestException(
          "missing required field 'input': send the text to embed as a string or an array");
    } else if (input.isTextual()) {
      texts.add(input.textValue());
    } else if (input.isArray()) {
      tokenIds = OpenAiRequests.textsAndTokenIds("input", input, texts);
    } else {
      throw new InvalidRequestException(
          "field 'input' must be a string or an array, not " + StrictJson.kind(input));
    }
    if (tokenIds + texts.size() > Integer.MAX_VALUE) {
      throw new InvalidRequestException("field 'input' has more items than LLMCap counts");
    }
    return new ParsedRequest(
        model, 0L, false, texts, (int) (texts.size() + tokenIds), 0, false, false);
  }

  @Override
  public UsageParser newUsageParser(ApiRoute route, ParsedRequest request) {
    return new OpenAiUsageParser(false, false);
  }

  @Override
  public byte[] errorBody(ErrorKind kind, String message, Map<String, Object> extraFields) {
    return OpenAiChatApi.INSTANCE.errorBody(kind, message, extraFields);
  }

  /** Embeddings produce no output tokens: there is no limit to set, the body is unchanged. */
  @Override
  public byte[] withMaxOutputTokens(byte[] body, long maxOutputTokens) {
    return body;
  }
}
