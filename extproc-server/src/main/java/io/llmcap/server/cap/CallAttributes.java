package io.llmcap.server.cap;

import java.util.Map;

/**
 * What is known about a call for cap matching.
 *
 * @param provider provider id ({@code openai}, {@code anthropic}, {@code gemini})
 * @param model the model as the caller named it; null at the headers phase when the model is in
 *     the body (caps that depend on the model are then not evaluated)
 * @param service the caller's service identity (mTLS principal, else the trusted header), or null
 * @param apiKeyFingerprint short SHA-256 fingerprint of the provider key, or null
 * @param headers request headers, lower-case names (first value of each)
 */
public record CallAttributes(
    String provider,
    String model,
    String service,
    String apiKeyFingerprint,
    Map<String, String> headers) {

  public CallAttributes {
    headers = Map.copyOf(headers);
  }

  public CallAttributes withModel(String newModel) {
    return new CallAttributes(provider, newModel, service, apiKeyFingerprint, headers);
  }
}
