package io.llmcap.pricing;

import java.util.List;
import java.util.OptionalLong;

/**
 * Input tokens of a request before it is sent, from the texts the adapter extracted (message
 * contents, system prompt, tool definitions and results as JSON text).
 *
 * <p>The provider adds framing around each message (role markers, separators) and once per
 * request (reply priming, the system prompt it builds for tools). OpenAI documents 3 tokens per
 * message plus 1 for a name and 3 to prime the reply; Anthropic publishes the tool system prompt
 * size per model (the catalog's {@code tool_use_system_prompt_tokens}, 346 for Claude Sonnet 4.5).
 * The bound adds {@value #BOUND_TOKENS_PER_MESSAGE} per message and {@value
 * #BOUND_TOKENS_PER_REQUEST} per request plus the tool system prompt when the catalog gives one,
 * several times the documented figures, since providers do not promise them; the cost of that
 * margin is a fraction of a cent.
 *
 * <p>Exact counters (jtokkit) encode at most {@value #EXACT_BUDGET_CHARS} chars per request; the
 * remaining texts take the UTF-8 byte bound (and estimate) of {@code Utf8ByteBoundCounter}, which
 * holds for every tokenizer, so a 1 MB prompt is decided in a few milliseconds.
 *
 * <p>Everything is capped at the call's context window: the provider rejects a longer request
 * before generating, and a rejected request is not billed. The window is the model's {@code
 * max_input_tokens}, or a larger window the request itself opens (Anthropic's 1M-context beta),
 * see {@link #contextWindow}. Embedding models are the exception: their limit is per input of a
 * batch.
 *
 * <p><b>Why the catalog's window may cap the bound.</b> The cap only binds when the counted texts
 * exceed the window, or for media (whose size nothing in the body tells). It would under-reserve
 * if the catalog stated a window smaller than the provider's. The catalog keys dated model
 * snapshots, whose input window the provider publishes with the model and does not raise later
 * (output limits do drift, e.g. 65,535 vs 65,536 for Gemini 2.5, which is why a request's own
 * output limit is never lowered to the catalog's). Windows that did grow were opt-in (Anthropic's
 * {@code context-1m} beta), and the request says so; it is read from the request. An operator who
 * knows a larger window sets {@code maxInputTokens} in the model's {@code pricing.overrides}
 * entry. No margin is added on top: a margin would push every capped Claude bound past the 200k
 * tier line and double its price for requests the provider would refuse anyway.
 */
public final class InputTokenBound {
  static final int EXACT_BUDGET_CHARS = 32 * 1024;
  static final long BOUND_TOKENS_PER_MESSAGE = 16;
  static final long BOUND_TOKENS_PER_REQUEST = 64;
  /**
   * Input tokens assumed per image, audio clip or document when the model's context window is
   * unknown: a media item can be as large as a whole context (a long video or PDF fills Gemini's
   * 1,048,576-token window), and nothing in a JSON body tells its token count.
   */
  static final long BOUND_TOKENS_PER_MEDIA_ITEM = 1_048_576;
  static final long ESTIMATE_TOKENS_PER_MESSAGE = 4;
  static final long ESTIMATE_TOKENS_PER_REQUEST = 3;
  /** A typical image: Claude's largest standard image is ~1,600 tokens, GPT-4o's ~1,100. */
  static final long ESTIMATE_TOKENS_PER_MEDIA_ITEM = 1_600;

  private InputTokenBound() {}

  /**
   * Provable bound on the input tokens of a request: texts counted with the counter, plus the
   * per-message and per-request framing above, capped at the model's {@code max_input_tokens}
   * when known. {@code mediaCount > 0} (images, audio, documents) makes the bound the model's
   * {@code max_input_tokens} when known, else {@value #BOUND_TOKENS_PER_MEDIA_ITEM} per item on
   * top of the texts.
   */
  public static long upperBound(TokenCounter counter, List<String> texts, int messageCount,
      int mediaCount, ModelPrice price) {
    return upperBound(counter, texts, messageCount, mediaCount, price, contextWindow(price, null));
  }

