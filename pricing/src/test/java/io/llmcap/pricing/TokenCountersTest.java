package io.llmcap.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenCountersTest {
  private static final PriceCatalog CATALOG = PriceCatalog.bundled();

  private static TokenCounter counter(PriceRoute route, String model) throws Exception {
    return TokenCounters.forModel(route, CATALOG.resolve(route, model));
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
      "OPENAI, gpt-4o, o200k_base",
      "OPENAI, gpt-4o-mini-2024-07-18, o200k_base",
      "OPENAI, gpt-4.1, o200k_base",
      "OPENAI, gpt-5, o200k_base",
      "OPENAI, o3-mini, o200k_base",
      "OPENAI, gpt-4, cl100k_base",
      "OPENAI, gpt-3.5-turbo, cl100k_base",
      "OPENAI, text-embedding-3-small, cl100k_base",
      "AZURE, gpt-4o, o200k_base",
      "ANTHROPIC, claude-sonnet-4-5-20250929, utf8-bytes",
      "GEMINI, gemini-2.5-pro, utf8-bytes",
      "BEDROCK, us.anthropic.claude-sonnet-4-5-20250929-v1:0, utf8-bytes",
      "MISTRAL, mistral-large-latest, utf8-bytes",
      "OPENAI_COMPATIBLE, gpt-4o-mini, utf8-bytes",
  })
  void picksTheModelsEncodingOrTheByteBound(PriceRoute route, String model, String name)
      throws Exception {
    TokenCounter c = counter(route, model);
    assertEquals(name, c.name());
    assertEquals(!name.equals("utf8-bytes"), c.exact());
  }

  @Test
  void aFineTunedOpenAiModelUsesItsBaseModelsEncoding() throws Exception {
    PriceCatalog catalog = CATALOG.withOverrides(java.util.List.of(PriceOverride.of(
        "ft:gpt-4o-mini:acme", java.math.BigDecimal.ONE, java.math.BigDecimal.ONE)));
    assertEquals("o200k_base", TokenCounters.forModel(PriceRoute.OPENAI,
        catalog.resolve(PriceRoute.OPENAI, "ft:gpt-4o-mini:acme")).name());
  }

  @Test
  void countsAKnownStringExactly() throws Exception {
    // OpenAI's tiktoken cookbook: "tiktoken is great!" is 6 tokens in cl100k_base
    assertEquals(6, counter(PriceRoute.OPENAI, "gpt-4").upperBound("tiktoken is great!"));
    assertEquals(6, counter(PriceRoute.OPENAI, "gpt-4o").upperBound("tiktoken is great!"));
    assertEquals(2, counter(PriceRoute.OPENAI, "gpt-4o").estimate("hello world"));
    assertEquals(0, counter(PriceRoute.OPENAI, "gpt-4o").upperBound(""));
  }

  @Test
  void aSpecialTokenInAPromptIsCountedAsOrdinaryText() throws Exception {
    assertTrue(counter(PriceRoute.OPENAI, "gpt-4o").upperBound("<|endoftext|>") > 1);
  }

  @Test
  void theByteBoundCountsUtf8BytesPlusOneForADummyPrefix() throws Exception {
    TokenCounter bytes = counter(PriceRoute.ANTHROPIC, "claude-sonnet-4-5-20250929");
    assertEquals(0, bytes.upperBound(""));
    assertEquals(6, bytes.upperBound("hello"));
    assertEquals(1 + 4, bytes.upperBound("\uD83D\uDE00")); // one emoji, 4 bytes
    assertEquals(1 + 3, bytes.upperBound("漢"));
    assertEquals(1 + 3, bytes.upperBound("\uD800")); // unpaired surrogate, sent as U+FFFD
  }

  @Test
  void theByteBoundCoversCharactersThatUnicodeNormalizationExpands() throws Exception {
    TokenCounter bytes = counter(PriceRoute.GEMINI, "gemini-2.5-flash");
    // e-acute is 2 bytes, 3 once decomposed (e + combining acute)
    assertEquals(1 + 3, bytes.upperBound("é"));
    // U+FDFA is 3 bytes; its NFKD form is 18 Arabic letters and spaces, 33 bytes
    assertEquals(1 + 33, bytes.upperBound("\uFDFA"));
  }

  @Test
  void theByteBoundIsNeverBelowTheExactCountOfByteLevelBpe() throws Exception {
    TokenCounter exact = counter(PriceRoute.OPENAI, "gpt-4o");
    TokenCounter bytes = counter(PriceRoute.ANTHROPIC, "claude-sonnet-4-5-20250929");
    Random random = new Random(42);
    String alphabet = "abc XYZ 0129 ,.;{}\"\n\té漢字😀\uFDFAﬁ";
    for (int i = 0; i < 300; i++) {
      StringBuilder sb = new StringBuilder();
      int length = random.nextInt(200);
      for (int j = 0; j < length; j++) {
        sb.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0,
            random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
      }
      String text = sb.toString();
      assertTrue(bytes.upperBound(text) >= exact.upperBound(text), text);
      assertTrue(bytes.estimate(text) <= bytes.upperBound(text), text);
    }
  }

  @Test
  void theQuickBoundOfAnExactEncodingIsTheByteBoundAndOfTheByteBoundItself() throws Exception {
    TokenCounter exact = counter(PriceRoute.OPENAI, "gpt-4o");
    TokenCounter quick = exact.quickBound();
    assertEquals("utf8-bytes", quick.name());
    assertFalse(quick.exact());
    String prompt = "You are a helpful assistant. Summarise the following text in three bullet points.";
    assertEquals(prompt.length() + 1, quick.upperBound(prompt));
    assertTrue(quick.upperBound(prompt) > exact.upperBound(prompt));
    TokenCounter bytes = counter(PriceRoute.ANTHROPIC, "claude-sonnet-4-5-20250929");
    assertTrue(bytes.quickBound() == bytes);
  }

  @Test
  void aHugeTextIsBoundedByItsUtf8LengthInsteadOfEncoded() throws Exception {
    TokenCounter exact = counter(PriceRoute.OPENAI, "gpt-4o");
    String huge = "word ".repeat(TiktokenCounter.EXACT_LIMIT_CHARS / 5 + 1) + "é";
    assertEquals(huge.length() + 1, exact.upperBound(huge));
  }

  @Test
  void theEstimateOfTheByteBoundIsAboutFourAsciiCharsPerToken() throws Exception {
    TokenCounter bytes = counter(PriceRoute.ANTHROPIC, "claude-sonnet-4-5-20250929");
    assertEquals(3, bytes.estimate("hello world"));
    assertEquals(2, bytes.estimate("漢字"));
    assertFalse(bytes.exact());
  }
}
