package io.llmcap.server.extproc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmcap.pricing.CostCalculator;
import io.llmcap.pricing.InputTokenBound;
import io.llmcap.pricing.ModelPrice;
import io.llmcap.pricing.PriceCatalog;
import io.llmcap.pricing.ServiceTier;
import io.llmcap.pricing.TokenCounters;
import io.llmcap.server.config.EnforcementConfig.Mode;
import io.llmcap.server.provider.ApiRoute;
import io.llmcap.server.provider.InvalidRequestException;
import io.llmcap.server.provider.ParsedRequest;
import io.llmcap.server.provider.ProviderApi;
import io.llmcap.server.provider.anthropic.AnthropicMessagesApi;
import io.llmcap.server.provider.bedrock.BedrockConverseApi;
import io.llmcap.server.provider.gemini.GeminiGenerateContentApi;
import io.llmcap.server.provider.openai.OpenAiChatApi;
import io.llmcap.server.provider.openai.OpenAiResponsesApi;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bounds of requests whose cost is not all in their texts, priced by hand from the bundled
 * catalog (nano-dollars per token: $3/M = 3,000).
 */
class CostPlanTest {
  private static final PriceCatalog CATALOG = PriceCatalog.bundled();
  private static final long SEARCH_1_CENT = 10_000_000;

  private record Planned(ParsedRequest request, ModelPrice price, CostPlan plan) {}

  private static Planned plan(ApiRoute route, String model, String body, Map<String, String> headers, Mode mode)
      throws Exception {
    ProviderApi api = route.api();
    ParsedRequest request = api.parseRequest(route, body.getBytes(UTF_8), headers);
    ModelPrice price = CATALOG.resolve(route.priceRoute(), model);
    return new Planned(request, price, CostPlan.of(route.priceRoute(), request, price, mode));
  }

  private static Planned strict(ApiRoute route, String model, String body) throws Exception {
    return plan(route, model, body, Map.of(), Mode.STRICT);
  }

  private static ApiRoute anthropic() {
    return new ApiRoute(AnthropicMessagesApi.INSTANCE, null, false, false, false);
  }

  private static ApiRoute chat() {
    return new ApiRoute(OpenAiChatApi.INSTANCE, null, false, false, false);
  }

  private static ApiRoute responses() {
    return new ApiRoute(OpenAiResponsesApi.INSTANCE, null, false, false, false);
  }

  private static ApiRoute gemini(String model) {
    return new ApiRoute(GeminiGenerateContentApi.INSTANCE, model, false, false, false);
  }

  private static final String SONNET = "claude-sonnet-4-5-20250929";
  private static final String CLAUDE_WITH_PDF = """
      {"model":"claude-sonnet-4-5-20250929","max_tokens":1000,
       "messages":[{"role":"user","content":[
         {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"}},
         {"type":"text","text":"Summarise this contract."}]}]}
      """;

  // ---- 1. Anthropic 1M-context beta ----

  @Test
  void contextOneMillionBetaHeaderLiftsTheWindowAndUsesTierPrices() throws Exception {
    Planned plain = strict(anthropic(), SONNET, CLAUDE_WITH_PDF);
    // a document bounds input at the catalog window, 200,000 tokens, at $3/M; output $15/M
    assertEquals(200_000, plain.plan().inputTokens());
    assertEquals(200_000L * 3_000 + 1_000 * 15_000, plain.plan().amountNanos());

    Planned beta = plan(anthropic(), SONNET, CLAUDE_WITH_PDF,
        Map.of("anthropic-beta", "prompt-caching-2024-07-31, context-1m-2025-08-07"), Mode.STRICT);
    // 1,000,000 tokens: every token at the above-200k prices, $6/M input and $22.50/M output
    assertEquals(1_000_000, beta.plan().inputTokens());
    assertEquals(1_000_000L * 6_000 + 1_000 * 22_500, beta.plan().amountNanos());
  }

