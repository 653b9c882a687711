package io.llmcap.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CostBoundTest {
  private static final PriceCatalog CATALOG = PriceCatalog.bundled();
  private static final List<String> MODELS = List.of("gpt-4o-mini", "gpt-5",
      "claude-sonnet-4-5-20250929", "claude-3-5-haiku-20241022", "gemini/gemini-2.5-pro",
      "gemini/gemini-2.5-flash", "gemini/gemini-1.5-pro", "gemini-2.5-pro",
      "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "azure/eu/gpt-4o-2024-11-20",
      "text-embedding-3-small");

  private static ModelPrice entry(String key) {
    return CATALOG.entry(key).orElseThrow();
  }

  @Test
  void boundUsesTheDearestInputSideRateAndTheOutputRate() throws Exception {
    // gpt-4o-mini: input 150 n$/token (cache reads cost less), output 600
    assertEquals(1_000 * 150 + 100 * 600, CostCalculator.bound(entry("gpt-4o-mini"), 1_000, 100,
        false));
    // claude sonnet 4.5 may write the cache for 1 hour at 2 x input = 6,000 n$/token
    assertEquals(1_000 * 6_000 + 100 * 15_000,
        CostCalculator.bound(entry("claude-sonnet-4-5-20250929"), 1_000, 100, true));
    assertEquals(1_000 * 3_000 + 100 * 15_000,
        CostCalculator.bound(entry("claude-sonnet-4-5-20250929"), 1_000, 100, false));
  }

  @Test
  void boundSwitchesToTheTierAboveItsThreshold() throws Exception {
    ModelPrice sonnet = entry("claude-sonnet-4-5-20250929");
    assertEquals(600_000_000L, CostCalculator.bound(sonnet, 200_000, 0, false));
    assertEquals(200_001L * 6_000 + 22_500, CostCalculator.bound(sonnet, 200_001, 1, false));
    assertEquals(200_001L * 12_000, CostCalculator.bound(sonnet, 200_001, 0, true));
  }

  @Test
  void boundTakesTheReasoningRateWhenItIsDearer() throws Exception {
    PriceCatalog catalog = CATALOG.withOverrides(List.of(new PriceOverride("thinker",
        BigDecimal.ONE, BigDecimal.valueOf(2), null, null, null, BigDecimal.TEN, null, null)));
    assertEquals(10_000, CostCalculator.bound(catalog.entry("thinker").orElseThrow(), 0, 1,
        false));
  }

  @Test
  void boundIsAtLeastTheCostOfEveryUsageItCovers() throws Exception {
    Random random = new Random(20251121);
    for (String key : MODELS) {
      ModelPrice p = entry(key);
      for (int i = 0; i < 400; i++) {
        long input = random.nextInt(4) == 0 ? random.nextInt(400_000) : random.nextInt(5_000);
        long output = p.outputPerToken() == null ? 0 : random.nextInt(70_000);
        boolean mayWriteCache = random.nextBoolean();
        long bound = CostCalculator.bound(p, input, output, mayWriteCache);
        Usage usage = usageWithin(random, p, input, output, mayWriteCache);
        long cost = CostCalculator.cost(p, usage);
        assertTrue(cost <= bound, key + ": cost " + cost + " of " + usage + " > bound " + bound
            + " for " + input + "/" + output + " cache writes " + mayWriteCache);
      }
    }
  }

  /** A usage the bound covers: prompt <= input, output + reasoning <= output, rates present. */
  private static Usage usageWithin(Random random, ModelPrice p, long input, long output,
      boolean mayWriteCache) {
    long prompt = random.nextBoolean() ? input : (long) (random.nextDouble() * input);
    long cacheRead = p.cacheReadPerToken() == null ? 0 : (long) (random.nextDouble() * prompt);
    long rest = prompt - cacheRead;
    long write5m = 0;
    long write1h = 0;
    if (mayWriteCache && p.cacheWrite5mPerToken() != null) {
      write5m = (long) (random.nextDouble() * rest);
      rest -= write5m;
    }
    if (mayWriteCache && p.effectiveCacheWrite1hPerToken() != null) {
      write1h = (long) (random.nextDouble() * rest);
      rest -= write1h;
    }
    long produced = random.nextBoolean() ? output : (long) (random.nextDouble() * output);
    long reasoning = (long) (random.nextDouble() * produced);
    return new Usage(rest, cacheRead, write5m, write1h, produced - reasoning, reasoning);
  }

  @Test
  void maxAffordableOutputTokensIsExactAtTheEdges() throws Exception {
    ModelPrice mini = entry("gpt-4o-mini"); // 150 n$ per input token, 600 per output token
    assertEquals(-1, CostCalculator.maxAffordableOutputTokens(mini, 1_000, false, 149_999));
    assertEquals(0, CostCalculator.maxAffordableOutputTokens(mini, 1_000, false, 150_000));
    assertEquals(0, CostCalculator.maxAffordableOutputTokens(mini, 1_000, false, 150_599));
    assertEquals(1, CostCalculator.maxAffordableOutputTokens(mini, 1_000, false, 150_600));
    assertEquals(1, CostCalculator.maxAffordableOutputTokens(mini, 1_000, false, 151_199));
    assertEquals(2, CostCalculator.maxAffordableOutputTokens(mini, 1_000, false, 151_200));
  }

  @Test
  void maxAffordableOutputTokensAccountsForRoundingUpFractionalRates() throws Exception {
    // 0.0015 $/MTok = 1.5 n$ per output token: 2 tokens cost 3, 3 tokens cost ceil(4.5) = 5
    PriceCatalog catalog = CATALOG.withOverrides(List.of(PriceOverride.of("cheap",
        BigDecimal.ZERO, new BigDecimal("0.0015"))));
    ModelPrice cheap = catalog.entry("cheap").orElseThrow();
    assertEquals(2, CostCalculator.maxAffordableOutputTokens(cheap, 0, false, 3));
    assertEquals(2, CostCalculator.maxAffordableOutputTokens(cheap, 0, false, 4));
    assertEquals(3, CostCalculator.maxAffordableOutputTokens(cheap, 0, false, 5));
  }

  @Test
  void maxAffordableOutputTokensAgreesWithBound() throws Exception {
    Random random = new Random(7);
    for (String key : List.of("gpt-5", "claude-sonnet-4-5-20250929", "gemini/gemini-2.5-pro")) {
      ModelPrice p = entry(key);
      for (int i = 0; i < 300; i++) {
        long input = random.nextInt(300_000);
        boolean mayWriteCache = random.nextBoolean();
        long budget = (long) (random.nextDouble() * 5_000_000_000L);
        long n = CostCalculator.maxAffordableOutputTokens(p, input, mayWriteCache, budget);
        if (n < 0) {
          assertTrue(CostCalculator.bound(p, input, 0, mayWriteCache) > budget);
        } else {
          assertTrue(CostCalculator.bound(p, input, n, mayWriteCache) <= budget);
          assertTrue(CostCalculator.bound(p, input, n + 1, mayWriteCache) > budget);
        }
      }
    }
  }

  @Test
  void freeOutputAffordsAnyNumberOfTokens() throws Exception {
    ModelPrice free = entry("gemini/gemini-2.0-flash-exp");
    assertEquals(Long.MAX_VALUE, CostCalculator.maxAffordableOutputTokens(free, 10, false, 0));
  }

  @Test
  void aHugeBudgetOnATinyRateSaturatesInsteadOfOverflowing() throws Exception {
    PriceCatalog catalog = CATALOG.withOverrides(List.of(PriceOverride.of("tiny",
        BigDecimal.ZERO, new BigDecimal("0.000000001"))));
    assertEquals(Long.MAX_VALUE, CostCalculator.maxAffordableOutputTokens(
        catalog.entry("tiny").orElseThrow(), 0, false, Long.MAX_VALUE));
  }

  @Test
  void aModelWithoutAnOutputPriceBoundsInputOnlyCallsButNotOutput() throws Exception {
    ModelPrice embed = entry("mistral/mistral-embed"); // the catalog has no output price
    assertEquals(100, CostCalculator.bound(embed, 1, 0, false));
    UnpriceableUsageException e = assertThrows(UnpriceableUsageException.class,
        () -> CostCalculator.bound(embed, 10, 1, false));
    assertTrue(e.getMessage().contains("output_cost_per_token"), e.getMessage());
    assertThrows(UnpriceableUsageException.class,
        () -> CostCalculator.maxAffordableOutputTokens(embed, 10, false, 1_000));
  }
}
