package io.llmcap.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Audio tokens, web searches and per-call charges, priced from the bundled catalog by hand. */
class PricedQuantitiesTest {
  private static final PriceCatalog CATALOG = PriceCatalog.bundled();

  private static ModelPrice entry(String key) {
    return CATALOG.entry(key).orElseThrow();
  }

  @Test
  void audioTokensOfGpt4oAudioUseTheAudioRates() throws Exception {
    // gpt-4o-audio-preview: input 2.5e-06 = 2,500 n$; audio in 1e-04 = 100,000;
    // output 1e-05 = 10,000; audio out 2e-04 = 200,000
    Usage usage = Usage.builder().input(100).audioInput(50).output(20).audioOutput(30).build();
    assertEquals(250_000 + 5_000_000 + 200_000 + 6_000_000,
        CostCalculator.cost(entry("gpt-4o-audio-preview"), usage));
  }

  @Test
  void geminiFlashAudioInputCostsMoreThanText() throws Exception {
    // gemini/gemini-2.5-flash: text input 3e-07 = 300 n$, audio input 1e-06 = 1,000
    Usage usage = Usage.builder().input(1_000).audioInput(1_000).build();
    assertEquals(300_000 + 1_000_000, CostCalculator.cost(entry("gemini/gemini-2.5-flash"), usage));
  }

  @Test
  void audioTokensOnAModelWithoutAnAudioRateAreUnpriceableNotFree() {
    Usage usage = Usage.builder().input(10).audioInput(1).build();
    UnpriceableUsageException e = assertThrows(UnpriceableUsageException.class,
        () -> CostCalculator.cost(entry("gpt-4o-mini"), usage));
    assertTrue(e.getMessage().contains("input_cost_per_audio_token"), e.getMessage());
  }

  @Test
  void anthropicWebSearchesAreTenDollarsPerThousand() throws Exception {
    // claude-sonnet-4-5-20250929: search 0.01 USD = 10,000,000 n$ per query (every size);
    // input 3e-06 = 3,000; output 1.5e-05 = 15,000
    Usage usage = Usage.builder().input(1_000).output(100).webSearchRequests(3).build();
    assertEquals(3_000_000 + 1_500_000 + 30_000_000,
        CostCalculator.cost(entry("claude-sonnet-4-5-20250929"), usage));
  }

  @Test
  void openAiSearchUsesTheDearestContextSize() throws Exception {
    // gpt-4o-search-preview: low 0.03, medium 0.035, high 0.05 USD: the size is not reported
    assertEquals(50_000_000, CostCalculator.cost(entry("gpt-4o-search-preview"),
        Usage.builder().webSearchRequests(1).build()));
  }

  @Test
  void webSearchesOnAModelWithoutASearchPriceAreUnpriceable() {
    assertThrows(UnpriceableUsageException.class, () -> CostCalculator.cost(entry("gpt-4o-mini"),
        Usage.builder().input(1).webSearchRequests(1).build()));
  }

  @Test
  void aPerRequestChargeIsAddedOncePerCallAndToTheBound() throws Exception {
    // perplexity/sonar-small-online: 0.005 USD = 5,000,000 n$ per request; input free;
    // output 2.8e-07 = 280 n$
    ModelPrice sonar = entry("perplexity/sonar-small-online");
    assertEquals(5_000_000 + 28_000, CostCalculator.cost(sonar, Usage.of(1_000, 100)));
    assertEquals(5_000_000 + 28_000, CostCalculator.bound(sonar, 1_000, 100, false));
    // 5,000,000 of a 5,028,000 budget go to the call itself: 28,000 / 280 = 100 tokens fit
    assertEquals(100, CostCalculator.maxAffordableOutputTokens(sonar, 1_000, false, 5_028_000));
  }

  @Test
  void mediaInputIsBoundedAtTheAudioRateAndTextOnlyInputIsNot() throws Exception {
    ModelPrice flash = entry("gemini/gemini-2.5-flash");
    // text only: input 300 n$/token; output max(2,500 output, 2,500 reasoning)
    assertEquals(300_000 + 2_500_000, CostCalculator.bound(flash, 1_000, 1_000, false));
    // media: audio 1,000 n$/token bounds every input token
    assertEquals(1_000_000 + 2_500_000, CostCalculator.bound(flash, 1_000, 1_000, false, true));
  }

  @Test
  void outputIsAlwaysBoundedAtTheAudioOutputRateOfAnAudioModel() throws Exception {
    // gpt-4o-audio-preview: audio output 2e-04 = 200,000 n$ > text output 10,000
    assertEquals(200_000_000L,
        CostCalculator.bound(entry("gpt-4o-audio-preview"), 0, 1_000, false));
  }

  @Test
  void everyBoundCoversTheCostOfAudioUsageWithinIt() throws Exception {
    ModelPrice audio = entry("gpt-4o-audio-preview");
    long bound = CostCalculator.bound(audio, 1_000, 500, false, true);
    for (long audioIn = 0; audioIn <= 1_000; audioIn += 250) {
      for (long audioOut = 0; audioOut <= 500; audioOut += 125) {
        Usage usage = Usage.builder().input(1_000 - audioIn).audioInput(audioIn)
            .output(500 - audioOut).audioOutput(audioOut).build();
        assertTrue(CostCalculator.cost(audio, usage) <= bound, usage.toString());
      }
    }
  }

  @Test
  void builderAndCanonicalConstructorAgree() {
    assertEquals(new Usage(1, 2, 3, 4, 5, 6, 7, 8, 9),
        Usage.builder().input(1).cacheRead(2).cacheWrite5m(3).cacheWrite1h(4).output(5)
            .reasoning(6).audioInput(7).audioOutput(8).webSearchRequests(9).build());
    assertEquals(new Usage(1, 2, 3, 4, 5, 6, 0, 0, 0), new Usage(1, 2, 3, 4, 5, 6));
    Usage u = new Usage(1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertEquals(u, u.toBuilder().build());
    assertEquals(1 + 2 + 3 + 4 + 7, u.promptTokens());
    assertEquals(1 + 2 + 3 + 4 + 7 + 5 + 6 + 8, u.totalTokens());
    assertThrows(IllegalArgumentException.class, () -> Usage.builder().audioOutput(-1).build());
  }
}
