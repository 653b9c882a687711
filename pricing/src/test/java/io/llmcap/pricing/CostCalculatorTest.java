package io.llmcap.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Golden costs, worked out by hand from the bundled catalog's rates (USD per token). */
class CostCalculatorTest {
  private static final PriceCatalog CATALOG = PriceCatalog.bundled();

  private static ModelPrice entry(String key) {
    return CATALOG.entry(key).orElseThrow();
  }

  private static long cost(String key, Usage usage) throws UnpriceableUsageException {
    return CostCalculator.cost(entry(key), usage);
  }

  @Test
  void gpt4oMiniBillsCachedTokensAtTheCacheRate() throws Exception {
    // input 1.5e-07 = 150 n$/token, cache read 7.5e-08 = 75, output 6e-07 = 600
    Usage usage = new Usage(1_000, 2_000, 0, 0, 500, 0);
    assertEquals(150_000 + 150_000 + 300_000, cost("gpt-4o-mini", usage));
  }

  @Test
  void gpt5BillsReasoningAtTheOutputRateWhetherInsideOrOutsideOutput() throws Exception {
    // input 1.25e-06 = 1,250, cache read 1.25e-07 = 125, output 1e-05 = 10,000
    assertEquals(12_500_000 + 500_000 + 30_000_000,
        cost("gpt-5", new Usage(10_000, 4_000, 0, 0, 3_000, 0)));
    assertEquals(1_250_000 + 10_000_000, cost("gpt-5", new Usage(1_000, 0, 0, 0, 200, 800)));
  }

  @Test
  void claudeSonnet45BillsCacheWritesAndReadsWithTheOneHourRateDerivedAsTwiceInput()
      throws Exception {
    // input 3e-06 = 3,000; cache read 3e-07 = 300; 5m write 3.75e-06 = 3,750;
    // 1h write absent from the catalog, derived 2 x input = 6,000; output 1.5e-05 = 15,000
    Usage usage = new Usage(1_000, 10_000, 2_000, 3_000, 500, 0);
    assertEquals(3_000_000 + 3_000_000 + 7_500_000 + 18_000_000 + 7_500_000,
        cost("claude-sonnet-4-5-20250929", usage));
  }

  @Test
  void claudeSonnet45BillsEveryTokenAtTheTierPricesAbove200kPromptTokens() throws Exception {
    // tier: input 6e-06 = 6,000; cache read 6e-07 = 600; 5m write 7.5e-06 = 7,500;
    // 1h write derived 2 x 6,000 = 12,000; output 2.25e-05 = 22,500. Prompt = 205,000.
    Usage usage = new Usage(150_000, 40_000, 10_000, 5_000, 2_000, 0);
    assertEquals(900_000_000L + 24_000_000 + 75_000_000 + 60_000_000 + 45_000_000,
        cost("claude-sonnet-4-5-20250929", usage));
  }

  @Test
  void exactly200kPromptTokensStayOnTheBasePrices() throws Exception {
    assertEquals(600_000_000L,
        cost("claude-sonnet-4-5-20250929", Usage.of(200_000, 0)));
    assertEquals(1_200_006_000L,
        cost("claude-sonnet-4-5-20250929", Usage.of(200_001, 0)));
  }

  @Test
  void gemini25ProBillsThoughtsAsOutputAndRoundsUpOnce() throws Exception {
    // input 1.25e-06 = 1,250; cache read 3.125e-07 = 312.5; output 1e-05 = 10,000
    // 1,251,250 + 937.5 + 1,000,000 + 500,000 = 2,752,187.5 -> 2,752,188
    assertEquals(2_752_188L,
        cost("gemini/gemini-2.5-pro", new Usage(1_001, 3, 0, 0, 100, 50)));
  }

  @Test
  void gemini25ProAbove200kUsesTierPricesAndScalesTheMissingTierCacheRate() throws Exception {
    // tier: input 2.5e-06 = 2,500; output 1.5e-05 = 15,000; cache read has no tier field:
    // 312.5 x (2,500 / 1,250) = 625. Prompt = 220,000.
    assertEquals(525_000_000L + 6_250_000 + 45_000_000,
        cost("gemini/gemini-2.5-pro", new Usage(210_000, 10_000, 0, 0, 1_000, 2_000)));
  }

  @Test
  void gemini25FlashBillsThoughtsAtTheReasoningRate() throws Exception {
    // input 3e-07 = 300; cache read 3e-08 = 30; output and reasoning 2.5e-06 = 2,500
    assertEquals(3_000_000 + 30_000 + 1_250_000 + 3_750_000,
        cost("gemini/gemini-2.5-flash", new Usage(10_000, 1_000, 0, 0, 500, 1_500)));
  }

