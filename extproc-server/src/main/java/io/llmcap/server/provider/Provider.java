package io.llmcap.server.provider;

import io.llmcap.pricing.PriceRoute;
import java.util.Locale;
import java.util.Optional;

/**
 * An LLM vendor (or platform) whose calls LLMCap prices; {@link #id()} is the name used in caps
 * files, the {@code x-llmcap-provider} route metadata and logs.
 */
public enum Provider {
  OPENAI("openai", PriceRoute.OPENAI),
  /** Azure OpenAI: OpenAI's schemas, models named by deployment, {@code azure/…} prices. */
  AZURE("azure", PriceRoute.AZURE),
  ANTHROPIC("anthropic", PriceRoute.ANTHROPIC),
  /** The Gemini API ({@code generativelanguage.googleapis.com}), {@code gemini/…} prices. */
  GEMINI("gemini", PriceRoute.GEMINI),
  /** Vertex AI: Gemini and Anthropic models, bare and {@code vertex_ai/…} prices. */
  VERTEX("vertex", PriceRoute.VERTEX),
  /** AWS Bedrock Runtime: Converse and Anthropic InvokeModel, Bedrock model ids as keys. */
  BEDROCK("bedrock", PriceRoute.BEDROCK),
  MISTRAL("mistral", PriceRoute.MISTRAL),
  COHERE("cohere", PriceRoute.COHERE),
  /** Any server speaking OpenAI's API (vLLM, Ollama, Groq, DeepSeek…): prices from overrides. */
  OPENAI_COMPATIBLE("openai-compatible", PriceRoute.OPENAI_COMPATIBLE);

  private final String id;
  private final PriceRoute priceRoute;

  Provider(String id, PriceRoute priceRoute) {
    this.id = id;
    this.priceRoute = priceRoute;
  }

  public String id() {
    return id;
  }

  /** Which catalog entries price this provider's calls. */
  public PriceRoute priceRoute() {
    return priceRoute;
  }

  public static Optional<Provider> fromId(String id) {
    if (id == null) {
      return Optional.empty();
    }
    String lower = id.trim().toLowerCase(Locale.ROOT);
    for (Provider p : values()) {
      if (p.id.equals(lower)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
