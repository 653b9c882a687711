package io.llmcap.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class PriceOverridesTest {
  private static final PriceCatalog BUNDLED = PriceCatalog.bundled();

  private static BigDecimal usd(String value) {
    return new BigDecimal(value);
  }

  @Test
  void anOverrideOfACatalogKeyPatchesOnlyTheFieldsItSets() throws Exception {
    PriceCatalog catalog = BUNDLED.withOverrides(List.of(new PriceOverride(
        "gemini/gemini-2.5-pro", null, null, usd("0.125"), null, null, null, null, null)));
    ModelPrice p = catalog.resolve(PriceRoute.GEMINI, "gemini-2.5-pro");
    assertEquals("gemini/gemini-2.5-pro", p.key());
    assertEquals(0, usd("1.25e-07").compareTo(p.cacheReadPerToken()));
    assertEquals(0, usd("1.25e-06").compareTo(p.inputPerToken()));
    assertEquals(0, usd("2.5e-06").compareTo(p.inputPerTokenAbove200k()));
    assertEquals("gemini", p.litellmProvider());
    assertTrue(p.overridden());
    assertEquals(125, CostCalculator.cost(p, new Usage(0, 1, 0, 0, 0, 0)));
  }

  @Test
  void theOriginalCatalogIsUnchanged() throws Exception {
    BUNDLED.withOverrides(List.of(PriceOverride.of("gpt-4o", usd("1"), usd("2"))));
    assertEquals(0, usd("2.5e-06").compareTo(BUNDLED.entry("gpt-4o").orElseThrow()
        .inputPerToken()));
  }

  @Test
  void anOverrideFillsAMissingFieldSoTheUsageBecomesPriceable() throws Exception {
    ModelPrice before = BUNDLED.entry("azure/eu/gpt-4o-2024-11-20").orElseThrow();
    assertThrows(UnpriceableUsageException.class,
        () -> CostCalculator.cost(before, new Usage(0, 1_000, 0, 0, 0, 0)));
    PriceCatalog catalog = BUNDLED.withOverrides(List.of(new PriceOverride(
        "azure/eu/gpt-4o-2024-11-20", null, null, usd("1.375"), null, null, null, null, null)));
    ModelPrice after = catalog.entry("azure/eu/gpt-4o-2024-11-20").orElseThrow();
    assertEquals(1_375_000, CostCalculator.cost(after, new Usage(0, 1_000, 0, 0, 0, 0)));
  }

  @Test
  void anUnknownModelBecomesAnOverrideEntryOnEveryRoute() throws Exception {
    PriceCatalog catalog = BUNDLED.withOverrides(
        List.of(PriceOverride.of("ft:gpt-4o-mini:acme", usd("0.30"), usd("1.20"))));
    ModelPrice p = catalog.resolve(PriceRoute.OPENAI, "ft:gpt-4o-mini:acme");
    assertEquals(PriceCatalog.OVERRIDE_PROVIDER, p.litellmProvider());
    assertEquals("ft:gpt-4o-mini:acme", p.key());
    assertEquals(300_000_000L + 1_200_000_000L,
        CostCalculator.cost(p, Usage.of(1_000_000, 1_000_000)));
    assertEquals(p, catalog.resolve(PriceRoute.OPENAI_COMPATIBLE, "ft:gpt-4o-mini:acme"));
    assertEquals(BUNDLED.size() + 1, catalog.size());
    assertNull(p.cacheReadPerToken());
    assertTrue(p.maxInputTokens().isEmpty());
  }

  @Test
  void anUnknownModelNeedsInputAndOutputPrices() {
    PricingException e = assertThrows(PricingException.class, () -> BUNDLED.withOverrides(
        List.of(new PriceOverride("my-model", usd("1"), null, null, null, null, null, null,
            null))));
    assertTrue(e.getMessage().contains("'my-model'"), e.getMessage());
    assertTrue(e.getMessage().contains("outputPerMTok"), e.getMessage());
  }

  @Test
  void aNameThatResolvesToACatalogEntryCopiesItUnderTheOverridesName() throws Exception {
    PriceCatalog catalog = BUNDLED.withOverrides(List.of(new PriceOverride(
        "anthropic/claude-sonnet-4-5", null, usd("20"), null, null, null, null, null, 100_000L)));
    ModelPrice p = catalog.resolve(PriceRoute.ANTHROPIC, "anthropic/claude-sonnet-4-5");
    assertEquals("anthropic/claude-sonnet-4-5", p.key());
    assertEquals(0, usd("3e-06").compareTo(p.inputPerToken()));
    assertEquals(0, usd("2e-05").compareTo(p.outputPerToken()));
    assertEquals(100_000L, p.maxOutputTokens().getAsLong());
    assertEquals("anthropic", p.litellmProvider());
  }

  @Test
  void anAnthropicInputOverrideMovesTheDerivedOneHourWriteRate() throws Exception {
    PriceCatalog catalog = BUNDLED.withOverrides(
        List.of(new PriceOverride("claude-sonnet-4-5-20250929", usd("4"), null, null, null, null,
            null, null, null)));
    ModelPrice p = catalog.entry("claude-sonnet-4-5-20250929").orElseThrow();
    assertEquals(8_000, CostCalculator.cost(p, new Usage(0, 0, 0, 1, 0, 0)));
  }

  @Test
  void anOverrideCanFixTheCatalogsOneHourWriteRate() throws Exception {
    PriceCatalog catalog = BUNDLED.withOverrides(List.of(new PriceOverride(
        "claude-3-5-haiku-20241022", null, null, null, null, usd("1.60"), null, null, null)));
    ModelPrice p = catalog.entry("claude-3-5-haiku-20241022").orElseThrow();
    assertEquals(1_600, CostCalculator.cost(p, new Usage(0, 0, 0, 1, 0, 0)));
  }

  @Test
  void aNegativePriceIsRefused() {
    PricingException e = assertThrows(PricingException.class, () -> BUNDLED.withOverrides(
        List.of(PriceOverride.of("gpt-4o", usd("-1"), usd("2")))));
    assertTrue(e.getMessage().contains("inputPerMTok"), e.getMessage());
  }

  @Test
  void aModelListedTwiceIsRefused() {
    PricingException e = assertThrows(PricingException.class, () -> BUNDLED.withOverrides(
        List.of(PriceOverride.of("gpt-4o", usd("1"), usd("2")),
            PriceOverride.of("gpt-4o", usd("1"), usd("3")))));
    assertTrue(e.getMessage().contains("twice"), e.getMessage());
  }

  @Test
  void aZeroTokenLimitIsRefused() {
    assertThrows(PricingException.class, () -> BUNDLED.withOverrides(List.of(new PriceOverride(
        "gpt-4o", null, null, null, null, null, null, 0L, null))));
  }
}
