package io.llmcap.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ModelResolutionTest {
  private static final PriceCatalog CATALOG = PriceCatalog.bundled();

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
      "OPENAI, gpt-4o, gpt-4o",
      "OPENAI, gpt-4o-2024-11-20, gpt-4o-2024-11-20",
      "OPENAI, openai/gpt-4o, gpt-4o",
      "OPENAI, gpt-4o-2099-01-01, gpt-4o",
      "OPENAI, text-embedding-3-small, text-embedding-3-small",
      "OPENAI, o3-pro, o3-pro",
      "ANTHROPIC, claude-3-5-sonnet-20241022, claude-3-5-sonnet-20241022",
      "ANTHROPIC, claude-3-5-sonnet-latest, claude-3-5-sonnet-latest",
      "ANTHROPIC, claude-sonnet-4-5-20250929, claude-sonnet-4-5-20250929",
      "ANTHROPIC, claude-sonnet-4-5-20991231, claude-sonnet-4-5",
      "ANTHROPIC, anthropic/claude-sonnet-4-5, claude-sonnet-4-5",
      "GEMINI, gemini-2.5-pro, gemini/gemini-2.5-pro",
      "GEMINI, models/gemini-2.5-flash, gemini/gemini-2.5-flash",
      "GEMINI, gemini/gemini-2.5-flash, gemini/gemini-2.5-flash",
      "GEMINI, gemini-1.5-pro-latest, gemini/gemini-1.5-pro-latest",
      "GEMINI, gemini-2.5-flash-latest, gemini/gemini-2.5-flash",
      "GEMINI, gemini-2.0-flash-001, gemini/gemini-2.0-flash-001",
      "GEMINI, gemini-2.5-flash-001, gemini/gemini-2.5-flash",
      "GEMINI, gemini-flash-latest, gemini/gemini-flash-latest",
      "VERTEX, gemini-2.5-pro, gemini-2.5-pro",
      "VERTEX, publishers/google/models/gemini-2.5-flash, gemini-2.5-flash",
      "VERTEX, claude-sonnet-4-5@20250929, vertex_ai/claude-sonnet-4-5@20250929",
      "VERTEX, claude-sonnet-4-5@20991231, vertex_ai/claude-sonnet-4-5",
      "AZURE, gpt-4o, azure/gpt-4o",
      "AZURE, gpt-4o-2024-11-20, azure/gpt-4o-2024-11-20",
      "AZURE, azure/eu/gpt-4o-2024-11-20, azure/eu/gpt-4o-2024-11-20",
      "MISTRAL, mistral-large-latest, mistral/mistral-large-latest",
      "MISTRAL, mistral-large-2411, mistral/mistral-large-2411",
      "BEDROCK, us.anthropic.claude-sonnet-4-5-20250929-v1:0,"
          + " us.anthropic.claude-sonnet-4-5-20250929-v1:0",
      "BEDROCK, global.anthropic.claude-sonnet-4-5-20250929-v1:0,"
          + " global.anthropic.claude-sonnet-4-5-20250929-v1:0",
      "BEDROCK, us.anthropic.claude-sonnet-4-5-20250929-v1%3A0,"
          + " us.anthropic.claude-sonnet-4-5-20250929-v1:0",
      "BEDROCK, anthropic.claude-3-5-sonnet-20241022-v2:0, anthropic.claude-3-5-sonnet-20241022-v2:0",
      "COHERE, command-r-plus, command-r-plus",
  })
  void resolvesWhatCallersSendToTheRoutesOwnEntry(PriceRoute route, String model, String key)
      throws Exception {
    assertEquals(key, CATALOG.resolve(route, model).key());
  }

  @Test
  void aBedrockIdWithoutAProfileTheCatalogLacksTakesARegionalProfileNeverTheCheaperGlobal()
      throws Exception {
    ModelPrice p = CATALOG.resolve(PriceRoute.BEDROCK,
        "anthropic.claude-sonnet-4-5-20250929-v1:0");
    assertEquals("us.anthropic.claude-sonnet-4-5-20250929-v1:0", p.key());
  }

  @Test
  void aLatestAliasTheCatalogLacksTakesTheNewestDatedSnapshotWhenThereIsNoBase()
      throws Exception {
    // the catalog has neither claude-3-haiku-latest nor claude-3-haiku, only the dated snapshot
    ModelPrice p = CATALOG.resolve(PriceRoute.ANTHROPIC, "claude-3-haiku-latest");
    assertEquals("claude-3-haiku-20240307", p.key());
  }

  @Test
  void anUnknownDateSuffixDoesNotFallBackWhenTheBaseIsNotInTheCatalog() {
    assertThrows(UnknownModelException.class,
        () -> CATALOG.resolve(PriceRoute.OPENAI, "gpt-9-2099-01-01"));
  }

  @Test
  void anUnknownModelNamesTheModelTheRouteAndTheOverrideToAdd() {
    UnknownModelException e = assertThrows(UnknownModelException.class,
        () -> CATALOG.resolve(PriceRoute.OPENAI_COMPATIBLE, "my-llama-70b"));
    assertTrue(e.getMessage().contains("'my-llama-70b'"), e.getMessage());
    assertTrue(e.getMessage().contains("OPENAI_COMPATIBLE"), e.getMessage());
    assertTrue(e.getMessage().contains("pricing.overrides"), e.getMessage());
    assertEquals(PriceRoute.OPENAI_COMPATIBLE, e.route());
    assertEquals("my-llama-70b", e.model());
  }

  @Test
  void anUnknownModelIsReportedAgainOnEveryCallOnceCached() {
    for (int i = 0; i < 3; i++) {
      assertThrows(UnknownModelException.class,
          () -> CATALOG.resolve(PriceRoute.ANTHROPIC, "claude-nonexistent"));
    }
  }

  @Test
  void resolutionsAreCached() throws Exception {
    assertSame(CATALOG.resolve(PriceRoute.GEMINI, "gemini-2.5-pro"),
        CATALOG.resolve(PriceRoute.GEMINI, "gemini-2.5-pro"));
  }

  @Test
  void theRouteFamilyWinsOverAnExactKeyOfAnotherProvider() throws Exception {
    // the bare key is the Vertex price; the Gemini API's cached reads cost more
    assertEquals("gemini", CATALOG.resolve(PriceRoute.GEMINI, "gemini-2.5-pro")
        .litellmProvider());
    assertEquals("vertex_ai-language-models",
        CATALOG.resolve(PriceRoute.VERTEX, "gemini-2.5-pro").litellmProvider());
  }

  @Test
  void anOpenAiModelOnAnOpenAiCompatibleServerFallsBackToTheCatalogPrice() throws Exception {
    assertEquals("gpt-4o-mini",
        CATALOG.resolve(PriceRoute.OPENAI_COMPATIBLE, "gpt-4o-mini").key());
  }

  @Test
  void exactKeysAreFoundWithEntry() {
    assertTrue(CATALOG.entry("gpt-4o").isPresent());
    assertTrue(CATALOG.entry("sample_spec").isEmpty());
    assertTrue(CATALOG.entry("gpt-4o-2099-01-01").isEmpty());
  }
}