  /**
   * {@link #upperBound(TokenCounter, List, int, int, ModelPrice)} with the call's context window
   * given ({@link #contextWindow}), empty when unknown.
   */
  public static long upperBound(TokenCounter counter, List<String> texts, int messageCount,
      int mediaCount, ModelPrice price, OptionalLong contextWindow) {
    requireNonNegative(messageCount, mediaCount);
    if (mediaCount > 0 && contextWindow.isPresent()) {
      return contextWindow.getAsLong();
    }
    long tokens = BOUND_TOKENS_PER_REQUEST;
    if (price.toolUseSystemPromptTokens().isPresent()) {
      tokens = add(tokens, price.toolUseSystemPromptTokens().getAsLong());
    }
    tokens = add(tokens, multiply(messageCount, BOUND_TOKENS_PER_MESSAGE));
    tokens = add(tokens, multiply(mediaCount, BOUND_TOKENS_PER_MEDIA_ITEM));
    long exactChars = 0;
    for (String text : texts) {
      exactChars += text.length();
      tokens = add(tokens, exactChars <= EXACT_BUDGET_CHARS || !counter.exact()
          ? counter.upperBound(text)
          : Utf8ByteBoundCounter.INSTANCE.upperBound(text));
    }
    return cap(tokens, contextWindow);
  }

  /**
   * Best estimate of the input tokens (for {@code enforcement.mode: estimate}): texts estimated
   * with the counter, a small framing overhead, {@value #ESTIMATE_TOKENS_PER_MEDIA_ITEM} per media
   * item, capped at {@code max_input_tokens} when known.
   */
  public static long estimate(TokenCounter counter, List<String> texts, int messageCount,
      int mediaCount, ModelPrice price) {
    return estimate(counter, texts, messageCount, mediaCount, price, contextWindow(price, null));
  }

  /** {@link #estimate(TokenCounter, List, int, int, ModelPrice)} within a given context window. */
  public static long estimate(TokenCounter counter, List<String> texts, int messageCount,
      int mediaCount, ModelPrice price, OptionalLong contextWindow) {
    requireNonNegative(messageCount, mediaCount);
    long tokens = ESTIMATE_TOKENS_PER_REQUEST;
    tokens = add(tokens, multiply(messageCount, ESTIMATE_TOKENS_PER_MESSAGE));
    tokens = add(tokens, multiply(mediaCount, ESTIMATE_TOKENS_PER_MEDIA_ITEM));
    long exactChars = 0;
    for (String text : texts) {
      exactChars += text.length();
      tokens = add(tokens, exactChars <= EXACT_BUDGET_CHARS || !counter.exact()
          ? counter.estimate(text)
          : Utf8ByteBoundCounter.INSTANCE.estimate(text));
    }
    return cap(tokens, contextWindow);
  }

  /**
   * The most input tokens one pass of a call can have: the larger of the model's {@code
   * max_input_tokens} and {@code requestWindow} (a window the request opens, such as Anthropic's
   * 1M-context beta; null when it opens none); empty when neither is known. An embedding model's
   * {@code max_input_tokens} limits each input of a batch, not the request (one call may embed
   * thousands of inputs), so it is no window there.
   */
  public static OptionalLong contextWindow(ModelPrice price, Long requestWindow) {
    OptionalLong catalog = "embedding".equals(price.mode())
        ? OptionalLong.empty()
        : price.maxInputTokens();
    if (requestWindow == null) {
      return catalog;
    }
    return OptionalLong.of(catalog.isPresent()
        ? Math.max(catalog.getAsLong(), requestWindow)
        : requestWindow);
  }

  private static long cap(long tokens, OptionalLong contextWindow) {
    return contextWindow.isPresent() ? Math.min(tokens, contextWindow.getAsLong()) : tokens;
  }

  private static long add(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  private static long multiply(int count, long each) {
    return count == 0 ? 0 : (Long.MAX_VALUE / count < each ? Long.MAX_VALUE : count * each);
  }

  private static void requireNonNegative(int messageCount, int mediaCount) {
    if (messageCount < 0 || mediaCount < 0) {
      throw new IllegalArgumentException("message and media counts cannot be negative: "
          + messageCount + ", " + mediaCount);
    }
  }
}
