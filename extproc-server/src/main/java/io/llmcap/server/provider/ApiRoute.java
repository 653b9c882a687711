package io.llmcap.server.provider;

import io.llmcap.pricing.PriceRoute;

/**
 * What the request headers told us about a call: which provider API it is for, which provider
 * serves it, and what the path alone says about it.
 *
 * @param api the adapter for this API schema
 * @param provider who serves and bills the call; differs from {@code api.provider()} when one
 *     schema is served by several vendors (Anthropic messages on Vertex AI or Bedrock, OpenAI
 *     chat on Azure, Mistral or an OpenAI-compatible server). Its {@link Provider#priceRoute()}
 *     picks the catalog entries, its {@link Provider#id()} is the caps-file name
 * @param pathModel the model named in the URL path (Gemini {@code models/{model}:...}, Bedrock
 *     {@code /model/{modelId}/...}, Vertex {@code publishers/.../models/{model}:...}, the Azure
 *     deployment of {@code /openai/deployments/{deployment}/...}), or null when the model is in
 *     the body
 * @param streamingPath true when the path itself asks for a stream (Gemini {@code
 *     :streamGenerateContent}, Vertex {@code :streamRawPredict}, Bedrock {@code
 *     /converse-stream} and {@code /invoke-with-response-stream})
 * @param sseRequested true when the query asks for SSE framing ({@code alt=sse})
 * @param free true for endpoints the provider does not bill (token counting): they pass uncapped
 * @param modelIsDeployment true when the model name (path or body) is a deployment name the
 *     customer chose (Azure), to be mapped through the caps file's {@code pricing.deployments};
 *     see {@link ModelResolution}
 */
public record ApiRoute(
    ProviderApi api,
    Provider provider,
    String pathModel,
    boolean streamingPath,
    boolean sseRequested,
    boolean free,
    boolean modelIsDeployment) {

  /** A route on the schema's own provider, with the model not a deployment name. */
  public ApiRoute(
      ProviderApi api, String pathModel, boolean streamingPath, boolean sseRequested,
      boolean free) {
    this(api, api.provider(), pathModel, streamingPath, sseRequested, free, false);
  }

  public ApiRoute {
    if (api == null || provider == null) {
      throw new IllegalArgumentException("a route needs an API and a provider");
    }
  }

  /** Which catalog entries price this call: {@code provider().priceRoute()}. */
  public PriceRoute priceRoute() {
    return provider.priceRoute();
  }
}
