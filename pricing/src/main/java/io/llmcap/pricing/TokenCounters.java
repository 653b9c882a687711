package io.llmcap.pricing;

import java.util.List;
import java.util.Locale;

/** Picks the token counter for a model. */
public final class TokenCounters {
  /** Model families on OpenAI's o200k_base encoding. */
  private static final List<String> O200K_PREFIXES = List.of("gpt-4o", "chatgpt-4o", "gpt-4.1",
      "gpt-4.5", "gpt-5", "o1", "o3", "o4", "codex-");
  /** Model families on cl100k_base (checked after the o200k list: "gpt-4o" starts "gpt-4"). */
  private static final List<String> CL100K_PREFIXES = List.of("gpt-4", "gpt-3.5", "gpt-35",
      "text-embedding-3", "text-embedding-ada-002", "davinci-002", "babbage-002");

  private TokenCounters() {}

  /**
   * jtokkit's exact encoding for OpenAI models served by OpenAI or Azure (o200k_base for gpt-4o,
   * gpt-4.1, gpt-4.5, gpt-5 and the o-series; cl100k_base for gpt-4, gpt-3.5 and the embedding
   * models), chosen by the entry's key; for every other model the provable UTF-8 byte bound (see
   * {@code Utf8ByteBoundCounter}). An OpenAI-compatible server may run any tokenizer, so it always
   * gets the byte bound.
   */
  public static TokenCounter forModel(PriceRoute route, ModelPrice price) {
    if (route == PriceRoute.OPENAI_COMPATIBLE) {
      return Utf8ByteBoundCounter.INSTANCE;
    }
    if (route == PriceRoute.OPENAI || route == PriceRoute.AZURE || isOpenAiProvider(price)) {
      TokenCounter counter = openAiEncoding(price.key());
      if (counter != null) {
        return counter;
      }
    }
    return Utf8ByteBoundCounter.INSTANCE;
  }

  private static boolean isOpenAiProvider(ModelPrice price) {
    String provider = price.litellmProvider();
    return provider != null && (provider.equals("openai") || provider.equals("azure")
        || provider.equals("text-completion-openai") || provider.equals("azure_text"));
  }

  /**
   * Loads jtokkit's encodings now, e.g. at server start, so that the first OpenAI request does
   * not wait for them (about half a second).
   */
  public static void warmUp() {
    TiktokenCounter.O200K.load();
    TiktokenCounter.CL100K.load();
  }

  /** The encoding for an OpenAI model key such as {@code azure/eu/gpt-4o} or {@code ft:…}. */
  static TokenCounter openAiEncoding(String key) {
    String model = key.toLowerCase(Locale.ROOT);
    model = model.substring(model.lastIndexOf('/') + 1);
    if (model.startsWith("ft:")) {
      int end = model.indexOf(':', 3);
      model = end < 0 ? model.substring(3) : model.substring(3, end);
    }
    for (String prefix : O200K_PREFIXES) {
      if (model.startsWith(prefix)) {
        return TiktokenCounter.O200K;
      }
    }
    for (String prefix : CL100K_PREFIXES) {
      if (model.startsWith(prefix)) {
        return TiktokenCounter.CL100K;
      }
    }
    return null;
  }
}
