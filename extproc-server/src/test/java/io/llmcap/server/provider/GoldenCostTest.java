package io.llmcap.server.provider;

import static io.llmcap.server.provider.UsageParserFixtures.fixture;
import static io.llmcap.server.provider.UsageParserFixtures.readAtEverySplit;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmcap.pricing.CostCalculator;
import io.llmcap.pricing.ModelPrice;
import io.llmcap.pricing.PriceCatalog;
import io.llmcap.pricing.UnpriceableUsageException;
import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every API end to end, as the call processor uses it: identify the route from host and path,
 * parse the request, resolve the price on the route, meter the response whole and cut at every
 * byte, and price the usage. Expected costs are worked out by hand from the bundled catalog
 * (rates in USD per token; 1e-06 USD = 1,000 nano-dollars).
 */
class GoldenCostTest {

  private static final PriceCatalog CATALOG = PriceCatalog.bundled();
  private static final ProviderRegistry REGISTRY = ProviderRegistry.standard();
  private static final String SSE = "text/event-stream";
  private static final String JSON = "application/json";
  private static final String AWS = "application/vnd.amazon.eventstream";

  private record Metered(ModelPrice price, UsageSnapshot snapshot) {
    long cost() throws UnpriceableUsageException {
      assertTrue(snapshot.complete(), "usage not complete: " + snapshot);
      assertNull(snapshot.error(), snapshot.error());
      return CostCalculator.cost(price, snapshot.usage());
    }
  }

  private static Metered meter(String host, String path, String hint, String request,
      String contentType, byte[] response) throws Exception {
    ApiRoute route = REGISTRY.identify(host, path, hint).orElseThrow(
        () -> new AssertionError("no route for " + host + path));
    ParsedRequest parsed = route.api().parseRequest(route, request.getBytes(UTF_8));
    String model = ModelResolution.modelToPrice(route, parsed, Map.of());
    ModelPrice price = CATALOG.resolve(route.priceRoute(), model);
    UsageSnapshot snapshot = readAtEverySplit(
        () -> route.api().newUsageParser(route, parsed), 200, contentType, response);
    return new Metered(price, snapshot);
  }

  @Test
  void openAiResponsesJson() throws Exception {
    Metered m = meter("api.openai.com", "/v1/responses", null,
        "{\"model\":\"gpt-5-mini\",\"input\":\"Tell me a story\",\"max_output_tokens\":1000}",
        JSON, fixture("golden/responses.json"));
    // gpt-5-mini: input 2.5e-07 = 250 n$, cache read 2.5e-08 = 25, output 2e-06 = 2,000.
    // 2,000 input of which 1,500 cached; 800 output (512 reasoning inside).
    // 500 x 250 + 1,500 x 25 + 800 x 2,000 = 125,000 + 37,500 + 1,600,000
    assertEquals(1_762_500, m.cost());
    assertEquals("gpt-5-mini", m.price().key());
  }

  @Test
  void openAiResponsesStreamIsBilledFromTheCompletedEvent() throws Exception {
    Metered m = meter("api.openai.com", "/v1/responses", null,
        "{\"model\":\"gpt-5-mini-2025-08-07\",\"input\":[{\"role\":\"user\",\"content\":"
            + "[{\"type\":\"input_text\",\"text\":\"hi\"}]}],\"stream\":true}",
        SSE, fixture("golden/responses-stream.sse"));
    // same usage as above on the dated key, whose rates are the same
    assertEquals(1_762_500, m.cost());
    assertEquals("gpt-5-mini-2025-08-07", m.snapshot().responseModel());
  }

  @Test
  void openAiResponsesIncompleteAtTheOutputLimitIsStillBilled() throws Exception {
    Metered m = meter("api.openai.com", "/v1/responses", null,
        "{\"model\":\"gpt-5-mini\",\"input\":\"hi\",\"max_output_tokens\":64,\"stream\":true}",
        SSE, fixture("golden/responses-incomplete.sse"));
    // 100 x 250 + 64 x 2,000
    assertEquals(25_000 + 128_000, m.cost());
  }

