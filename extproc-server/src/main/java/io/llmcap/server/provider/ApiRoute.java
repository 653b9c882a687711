package io.llmcap.server.provider;

/**
 * What the request headers told us about a call: which provider API it is for and what the
 * path alone says about it.
 *
 * @param api the adapter for this API schema
 * @param pathModel the model named in the URL path (Gemini {@code models/{model}:...}), or null
 *     when the model is in the body
 * @param streamingPath true when the path itself asks for a stream (Gemini
 *     {@code :streamGenerateContent})
 * @param sseRequested true when the query asks for SSE framing ({@code alt=sse})
 * @param free true for endpoints the provider does not bill (token counting): they pass uncapped
 */
public record ApiRoute(
    ProviderApi api, String pathModel, boolean streamingPath, boolean sseRequested, boolean free) {

  public Provider provider() {
    return api.provider();
  }
}