  @Test
  void gemini15ProUsesTheOlder128kTier() throws Exception {
    // base input 3.5e-06; tier input 7e-06 = 7,000, output 2.1e-05 = 21,000
    assertEquals(3_500L * 128_000, cost("gemini/gemini-1.5-pro", Usage.of(128_000, 0)));
    assertEquals(7_000L * 128_001 + 21_000,
        cost("gemini/gemini-1.5-pro", Usage.of(128_001, 1)));
  }

  @Test
  void roundsUpOncePerCallNotPerCategory() throws Exception {
    // each cached token costs 312.5 n$: two of them are 625 exactly, one is rounded up to 313
    assertEquals(313, cost("gemini/gemini-2.5-pro", new Usage(0, 1, 0, 0, 0, 0)));
    assertEquals(625, cost("gemini/gemini-2.5-pro", new Usage(0, 2, 0, 0, 0, 0)));
  }

  @Test
  void zeroUsageCostsNothing() throws Exception {
    assertEquals(0, cost("gpt-4o", Usage.ZERO));
  }

  @Test
  void pricesAreReadAsExactDecimalsNotDoubles(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("catalog.json");
    Files.writeString(file, "{\"m\": {\"litellm_provider\": \"openai\", \"mode\": \"chat\","
        + " \"input_cost_per_token\": 5.302e-06, \"output_cost_per_token\": 1.9e-08}}");
    ModelPrice m = PriceCatalog.load(file).entry("m").orElseThrow();
    // $0.005302, which a double would make 5,301,999.999... or 5,302,000.000...1 n$
    assertEquals(5_302_000, CostCalculator.cost(m, Usage.of(1_000, 0)));
    assertEquals(19, CostCalculator.cost(m, Usage.of(0, 1)));
  }

  @Test
  void aMissingRateIsUnpriceableAndNamesTheModelAndTheField() {
    UnpriceableUsageException e = assertThrows(UnpriceableUsageException.class,
        () -> cost("azure/eu/gpt-4o-2024-11-20", new Usage(10, 5, 0, 0, 1, 0)));
    assertTrue(e.getMessage().contains("azure/eu/gpt-4o-2024-11-20"), e.getMessage());
    assertTrue(e.getMessage().contains("cache_read_input_token_cost"), e.getMessage());
    assertTrue(e.getMessage().contains("pricing.overrides"), e.getMessage());
  }

  @Test
  void oneHourCacheWritesOfANonAnthropicModelWithoutTheFieldAreUnpriceable() {
    UnpriceableUsageException e = assertThrows(UnpriceableUsageException.class,
        () -> cost("gpt-4o", new Usage(10, 0, 0, 5, 1, 0)));
    assertTrue(e.getMessage().contains("cache_creation_input_token_cost_above_1hr"),
        e.getMessage());
    assertThrows(UnpriceableUsageException.class,
        () -> cost("gpt-4o", new Usage(10, 0, 5, 0, 1, 0)));
  }

  @Test
  void theCatalogOneHourRateWinsOverTheDerivedOne() throws Exception {
    // claude-3-5-haiku-20241022 lists a 1h write of 6e-06 (not 2 x 8e-07): the catalog is used
    assertEquals(6_000, cost("claude-3-5-haiku-20241022", new Usage(0, 0, 0, 1, 0, 0)));
  }

  @Test
  void aCostBeyondALongIsUnpriceableNotWrapped() {
    UnpriceableUsageException e = assertThrows(UnpriceableUsageException.class,
        () -> cost("gpt-5", Usage.of(Long.MAX_VALUE / 2, Long.MAX_VALUE / 2)));
    assertTrue(e.getMessage().contains("gpt-5"), e.getMessage());
    assertTrue(e.getMessage().contains("outputTokens=" + Long.MAX_VALUE / 2), "names the usage: " + e.getMessage());
  }

  @Test
  void aBoundBeyondALongNamesItsTokenCounts() {
    UnpriceableUsageException e = assertThrows(UnpriceableUsageException.class,
        () -> CostCalculator.bound(PriceCatalog.bundled().entry("gpt-5").orElseThrow(), Long.MAX_VALUE / 2,
            Long.MAX_VALUE / 2, false));
    assertTrue(e.getMessage().contains(Long.MAX_VALUE / 2 + " input and " + Long.MAX_VALUE / 2 + " output tokens"),
        e.getMessage());
  }

  @Test
  void freeModelsCostZero() throws Exception {
    assertEquals(0, cost("gemini/gemini-2.0-flash-exp", Usage.of(1_000, 1_000)));
  }

}
