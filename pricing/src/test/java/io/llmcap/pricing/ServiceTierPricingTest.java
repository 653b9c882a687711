package io.llmcap.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Service tiers, per-size web-search fees and call bounds, priced by hand from the catalog. */
class ServiceTierPricingTest {
  private static final PriceCatalog CATALOG = PriceCatalog.bundled();

  private static ModelPrice entry(String key) {
    return CATALOG.entry(key).orElseThrow();
  }

  @Test
  void priorityUsageIsBilledAtThePriorityColumns() throws Exception {
    // gpt-4o priority: input $4.25/M, cached $2.125/M, output $17/M
    Usage usage = Usage.builder().input(800).cacheRead(200).output(500)
        .serviceTier(ServiceTier.PRIORITY).build();
    assertEquals(800 * 4_250 + 200 * 2_125 + 500 * 17_000,
        CostCalculator.cost(entry("gpt-4o"), usage));
    // the same usage at the standard tier: $2.50, $1.25, $10 per M
    assertEquals(800 * 2_500 + 200 * 1_250 + 500 * 10_000,
        CostCalculator.cost(entry("gpt-4o"), usage.toBuilder()
            .serviceTier(ServiceTier.STANDARD).build()));
  }

  @Test
  void flexUsageIsBilledAtFlexColumnsOrAtStandardWhenTheEntryHasNone() throws Exception {
    Usage usage = Usage.builder().input(1_000).output(100).serviceTier(ServiceTier.FLEX).build();
    // gpt-5 flex: input $0.625/M, output $5/M
    assertEquals(1_000 * 625 + 100 * 5_000, CostCalculator.cost(entry("gpt-5"), usage));
    // gpt-4o has no flex prices: standard prices are dearer, so never under-billed
    assertEquals(1_000 * 2_500 + 100 * 10_000, CostCalculator.cost(entry("gpt-4o"), usage));
  }

  @Test
  void priorityOrUnknownTierWithoutCatalogPricesIsUnpriceable() {
    Usage priority = Usage.builder().input(10).output(1).serviceTier(ServiceTier.PRIORITY).build();
    UnpriceableUsageException e = assertThrows(UnpriceableUsageException.class,
        () -> CostCalculator.cost(entry("claude-sonnet-4-5-20250929"), priority));
    assertTrue(e.getMessage().contains("input_cost_per_token_priority"), e.getMessage());
    Usage scale = priority.toBuilder().serviceTier(ServiceTier.UNPRICED).build();
    assertThrows(UnpriceableUsageException.class,
        () -> CostCalculator.cost(entry("gpt-4o"), scale));
  }

  @Test
  void reportedTierNamesMapToPriceColumns() {
    assertEquals(ServiceTier.STANDARD, ServiceTier.fromReported(null));
    assertEquals(ServiceTier.STANDARD, ServiceTier.fromReported("default"));
    assertEquals(ServiceTier.STANDARD, ServiceTier.fromReported("auto"));
    assertEquals(ServiceTier.PRIORITY, ServiceTier.fromReported("priority"));
    assertEquals(ServiceTier.PRIORITY, ServiceTier.fromReported("fast"));
    assertEquals(ServiceTier.FLEX, ServiceTier.fromReported("flex"));
    assertEquals(ServiceTier.UNPRICED, ServiceTier.fromReported("scale"));
    assertEquals(ServiceTier.UNPRICED, ServiceTier.fromReported("ultrafast"));
  }

  @Test
  void searchFeeIsChargedAtTheUsedContextSizeElseTheDearest() throws Exception {
    ModelPrice search = entry("gpt-4o-search-preview");
    Usage low = Usage.builder().input(1_000).output(100).webSearchRequests(1)
        .webSearchContextSize("low").build();
    // $2.50/M input, $10/M output, $0.03 per low-context search
    assertEquals(2_500_000 + 1_000_000 + 30_000_000, CostCalculator.cost(search, low));
    Usage unknown = low.toBuilder().webSearchContextSize(null).build();
    assertEquals(2_500_000 + 1_000_000 + 50_000_000, CostCalculator.cost(search, unknown));
  }

  @Test
  void callBoundAddsSearchFeesAndPricesTheTier() throws Exception {
    // gpt-4o-mini-search-preview: $0.15/M input, $0.60/M output, medium search $0.0275
    CallBound search = new CallBound(1_000, 100, false, false, 1, "medium", ServiceTier.STANDARD);
    assertEquals(150_000 + 60_000 + 27_500_000,
        CostCalculator.bound(entry("gpt-4o-mini-search-preview"), search));
    // gpt-5 at priority: input $2.50/M, output $20/M
    CallBound priority = new CallBound(1_000, 100, false, false, 0, null, ServiceTier.PRIORITY);
    assertEquals(2_500_000 + 2_000_000, CostCalculator.bound(entry("gpt-5"), priority));
    CallBound noSearchPrice = new CallBound(1_000, 100, false, false, 2, null,
        ServiceTier.STANDARD);
    assertThrows(UnpriceableUsageException.class,
        () -> CostCalculator.bound(entry("gpt-5"), noSearchPrice));
  }

  @Test
  void affordableOutputOfACallBoundIsTheLargestThatFits() throws Exception {
    ModelPrice price = entry("gpt-4o-search-preview");
    CallBound call = new CallBound(1_000, 0, false, false, 1, "high", ServiceTier.STANDARD);
    long budget = 60_000_000;
    long n = CostCalculator.maxAffordableOutputTokens(price, call, budget);
    // fixed part 2,500,000 + 50,000,000; each output token 10,000
    assertEquals((budget - 52_500_000) / 10_000, n);
    assertTrue(CostCalculator.bound(price, call.withOutputTokens(n)) <= budget);
    assertTrue(CostCalculator.bound(price, call.withOutputTokens(n + 1)) > budget);
    assertEquals(-1, CostCalculator.maxAffordableOutputTokens(price, call, 52_499_999));
  }
}
