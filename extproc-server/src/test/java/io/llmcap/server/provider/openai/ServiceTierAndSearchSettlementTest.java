package io.llmcap.server.provider.openai;

import static io.llmcap.server.provider.UsageParserFixtures.fixture;
import static io.llmcap.server.provider.UsageParserFixtures.readAtEverySplit;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmcap.pricing.CostCalculator;
import io.llmcap.pricing.PriceCatalog;
import io.llmcap.pricing.PriceRoute;
import io.llmcap.pricing.ServiceTier;
import io.llmcap.server.provider.ApiRoute;
import io.llmcap.server.provider.ParsedRequest;
import io.llmcap.server.provider.ProviderApi;
import io.llmcap.server.provider.UsageSnapshot;
import org.junit.jupiter.api.Test;

/** Settlement prices the tier the response reports and the search fee of search models. */
class ServiceTierAndSearchSettlementTest {
  private static final PriceCatalog CATALOG = PriceCatalog.bundled();

  private static UsageSnapshot meter(ProviderApi api, String requestBody, String fixture, String contentType)
      throws Exception {
    ApiRoute route = new ApiRoute(api, null, false, false, false);
    ParsedRequest request = api.parseRequest(route, requestBody.getBytes(UTF_8));
    return readAtEverySplit(() -> api.newUsageParser(route, request), 200, contentType, fixture(fixture));
  }

  private static long cost(String model, UsageSnapshot snapshot) throws Exception {
    return CostCalculator.cost(CATALOG.resolve(PriceRoute.OPENAI, model), snapshot.usage());
  }

  @Test
  void chatCompletionServedAtPriorityIsBilledAtPriorityPrices() throws Exception {
    String request = "{\"model\":\"gpt-4o\",\"service_tier\":\"auto\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"Capital of France?\"}]}";
    UsageSnapshot json = meter(OpenAiChatApi.INSTANCE, request, "openai/chat-completion-priority.json",
        "application/json");
    assertEquals(ServiceTier.PRIORITY, json.usage().serviceTier());
    // 800 uncached x $4.25/M + 200 cached x $2.125/M + 500 output x $17/M
    assertEquals(800 * 4_250 + 200 * 2_125 + 500 * 17_000, cost("gpt-4o", json));

    String streamed = request.replace("{\"model\"", "{\"stream\":true,\"model\"");
    UsageSnapshot stream = meter(OpenAiChatApi.INSTANCE, streamed, "openai/chat-stream-priority.sse",
        "text/event-stream");
    assertTrue(stream.complete());
    assertEquals(json.usage(), stream.usage());
  }

  @Test
  void defaultTierResponsesStayAtStandardPrices() throws Exception {
    UsageSnapshot snapshot = meter(OpenAiChatApi.INSTANCE,
        "{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        "openai/chat-completion.json", "application/json");
    assertEquals(ServiceTier.STANDARD, snapshot.usage().serviceTier());
    assertEquals(0, snapshot.usage().webSearchRequests());
  }

  @Test
  void compatibleServersTiersAreNotReadAsOpenAiTiers() throws Exception {
    UsageSnapshot snapshot = meter(OpenAiChatApi.COMPATIBLE,
        "{\"model\":\"llama\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        "openai/chat-completion-priority.json", "application/json");
    assertEquals(ServiceTier.STANDARD, snapshot.usage().serviceTier());
  }

  @Test
  void searchPreviewCallIsChargedOneSearchAtItsContextSize() throws Exception {
    UsageSnapshot snapshot = meter(OpenAiChatApi.INSTANCE, """
        {"model":"gpt-4o-mini-search-preview","web_search_options":{"search_context_size":"low"},
         "messages":[{"role":"user","content":"What did the council decide?"}]}
        """, "openai/chat-completion-search-preview.json", "application/json");
    assertEquals(1, snapshot.usage().webSearchRequests());
    // 50 x $0.15/M + 20 x $0.60/M + one low-context search $0.025
    assertEquals(50 * 150 + 20 * 600 + 25_000_000, cost("gpt-4o-mini-search-preview", snapshot));
  }

  @Test
  void responsesServedAtFlexIsBilledAtFlexPrices() throws Exception {
    UsageSnapshot snapshot = meter(OpenAiResponsesApi.INSTANCE,
        "{\"model\":\"gpt-5\",\"service_tier\":\"flex\",\"input\":\"Tidy this.\",\"max_output_tokens\":2000}",
        "openai/responses-flex.json", "application/json");
    assertEquals(ServiceTier.FLEX, snapshot.usage().serviceTier());
    // gpt-5 flex: 1,000 x $0.625/M + 1,200 x $5/M
    assertEquals(1_000 * 625 + 1_200 * 5_000, cost("gpt-5", snapshot));
  }
}