  @Test
  void openAiResponsesWebSearchCallsArePricedPerCall() throws Exception {
    String body = "{\"type\":\"response.completed\",\"response\":{\"model\":\"gpt-4o-mini-2024-07-18\","
        + "\"output\":[{\"type\":\"web_search_call\",\"id\":\"ws_1\",\"status\":\"completed\"},"
        + "{\"type\":\"web_search_call\",\"id\":\"ws_2\",\"status\":\"completed\"}],"
        + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":100}}}";
    Metered m = meter("api.openai.com", "/v1/responses", null,
        "{\"model\":\"gpt-4o-mini-2024-07-18\",\"input\":\"news?\",\"stream\":true,"
            + "\"tools\":[{\"type\":\"web_search\"}]}",
        SSE, ("event: response.completed\ndata: " + body + "\n\n").getBytes(UTF_8));
    // input 1.5e-07 = 150 n$, output 6e-07 = 600; searches at the dearest context size,
    // 0.03 USD = 30,000,000 n$ each: 150,000 + 60,000 + 2 x 30,000,000
    assertEquals(150_000 + 60_000 + 60_000_000, m.cost());
  }

  @Test
  void openAiEmbeddingsBillInputOnly() throws Exception {
    Metered m = meter("api.openai.com", "/v1/embeddings", null,
        "{\"model\":\"text-embedding-3-small\",\"input\":[\"first text\",\"second text\"]}",
        JSON, fixture("golden/embeddings.json"));
    // text-embedding-3-small: input 2e-08 = 20 n$; 1,200 x 20
    assertEquals(24_000, m.cost());
  }

  @Test
  void openAiLegacyCompletionsStream() throws Exception {
    Metered m = meter("api.openai.com", "/v1/completions", null,
        "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say this is a test\",\"stream\":true}",
        SSE, fixture("golden/completions-stream.sse"));
    // gpt-3.5-turbo-instruct: input 1.5e-06 = 1,500 n$, output 2e-06 = 2,000
    // 10 x 1,500 + 16 x 2,000
    assertEquals(15_000 + 32_000, m.cost());
  }

  @Test
  void openAiChatAudioTokensUseTheAudioRates() throws Exception {
    Metered m = meter("api.openai.com", "/v1/chat/completions", null,
        "{\"model\":\"gpt-4o-audio-preview\",\"modalities\":[\"text\",\"audio\"],"
            + "\"max_completion_tokens\":600,\"messages\":[{\"role\":\"user\",\"content\":"
            + "[{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"UklGRg==\",\"format\":\"wav\"}}]}]}",
        JSON, fixture("golden/chat-audio.json"));
    // gpt-4o-audio-preview: text in 2.5e-06 = 2,500, audio in 1e-04 = 100,000,
    // text out 1e-05 = 10,000, audio out 2e-04 = 200,000.
    // prompt 1,000 (400 audio), completion 500 (300 audio):
    // 600 x 2,500 + 400 x 100,000 + 200 x 10,000 + 300 x 200,000
    assertEquals(1_500_000 + 40_000_000 + 2_000_000 + 60_000_000, m.cost());
  }

