package io.llmcap.server.provider;

import io.llmcap.pricing.PriceRoute;
import java.util.Locale;
import java.util.Optional;

/** An LLM vendor whose calls LLMCap prices; {@link #id()} is the name used in caps files and metadata. */
public enum Provider {
  OPENAI("openai", PriceRoute.OPENAI),
  ANTHROPIC("anthropic", PriceRoute.ANTHROPIC),
  GEMINI("gemini", PriceRoute.GEMINI);

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
