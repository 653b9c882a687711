package io.llmcap.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class InputTokenBoundTest {
  private static final PriceCatalog CATALOG = PriceCatalog.bundled();

  @Test
  void addsFramingPerMessageAndPerRequestToTheCountedTexts() throws Exception {
    ModelPrice gpt4o = CATALOG.resolve(PriceRoute.OPENAI, "gpt-4o");
    TokenCounter counter = TokenCounters.forModel(PriceRoute.OPENAI, gpt4o);
    long bound = InputTokenBound.upperBound(counter,
        List.of("tiktoken is great!", "hello world"), 2, 0, gpt4o);
    assertEquals(6 + 2 + 2 * InputTokenBound.BOUND_TOKENS_PER_MESSAGE
        + InputTokenBound.BOUND_TOKENS_PER_REQUEST, bound);
    long estimate = InputTokenBound.estimate(counter,
        List.of("tiktoken is great!", "hello world"), 2, 0, gpt4o);
    assertEquals(6 + 2 + 2 * InputTokenBound.ESTIMATE_TOKENS_PER_MESSAGE
        + InputTokenBound.ESTIMATE_TOKENS_PER_REQUEST, estimate);
  }

  @Test
  void addsTheToolSystemPromptAnthropicDocumentsPerModel() throws Exception {
    ModelPrice sonnet = CATALOG.resolve(PriceRoute.ANTHROPIC, "claude-sonnet-4-5-20250929");
    TokenCounter counter = TokenCounters.forModel(PriceRoute.ANTHROPIC, sonnet);
    assertEquals(346, sonnet.toolUseSystemPromptTokens().getAsLong());
    assertEquals(6 + InputTokenBound.BOUND_TOKENS_PER_MESSAGE
        + InputTokenBound.BOUND_TOKENS_PER_REQUEST + 346,
        InputTokenBound.upperBound(counter, List.of("hello"), 1, 0, sonnet));
  }

  @Test
  void isCappedAtTheContextWindow() throws Exception {
    ModelPrice gpt4 = CATALOG.resolve(PriceRoute.OPENAI, "gpt-4");
    TokenCounter counter = TokenCounters.forModel(PriceRoute.OPENAI, gpt4);
    long max = gpt4.maxInputTokens().getAsLong();
    String big = "x".repeat((int) max * 5);
    assertEquals(max, InputTokenBound.upperBound(counter, List.of(big), 1, 0, gpt4));
    assertEquals(max, InputTokenBound.estimate(counter, List.of(big), 1, 0, gpt4));
  }

  @Test
  void mediaMakesTheBoundTheContextWindow() throws Exception {
    ModelPrice flash = CATALOG.resolve(PriceRoute.GEMINI, "gemini-2.5-flash");
    TokenCounter counter = TokenCounters.forModel(PriceRoute.GEMINI, flash);
    assertEquals(1_048_576, InputTokenBound.upperBound(counter, List.of("describe"), 1, 1, flash));
    assertEquals(3 + 4 + 2 + 1_600,
        InputTokenBound.estimate(counter, List.of("describe"), 1, 1, flash));
  }

  @Test
  void mediaWithoutAKnownContextWindowCostsALargeConstantPerItem() throws Exception {
    PriceCatalog catalog = CATALOG.withOverrides(
        List.of(PriceOverride.of("local-vlm", BigDecimal.ONE, BigDecimal.ONE)));
    ModelPrice vlm = catalog.resolve(PriceRoute.OPENAI_COMPATIBLE, "local-vlm");
    TokenCounter counter = TokenCounters.forModel(PriceRoute.OPENAI_COMPATIBLE, vlm);
    assertEquals(2 * InputTokenBound.BOUND_TOKENS_PER_MEDIA_ITEM
        + InputTokenBound.BOUND_TOKENS_PER_REQUEST + InputTokenBound.BOUND_TOKENS_PER_MESSAGE,
        InputTokenBound.upperBound(counter, List.of(), 1, 2, vlm));
  }

  @Test
  void textsPastTheExactBudgetTakeTheByteBound() throws Exception {
    ModelPrice gpt41 = CATALOG.resolve(PriceRoute.OPENAI, "gpt-4.1");
    TokenCounter counter = TokenCounters.forModel(PriceRoute.OPENAI, gpt41);
    String paragraph = "The quick brown fox jumps over the lazy dog 12345. ";
    String big = paragraph.repeat(600_000 / paragraph.length());
    long bound = InputTokenBound.upperBound(counter, List.of(paragraph, big), 2, 0, gpt41);
    assertEquals(counter.upperBound(paragraph) + big.length() + 1
        + 2 * InputTokenBound.BOUND_TOKENS_PER_MESSAGE + InputTokenBound.BOUND_TOKENS_PER_REQUEST,
        bound);
    assertTrue(bound > counter.upperBound(big.substring(0, 30_000)) * 20);
  }

  @Test
  void anEmbeddingBatchIsNotCappedAtThePerInputLimit() throws Exception {
    // text-embedding-3-small limits each input to 8,191 tokens; a batch of 4 such inputs is more.
    ModelPrice small = CATALOG.resolve(PriceRoute.OPENAI, "text-embedding-3-small");
    TokenCounter counter = TokenCounters.forModel(PriceRoute.OPENAI, small);
    String input = "word ".repeat(8_000);
    long bound = InputTokenBound.upperBound(counter, List.of(input, input, input, input), 4, 0,
        small);
    assertTrue(bound >= 4 * 8_000, "bound " + bound);
  }

  @Test
  void aWindowTheRequestOpensReplacesASmallerCatalogWindow() throws Exception {
    ModelPrice sonnet = CATALOG.resolve(PriceRoute.ANTHROPIC, "claude-sonnet-4-5-20250929");
    TokenCounter counter = TokenCounters.forModel(PriceRoute.ANTHROPIC, sonnet);
    assertEquals(java.util.OptionalLong.of(200_000), InputTokenBound.contextWindow(sonnet, null));
    java.util.OptionalLong oneMillion = InputTokenBound.contextWindow(sonnet, 1_000_000L);
    assertEquals(java.util.OptionalLong.of(1_000_000), oneMillion);
    // a smaller request window never shrinks the catalog's
    assertEquals(java.util.OptionalLong.of(200_000),
        InputTokenBound.contextWindow(sonnet, 100_000L));
    String big = "x ".repeat(600_000);
    assertEquals(200_000, InputTokenBound.upperBound(counter, List.of(big), 1, 0, sonnet));
    long bound = InputTokenBound.upperBound(counter, List.of(big), 1, 0, sonnet, oneMillion);
    assertTrue(bound > 200_000 && bound <= 1_000_000, "bound " + bound);
    assertEquals(1_000_000,
        InputTokenBound.upperBound(counter, List.of("hi"), 1, 1, sonnet, oneMillion));
  }
}
