package io.llmcap.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriceCatalogLoadingTest {
  @Test
  void theBundledCatalogHasEveryModelOfTheUpstreamFileAndIsLoadedOnce() {
    assertEquals(1_803, PriceCatalog.bundled().size());
    assertSame(PriceCatalog.bundled(), PriceCatalog.bundled());
  }

  @Test
  void readsTheFieldsThatPriceACall() {
    ModelPrice p = PriceCatalog.bundled().entry("claude-sonnet-4-5-20250929").orElseThrow();
    assertEquals("anthropic", p.litellmProvider());
    assertEquals("chat", p.mode());
    assertEquals(200_000, p.maxInputTokens().getAsLong());
    assertEquals(64_000, p.maxOutputTokens().getAsLong());
    assertEquals(0, p.inputPerToken().compareTo(new java.math.BigDecimal("0.000003")));
    assertEquals(0, p.inputPerTokenAbove200k().compareTo(new java.math.BigDecimal("0.000006")));
    assertEquals(null, p.cacheWrite1hPerToken());
    assertEquals(0, p.effectiveCacheWrite1hPerToken().compareTo(new java.math.BigDecimal("6e-6")));
  }

  @Test
  void numbersWrittenAsStringsAreReadAsExactDecimals() {
    ModelPrice grok = PriceCatalog.bundled().entry("xai/grok-4-fast-reasoning").orElseThrow();
    assertEquals(2_000_000, grok.maxInputTokens().getAsLong());
  }

  @Test
  void loadsAnOperatorsCatalogFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("prices.json");
    Files.writeString(file, "{\"sample_spec\": {\"max_input_tokens\": \"docs\"},"
        + " \"acme-chat\": {\"litellm_provider\": \"openai\", \"mode\": \"chat\","
        + " \"input_cost_per_token\": 1e-06, \"output_cost_per_token\": 2e-06,"
        + " \"max_input_tokens\": 32000}}");
    PriceCatalog catalog = PriceCatalog.load(file);
    assertEquals(1, catalog.size());
    assertEquals("acme-chat", catalog.resolve(PriceRoute.OPENAI, "acme-chat").key());
  }

  @Test
  void invalidJsonIsRefusedWithTheFileAndTheLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("broken.json");
    Files.writeString(file, "{\n\"m\": {\"input_cost_per_token\": 1e-06,,}\n}");
    PricingException e = assertThrows(PricingException.class, () -> PriceCatalog.load(file));
    assertTrue(e.getMessage().contains("broken.json"), e.getMessage());
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
  }

  @Test
  void aBadPriceIsRefusedWithTheEntryAndTheField(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "{\"m\": {\"input_cost_per_token\": \"cheap\"}}");
    PricingException e = assertThrows(PricingException.class, () -> PriceCatalog.load(file));
    assertTrue(e.getMessage().contains("'m'"), e.getMessage());
    assertTrue(e.getMessage().contains("input_cost_per_token"), e.getMessage());
    Files.writeString(file, "{\"m\": {\"output_cost_per_token\": -1e-06}}");
    assertThrows(PricingException.class, () -> PriceCatalog.load(file));
  }

  @Test
  void aMissingFileIsRefusedWithItsPath(@TempDir Path dir) {
    PricingException e = assertThrows(PricingException.class,
        () -> PriceCatalog.load(dir.resolve("absent.json")));
    assertTrue(e.getMessage().contains("absent.json"), e.getMessage());
  }

  @Test
  void aFileThatIsNotAnObjectOfEntriesIsRefused(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("list.json");
    Files.writeString(file, "[1, 2]");
    assertThrows(PricingException.class, () -> PriceCatalog.load(file));
  }
}