  @Test
  void contextOneMillionBetaInBedrockConverseAdditionalFieldsLiftsTheWindow() throws Exception {
    String model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    ApiRoute converse = new ApiRoute(BedrockConverseApi.INSTANCE, model, false, false, false);
    Planned beta = strict(converse, model, """
        {"messages":[{"role":"user","content":[
           {"document":{"format":"pdf","name":"contract","source":{"bytes":"JVBERi0x"}}},
           {"text":"Summarise this contract."}]}],
         "inferenceConfig":{"maxTokens":500},
         "additionalModelRequestFields":{"anthropic_beta":["context-1m-2025-08-07"]}}
        """);
    // us. profile above 200k: $6.60/M input, $24.75/M output
    assertEquals(1_000_000, beta.plan().inputTokens());
    assertEquals(1_000_000L * 6_600 + 500 * 24_750, beta.plan().amountNanos());
  }

  @Test
  void contextOneMillionBetaInTheBodyCountsOnBedrockInvokeModel() throws Exception {
    ApiRoute invoke = new ApiRoute(AnthropicMessagesApi.INSTANCE,
        io.llmcap.server.provider.Provider.BEDROCK, "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        false, false, false, false);
    ParsedRequest request = invoke.api().parseRequest(invoke, """
        {"anthropic_version":"bedrock-2023-05-31","anthropic_beta":["context-1m-2025-08-07"],
         "max_tokens":100,"messages":[{"role":"user","content":"hi"}]}
        """.getBytes(UTF_8), Map.of());
    assertEquals(1_000_000L, request.costFactors().contextWindowTokens());
  }

  // ---- 2. server-side tools and input the body does not hold ----

  @Test
  void anthropicWebSearchIsBoundedByMaxUsesFeesAndOneWindowPerUse() throws Exception {
    Planned p = strict(anthropic(), SONNET, """
        {"model":"claude-sonnet-4-5-20250929","max_tokens":1000,
         "messages":[{"role":"user","content":"What changed in the tax rules this week?"}],
         "tools":[{"type":"web_search_20250305","name":"web_search","max_uses":3}]}
        """);
    long input = p.plan().inputTokens();
    // three searches: each may read the whole 200k window again
    assertTrue(input > 600_000 && input < 601_000, "input bound " + input);
    assertEquals(3, p.plan().bound().webSearches());
    // above 200k: $6/M input, $22.50/M output; $0.01 per search
    assertEquals(input * 6_000 + 1_000 * 22_500 + 3 * SEARCH_1_CENT, p.plan().amountNanos());
  }

  @Test
  void anthropicServerToolsWithoutABoundAreRefusedInStrictAndEstimatedOtherwise() throws Exception {
    String noMaxUses = """
        {"model":"claude-sonnet-4-5-20250929","max_tokens":1000,
         "messages":[{"role":"user","content":"Search the news."}],
         "tools":[{"type":"web_search_20250305","name":"web_search"}]}
        """;
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> strict(anthropic(), SONNET, noMaxUses));
    assertTrue(e.getMessage().contains("web_search_20250305"), e.getMessage());
    assertTrue(e.getMessage().contains("enforcement.mode: estimate"), e.getMessage());
    assertTrue(plan(anthropic(), SONNET, noMaxUses, Map.of(), Mode.ESTIMATE).plan().amountNanos() > 0);

    for (String tool : new String[] {
        "{\"type\":\"code_execution_20250825\",\"name\":\"code_execution\"}",
        "{\"type\":\"web_fetch_20250910\",\"name\":\"web_fetch\"}",
        "{\"type\":\"tool_search_tool_regex_20251119\",\"name\":\"tool_search\"}"}) {
      String body = "{\"model\":\"" + SONNET + "\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\","
          + "\"content\":\"hi\"}],\"tools\":[" + tool + "]}";
      InvalidRequestException refused = assertThrows(InvalidRequestException.class,
          () -> strict(anthropic(), SONNET, body));
      assertTrue(refused.getMessage().contains("strict enforcement cannot bound"), refused.getMessage());
    }
    InvalidRequestException mcp = assertThrows(InvalidRequestException.class, () -> strict(anthropic(), SONNET, """
        {"model":"claude-sonnet-4-5-20250929","max_tokens":10,"messages":[{"role":"user","content":"hi"}],
         "mcp_servers":[{"type":"url","url":"https://mcp.example.com/sse","name":"example"}]}
        """));
    assertTrue(mcp.getMessage().contains("mcp_servers"), mcp.getMessage());
  }

