package io.llmcap.server.provider;

import java.util.Map;
import java.util.Optional;

/**
 * One provider API schema (OpenAI chat completions, Anthropic messages, Gemini generateContent):
 * how to read its requests, meter its responses and speak its error shape. Implementations are
 * stateless singletons; per-call state lives in the {@link UsageParser} they create.
 */
public interface ProviderApi {

  Provider provider();

  /** Stable short name for logs and metrics, e.g. {@code openai.chat}. */
  String name();

  /**
   * Reads what pricing needs from a buffered request body. Refuses (rather than guesses) anything
   * the provider might read differently: duplicate keys, wrong types, numbers out of range,
   * invalid UTF-8.
   *
   * @throws InvalidRequestException with a message fit for the caller
   */
  ParsedRequest parseRequest(ApiRoute route, byte[] body) throws InvalidRequestException;

  /**
   * {@link #parseRequest(ApiRoute, byte[])} for an API whose request headers change the cost
   * (Anthropic's {@code anthropic-beta: context-1m-…} opens a 1M-token window).
   *
   * @param requestHeaders the request's headers, lower-case names; may be empty
   * @throws InvalidRequestException with a message fit for the caller
   */
  default ParsedRequest parseRequest(ApiRoute route, byte[] body,
      Map<String, String> requestHeaders) throws InvalidRequestException {
    return parseRequest(route, body);
  }

  /** A fresh incremental usage reader for one response. */
  UsageParser newUsageParser(ApiRoute route, ParsedRequest request);

  /**
   * The provider's native error body, so that the caller's own SDK raises its usual exception.
   *
   * @param extraFields additional machine-readable fields to place inside the error object
   */
  byte[] errorBody(ErrorKind kind, String message, Map<String, Object> extraFields);

  /** The same body with its output limit set to {@code maxOutputTokens} (clamping). */
  byte[] withMaxOutputTokens(byte[] body, long maxOutputTokens);

  /**
   * A body that asks the provider to report usage in the stream, when this API needs asking
   * (OpenAI {@code stream_options.include_usage}); empty when the body is fine as it is.
   */
  default Optional<byte[]> withStreamUsage(byte[] body, ParsedRequest request) {
    return Optional.empty();
  }
}