  @Test
  void azureClassicDeploymentStreamIsPricedOnAzureRates() throws Exception {
    Metered m = meter("my-resource.openai.azure.com",
        "/openai/deployments/gpt-4o-2024-11-20/chat/completions?api-version=2024-10-21", null,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}",
        SSE, fixture("openai/chat-stream-azure.sse"));
    // azure/gpt-4o-2024-11-20: input 2.75e-06 = 2,750, cache read 1.25e-06 = 1,250,
    // output 1.1e-05 = 11,000. prompt 1,543 of which 1,024 cached; 12 output:
    // 519 x 2,750 + 1,024 x 1,250 + 12 x 11,000
    assertEquals(1_427_250 + 1_280_000 + 132_000, m.cost());
    assertEquals("azure/gpt-4o-2024-11-20", m.price().key());
  }

  @Test
  void mistralStreamReportsUsageInTheLastChunkUnasked() throws Exception {
    Metered m = meter("api.mistral.ai", "/v1/chat/completions", null,
        "{\"model\":\"mistral-large-latest\",\"max_tokens\":100,\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Bonjour\"}]}",
        SSE, fixture("golden/mistral-stream.sse"));
    // mistral/mistral-large-latest: input 2e-06 = 2,000, output 6e-06 = 6,000
    // 20 x 2,000 + 30 x 6,000
    assertEquals(40_000 + 180_000, m.cost());
    assertEquals("mistral/mistral-large-latest", m.price().key());
  }

  @Test
  void cohereBillsTheBilledUnitsNotTheTemplateTokens() throws Exception {
    String request = "{\"model\":\"command-a-03-2025\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"What is an LLM?\"}]";
    // command-a-03-2025: input 2.5e-06 = 2,500, output 1e-05 = 10,000;
    // billed 100 input and 50 output (the template's 596/52 are not billed):
    // 100 x 2,500 + 50 x 10,000
    assertEquals(250_000 + 500_000, meter("api.cohere.com", "/v2/chat", null, request + "}",
        JSON, fixture("golden/cohere-chat.json")).cost());
    assertEquals(250_000 + 500_000, meter("api.cohere.com", "/v2/chat", null,
        request + ",\"stream\":true}", SSE, fixture("golden/cohere-stream.sse")).cost());
  }

  @Test
  void bedrockConverseSplitsCacheWritesByTtl() throws Exception {
    Metered m = meter("bedrock-runtime.us-east-1.amazonaws.com",
        "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse", null,
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"},"
            + "{\"cachePoint\":{\"type\":\"default\"}}]}],\"inferenceConfig\":{\"maxTokens\":300}}",
        JSON, fixture("golden/converse.json"));
    assertEquals(17_077_500, m.cost());
    // us.anthropic.claude-sonnet-4-5-20250929-v1:0: input 3.3e-06 = 3,300, output 1.65e-05 =
    // 16,500, cache read 3.3e-07 = 330, 5m write 4.125e-06 = 4,125, 1h write absent, derived
    // 2 x input = 6,600. 1,000 x 3,300 + 200 x 16,500 + 3,000 x 330 + 1,500 x 4,125 + 500 x 6,600
    // = 3,300,000 + 3,300,000 + 990,000 + 6,187,500 + 3,300,000
  }

  /** A ConverseStream response as Bedrock frames it: one binary message per event. */
  static byte[] converseStream(boolean corruptMetadataCrc) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String[][] events = {
      {"messageStart", "{\"role\":\"assistant\",\"p\":\"abcdefghijkl\"}"},
      {"contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Grüß dich\"},\"p\":\"ab\"}"},
      {"contentBlockStop", "{\"contentBlockIndex\":0,\"p\":\"abcdefghijklmnopqrstu\"}"},
      {"messageStop", "{\"stopReason\":\"end_turn\",\"p\":\"abcd\"}"},
      {"metadata", "{\"usage\":{\"inputTokens\":1000,\"outputTokens\":200,\"totalTokens\":6200,"
          + "\"cacheReadInputTokens\":3000,\"cacheWriteInputTokens\":2000,\"cacheDetails\":"
          + "[{\"ttl\":\"5m\",\"inputTokens\":1500},{\"ttl\":\"1h\",\"inputTokens\":500}]},"
          + "\"metrics\":{\"latencyMs\":812},\"p\":\"abcdefgh\"}"},
    };
    for (String[] event : events) {
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put(":event-type", event[0]);
      headers.put(":content-type", "application/json");
      headers.put(":message-type", "event");
      byte[] message = EventStreamDecoder.encode(headers, event[1].getBytes(UTF_8));
      if (corruptMetadataCrc && event[0].equals("metadata")) {
        message[message.length - 1] ^= 1;
      }
      out.writeBytes(message);
    }
    return out.toByteArray();
  }

  @Test
  void bedrockConverseStreamIsBilledFromTheMetadataEvent() throws Exception {
    Metered m = meter("bedrock-runtime.us-east-1.amazonaws.com",
        "/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/converse-stream", null,
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}",
        AWS, converseStream(false));
    assertEquals(17_077_500, m.cost());
  }

  @Test
  void bedrockStreamWithABadCrcIsUnpriceable() {
    ApiRoute route = REGISTRY.identify("bedrock-runtime.us-east-1.amazonaws.com",
        "/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/converse-stream", null).orElseThrow();
    ParsedRequest parsed = new ParsedRequest(route.pathModel(), 10L, true,
        java.util.List.of(), 1, 0, false, false);
    UsageSnapshot snapshot = readAtEverySplit(() -> route.api().newUsageParser(route, parsed),
        200, AWS, converseStream(true));
    assertFalse(snapshot.complete());
    assertTrue(snapshot.error().contains("CRC"), snapshot.error());
  }

  @Test
  void anthropicOnBedrockInvokeStreamDecodesTheBase64Chunks() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String event : new String[] {
        "{\"type\":\"message_start\",\"message\":{\"model\":\"claude-sonnet-4-5-20250929\","
            + "\"usage\":{\"input_tokens\":1000,\"cache_read_input_tokens\":3000,"
            + "\"output_tokens\":1}}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}",
        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
            + "\"usage\":{\"output_tokens\":200}}",
        "{\"type\":\"message_stop\",\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":1000,"
            + "\"outputTokenCount\":200,\"invocationLatency\":900,\"firstByteLatency\":300}}"}) {
      String chunk = "{\"bytes\":\"" + Base64.getEncoder().encodeToString(event.getBytes(UTF_8))
          + "\",\"p\":\"abc\"}";
      out.writeBytes(EventStreamDecoder.encode(
          Map.of(":event-type", "chunk", ":message-type", "event",
              ":content-type", "application/json"), chunk.getBytes(UTF_8)));
    }
    Metered m = meter("bedrock-runtime.us-east-1.amazonaws.com",
        "/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke-with-response-stream", null,
        "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":300,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        AWS, out.toByteArray());
    // 1,000 x 3,300 + 3,000 x 330 + 200 x 16,500
    assertEquals(3_300_000 + 990_000 + 3_300_000, m.cost());
  }

  @Test
  void anthropicOnVertexRawPredictStream() throws Exception {
    Metered m = meter("us-east5-aiplatform.googleapis.com",
        "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-opus-4-1@20250805"
            + ":streamRawPredict", null,
        "{\"anthropic_version\":\"vertex-2023-10-16\",\"max_tokens\":1024,\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        SSE, fixture("anthropic/messages-stream.sse"));
    // vertex_ai/claude-opus-4-1@20250805: input 1.5e-05 = 15,000, cache read 1.5e-06 = 1,500,
    // 1h write absent, derived 2 x input = 30,000, output 7.5e-05 = 75,000.
    // 472 x 15,000 + 10,240 x 1,500 + 2,048 x 30,000 + 89 x 75,000
    assertEquals(7_080_000 + 15_360_000 + 61_440_000 + 6_675_000, m.cost());
    assertEquals("vertex_ai/claude-opus-4-1@20250805", m.price().key());
  }

  @Test
  void geminiOnVertexLongContextBillsEveryTokenAtTheTierPrices() throws Exception {
    Metered m = meter("us-central1-aiplatform.googleapis.com",
        "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro"
            + ":streamGenerateContent?alt=sse", null,
        "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"summarise\"}]}]}",
        SSE, fixture("golden/vertex-gemini-long.sse"));
    // gemini-2.5-pro (Vertex, bare key): prompt 250,000 > 200,000 so the tier applies:
    // input 2.5e-06 = 2,500; cache read 1.25e-07 scaled by 2.5/1.25 = 250; output (and thoughts,
    // no reasoning rate) 1.5e-05 = 15,000. 200,000 uncached x 2,500 + 50,000 x 250
    // + (1,000 + 2,000) x 15,000
    assertEquals(500_000_000L + 12_500_000 + 45_000_000, m.cost());
    assertEquals("gemini-2.5-pro", m.price().key());
  }

  @Test
  void geminiAudioInputUsesTheAudioRate() throws Exception {
    Metered m = meter("generativelanguage.googleapis.com",
        "/v1beta/models/gemini-2.5-flash:generateContent", null,
        "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"transcribe\"},"
            + "{\"inlineData\":{\"mimeType\":\"audio/wav\",\"data\":\"UklGRg==\"}}]}]}",
        JSON, fixture("golden/gemini-audio.json"));
    // gemini/gemini-2.5-flash: text in 3e-07 = 300, audio in 1e-06 = 1,000, output and
    // reasoning 2.5e-06 = 2,500. 500 x 300 + 1,500 x 1,000 + (100 + 200) x 2,500
    assertEquals(150_000 + 1_500_000 + 750_000, m.cost());
  }

  @Test
  void openAiCompatibleServerIsPricedOnlyFromOverrides() throws Exception {
    ApiRoute route = REGISTRY.identify("vllm:8000", "/v1/chat/completions", "openai-compatible")
        .orElseThrow();
    ParsedRequest parsed = route.api().parseRequest(route,
        "{\"model\":\"llama-3.1-8b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
            .getBytes(UTF_8));
    assertThrows(io.llmcap.pricing.UnknownModelException.class,
        () -> CATALOG.resolve(route.priceRoute(), parsed.model()));
    PriceCatalog withOverride = CATALOG.withOverrides(java.util.List.of(
        io.llmcap.pricing.PriceOverride.of("llama-3.1-8b", new java.math.BigDecimal("0.05"),
            new java.math.BigDecimal("0.08"))));
    ModelPrice price = withOverride.resolve(route.priceRoute(), parsed.model());
    UsageSnapshot snapshot = readAtEverySplit(() -> route.api().newUsageParser(route, parsed),
        200, JSON, ("{\"model\":\"llama-3.1-8b\",\"usage\":{\"prompt_tokens\":1000,"
            + "\"completion_tokens\":500,\"total_tokens\":1500}}").getBytes(UTF_8));
    // $0.05/M = 50 n$ per input token, $0.08/M = 80 per output token: 50,000 + 40,000
    assertEquals(90_000, CostCalculator.cost(price, snapshot.usage()));
    assertNotNull(snapshot.responseModel());
  }
}