  @Test
  void anthropicWebSearchOnAModelWithoutASearchPriceIsRefused() throws Exception {
    String model = "vertex_ai/claude-sonnet-4-5@20250929";
    ApiRoute vertex = new ApiRoute(AnthropicMessagesApi.INSTANCE, io.llmcap.server.provider.Provider.VERTEX,
        "claude-sonnet-4-5@20250929", false, false, false, false);
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> strict(vertex,
        "claude-sonnet-4-5@20250929", """
        {"anthropic_version":"vertex-2023-10-16","max_tokens":10,"messages":[{"role":"user","content":"hi"}],
         "tools":[{"type":"web_search_20250305","name":"web_search","max_uses":1}]}
        """));
    assertTrue(e.getMessage().contains("search_context_cost_per_query"), e.getMessage());
    assertTrue(CATALOG.entry(model).isPresent());
  }

  @Test
  void anthropicClientToolsAddTheirHiddenSystemPrompt() throws Exception {
    Planned p = strict(anthropic(), SONNET, """
        {"model":"claude-sonnet-4-5-20250929","max_tokens":100,"messages":[{"role":"user","content":"ls"}],
         "tools":[{"type":"bash_20250124","name":"bash"},
                  {"type":"text_editor_20250728","name":"str_replace_based_edit_tool"}]}
        """);
    ParsedRequest r = p.request();
    assertEquals(4_000, r.costFactors().hiddenInputTokens());
    long texts = InputTokenBound.upperBound(TokenCounters.forModel(anthropic().priceRoute(), p.price()),
        r.promptTexts(), r.messageCount(), r.mediaCount(), p.price());
    assertEquals(texts + 4_000, p.plan().inputTokens());
  }

  @Test
  void geminiCachedContentIsBoundedByTheWholeWindowAtTierPrices() throws Exception {
    Planned p = strict(gemini("gemini-2.5-pro"), "gemini-2.5-pro", """
        {"cachedContent":"cachedContents/lk2f8a0x","contents":[{"role":"user","parts":[{"text":"Go on."}]}],
         "generationConfig":{"maxOutputTokens":1000}}
        """);
    // gemini/gemini-2.5-pro: window 1,048,576 tokens, above 200k $2.50/M input and $15/M output
    assertEquals("gemini/gemini-2.5-pro", p.price().key());
    assertEquals(1_048_576, p.plan().inputTokens());
    assertEquals(1_048_576L * 2_500 + 1_000 * 15_000, p.plan().amountNanos());
  }

  @Test
  void geminiGroundingAndCodeExecutionAreRefusedAndUrlContextAddsAWindow() throws Exception {
    for (String tool : new String[] {"{\"googleSearch\":{}}", "{\"google_search_retrieval\":{}}",
        "{\"codeExecution\":{}}", "{\"googleMaps\":{}}"}) {
      String body = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}],\"tools\":[" + tool + "]}";
      InvalidRequestException e = assertThrows(InvalidRequestException.class,
          () -> strict(gemini("gemini-2.5-flash"), "gemini-2.5-flash", body));
      assertTrue(e.getMessage().contains("tool '"), e.getMessage());
    }
    Planned url = strict(gemini("gemini-2.5-flash"), "gemini-2.5-flash", """
        {"contents":[{"role":"user","parts":[{"text":"Summarise https://example.com/a"}]}],
         "tools":[{"urlContext":{}},{"functionDeclarations":[{"name":"f"}]}],
         "generationConfig":{"maxOutputTokens":10}}
        """);
    assertEquals(1, url.request().costFactors().contextRereads());
    assertTrue(url.plan().inputTokens() > 1_048_576);
  }

  @Test
  void responsesBuiltInToolsNeedMaxToolCallsAndAPriceOrAreRefused() throws Exception {
    for (String tool : new String[] {"{\"type\":\"web_search\"}", "{\"type\":\"file_search\",\"vector_store_ids\":[\"vs_1\"]}",
        "{\"type\":\"code_interpreter\",\"container\":{\"type\":\"auto\"}}", "{\"type\":\"image_generation\"}",
        "{\"type\":\"mcp\",\"server_label\":\"x\",\"server_url\":\"https://mcp.example.com\"}"}) {
      String body = "{\"model\":\"gpt-5\",\"input\":\"hi\",\"max_output_tokens\":100,\"tools\":[" + tool + "]}";
      assertThrows(InvalidRequestException.class, () -> strict(responses(), "gpt-5", body), tool);
    }
    // with max_tool_calls web search is bounded, but gpt-5's entry has no search price
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> strict(responses(), "gpt-5", """
        {"model":"gpt-5","input":"hi","max_output_tokens":100,"max_tool_calls":2,"tools":[{"type":"web_search"}]}
        """));
    assertTrue(e.getMessage().contains("search_context_cost_per_query"), e.getMessage());
    Planned mcp = strict(responses(), "gpt-5", """
        {"model":"gpt-5","input":"hi","max_output_tokens":100,"max_tool_calls":2,
         "tools":[{"type":"mcp","server_label":"x","server_url":"https://mcp.example.com","require_approval":"never"}]}
        """);
    // two more passes over gpt-5's 272,000-token window
    assertTrue(mcp.plan().inputTokens() > 544_000 && mcp.plan().inputTokens() < 545_000);
    Planned functions = strict(responses(), "gpt-5", """
        {"model":"gpt-5","input":"hi","max_output_tokens":100,"tools":[{"type":"function","name":"f","parameters":{}}]}
        """);
    assertTrue(functions.request().costFactors().unboundedReasons().isEmpty());
    assertTrue(functions.plan().inputTokens() < 1_000);
  }

  // ---- 3. service tiers ----

  private static final String GPT4O_CHAT = """
      {"model":"gpt-4o","max_completion_tokens":100,"messages":[{"role":"user","content":"hi"}]%s}
      """;

  @Test
  void priorityAndAutoAreBoundedAtPriorityPricesDefaultAndFlexAtStandard() throws Exception {
    Planned none = strict(chat(), "gpt-4o", GPT4O_CHAT.formatted(""));
    long input = none.plan().inputTokens();
    // gpt-4o standard: $2.50/M input, $10/M output
    assertEquals(input * 2_500 + 100 * 10_000, none.plan().amountNanos());
    for (String tier : new String[] {"priority", "auto"}) {
      Planned p = strict(chat(), "gpt-4o", GPT4O_CHAT.formatted(",\"service_tier\":\"" + tier + "\""));
      // priority: $4.25/M input, $17/M output
      assertEquals(input * 4_250 + 100 * 17_000, p.plan().amountNanos(), tier);
    }
    for (String tier : new String[] {"default", "flex"}) {
      Planned p = strict(chat(), "gpt-4o", GPT4O_CHAT.formatted(",\"service_tier\":\"" + tier + "\""));
      assertEquals(none.plan().amountNanos(), p.plan().amountNanos(), tier);
    }
    // estimate mode does not assume auto is upgraded
    Planned autoEstimate = plan(chat(), "gpt-4o", GPT4O_CHAT.formatted(",\"service_tier\":\"auto\""), Map.of(),
        Mode.ESTIMATE);
    assertEquals(ServiceTier.STANDARD, autoEstimate.plan().bound().serviceTier());
  }

  @Test
  void priorityOnAModelWithoutPriorityPricesOrAnUnpricedTierIsRefused() {
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> strict(chat(), "gpt-3.5-turbo",
        "{\"model\":\"gpt-3.5-turbo\",\"max_tokens\":5,\"service_tier\":\"priority\",\"messages\":[]}"));
    assertTrue(e.getMessage().contains("priority"), e.getMessage());
    InvalidRequestException scale = assertThrows(InvalidRequestException.class, () -> strict(chat(), "gpt-4o",
        GPT4O_CHAT.formatted(",\"service_tier\":\"scale\"")));
    assertTrue(scale.getMessage().contains("service_tier 'scale'"), scale.getMessage());
  }

  @Test
  void clampingKeepsTheTierAndTheAffordableLimitFitsTheBudget() throws Exception {
    Planned p = strict(chat(), "gpt-4o", GPT4O_CHAT.formatted(",\"service_tier\":\"priority\""));
    long budget = p.plan().amountNanos() - 1;
    long n = p.plan().maxAffordableOutputTokens(p.price(), budget);
    assertEquals(99, n);
    CostPlan clamped = p.plan().withOutputTokens(p.price(), n);
    assertEquals(p.plan().inputTokens() * 4_250 + 99 * 17_000, clamped.amountNanos());
    assertTrue(clamped.amountNanos() <= budget);
  }

  // ---- 4. search models of chat completions ----

  @Test
  void searchPreviewModelsReserveTheFeeOfTheirContextSize() throws Exception {
    Planned low = strict(chat(), "gpt-4o-mini-search-preview", """
        {"model":"gpt-4o-mini-search-preview","max_completion_tokens":100,
         "web_search_options":{"search_context_size":"low"},"messages":[{"role":"user","content":"news?"}]}
        """);
    long input = low.plan().inputTokens();
    // $0.15/M input, $0.60/M output, $0.025 per low-context search
    assertEquals(input * 150 + 100 * 600 + 25_000_000, low.plan().amountNanos());
    Planned unset = strict(chat(), "gpt-4o-mini-search-preview", """
        {"model":"gpt-4o-mini-search-preview","max_completion_tokens":100,"messages":[{"role":"user","content":"news?"}]}
        """);
    // medium is OpenAI's default size: $0.0275
    assertEquals(unset.plan().inputTokens() * 150 + 100 * 600 + 27_500_000, unset.plan().amountNanos());
  }

  // ---- 5. predicted outputs ----

  @Test
  void predictionTokensAreAddedToTheOutputBoundAndSurviveClamping() throws Exception {
    String prediction = "class User {\n  String name;\n  String email;\n}\n".repeat(20);
    Planned p = strict(chat(), "gpt-4o", """
        {"model":"gpt-4o","max_completion_tokens":100,"messages":[{"role":"user","content":"Rename email to mail."}],
         "prediction":{"type":"content","content":%s}}
        """.formatted(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(prediction)));
    long predicted = TokenCounters.forModel(chat().priceRoute(), p.price()).upperBound(prediction);
    assertTrue(predicted > 200, "prediction tokens " + predicted);
    assertEquals(predicted, p.plan().extraOutputTokens());
    assertEquals(100, p.plan().outputTokens());
    assertEquals(p.plan().inputTokens() * 2_500 + (100 + predicted) * 10_000, p.plan().amountNanos());
    CostPlan clamped = p.plan().withOutputTokens(p.price(), 40);
    assertEquals(p.plan().inputTokens() * 2_500 + (40 + predicted) * 10_000, clamped.amountNanos());
    long budget = clamped.amountNanos();
    assertEquals(40, p.plan().maxAffordableOutputTokens(p.price(), budget));
    assertEquals(-1, p.plan().maxAffordableOutputTokens(p.price(), p.plan().inputTokens() * 2_500));
  }

  @Test
  void plainChatIsUnaffected() throws Exception {
    Planned p = strict(chat(), "gpt-4o", GPT4O_CHAT.formatted(""));
    ParsedRequest r = p.request();
    long texts = InputTokenBound.upperBound(TokenCounters.forModel(chat().priceRoute(), p.price()),
        r.promptTexts(), r.messageCount(), r.mediaCount(), p.price());
    assertEquals(texts, p.plan().inputTokens());
    assertEquals(CostCalculator.bound(p.price(), texts, 100, false, false), p.plan().amountNanos());
  }
}
