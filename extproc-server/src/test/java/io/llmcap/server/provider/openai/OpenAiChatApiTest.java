package io.llmcap.server.provider.openai;

import static io.llmcap.server.provider.UsageParserFixtures.fixture;
import static io.llmcap.server.provider.UsageParserFixtures.readAtEverySplit;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmcap.pricing.Usage;
import io.llmcap.server.provider.ApiRoute;
import io.llmcap.server.provider.ErrorKind;
import io.llmcap.server.provider.InvalidRequestException;
import io.llmcap.server.provider.ParsedRequest;
import io.llmcap.server.provider.UsageSnapshot;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpenAiChatApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final OpenAiChatApi api = OpenAiChatApi.INSTANCE;
  private final ApiRoute route = new ApiRoute(api, null, false, false, false);

  private ParsedRequest parse(String body) throws InvalidRequestException {
    return api.parseRequest(route, body.getBytes(UTF_8));
  }

  private UsageSnapshot meter(String fixture, int status, String contentType, boolean stream) {
    ParsedRequest request =
        new ParsedRequest("gpt-4o", null, stream, List.of(), 1, 0, false, stream);
    return readAtEverySplit(() -> api.newUsageParser(route, request), status, contentType, fixture(fixture));
  }

  @Test
  void readsModelLimitStreamAndEveryPromptText() throws InvalidRequestException {
    ParsedRequest parsed =
        parse(
            """
            {"model":"gpt-4o","max_completion_tokens":500,"stream":true,
             "stream_options":{"include_usage":true},
             "messages":[
               {"role":"system","content":"Be brief."},
               {"role":"user","name":"ann","content":[
                  {"type":"text","text":"What is in this image?"},
                  {"type":"image_url","image_url":{"url":"https://x/y.png"}},
                  {"type":"input_audio","input_audio":{"data":"AAA=","format":"wav"}},
                  {"type":"file","file":{"file_id":"file-1"}}]},
               {"role":"assistant","content":null,
                "tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
               {"role":"tool","tool_call_id":"c1","content":"42"}],
             "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
             "response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{}}}}
            """);

    assertEquals("gpt-4o", parsed.model());
    assertEquals(500L, parsed.maxOutputTokens());
    assertTrue(parsed.stream());
    assertTrue(parsed.streamUsageRequested());
    assertEquals(4, parsed.messageCount());
    assertEquals(3, parsed.mediaCount());
    assertFalse(parsed.mayWriteCache());
    assertEquals(
        List.of(
            "Be brief.",
            "ann",
            "What is in this image?",
            "[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]",
            "42",
            "{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}}",
            "{\"name\":\"s\",\"schema\":{}}"),
        parsed.promptTexts());
  }

  @Test
  void legacyMaxTokensIsTheLimitWhenMaxCompletionTokensIsAbsent() throws InvalidRequestException {
    assertEquals(64L, parse("{\"model\":\"m\",\"max_tokens\":64,\"messages\":[]}").maxOutputTokens());
    assertNull(parse("{\"model\":\"m\",\"max_tokens\":null,\"messages\":[]}").maxOutputTokens());
  }

  @Test
  void largerOfBothLimitsBoundsTheCall() throws InvalidRequestException {
    String body = "{\"model\":\"m\",\"max_tokens\":900,\"max_completion_tokens\":100,\"messages\":[]}";

    assertEquals(900L, parse(body).maxOutputTokens());
  }

  @Test
  void severalChoicesMultiplyTheBoundAndNeedALimit() throws InvalidRequestException {
    assertEquals(
        300L,
        parse("{\"model\":\"m\",\"n\":3,\"max_completion_tokens\":100,\"messages\":[]}")
            .maxOutputTokens());
    String unbounded = "{\"model\":\"m\",\"n\":3,\"messages\":[]}";
    assertTrue(
        assertThrows(InvalidRequestException.class, () -> parse(unbounded))
            .getMessage()
            .contains("max_completion_tokens"));
  }

  @Test
  void missingMessagesIsRefused() {
    assertThrows(InvalidRequestException.class, () -> parse("{\"model\":\"m\"}"));
  }

  @Test
  void clampSetsTheFieldTheCallerUsedAndKeepsEverythingElse() throws Exception {
    String body =
        "{\"model\":\"m\",\"max_tokens\":4000,\"temperature\":0.70,\"messages\":[{\"role\":\"user\",\"content\":\"é\"}]}";

    byte[] bytes = api.withMaxOutputTokens(body.getBytes(UTF_8), 256);
    JsonNode clamped = JSON.readTree(bytes);

    assertEquals(256, clamped.get("max_tokens").intValue());
    assertFalse(clamped.has("max_completion_tokens"));
    assertTrue(new String(bytes, UTF_8).contains("\"temperature\":0.70"));
    assertEquals("é", clamped.at("/messages/0/content").textValue());
  }

  @Test
  void clampDefaultsToMaxCompletionTokensAndDividesAmongChoices() throws Exception {
    String body = "{\"model\":\"m\",\"n\":2,\"messages\":[]}";

    JsonNode clamped = JSON.readTree(api.withMaxOutputTokens(body.getBytes(UTF_8), 301));

    assertEquals(150, clamped.get("max_completion_tokens").intValue());
    assertFalse(clamped.has("max_tokens"));
  }

  @Test
  void streamUsageIsRequestedByMergingStreamOptions() throws Exception {
    String body = "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"x\":1},\"messages\":[]}";
    ParsedRequest parsed = parse(body);

    JsonNode rewritten = JSON.readTree(api.withStreamUsage(body.getBytes(UTF_8), parsed).orElseThrow());

    assertTrue(rewritten.at("/stream_options/include_usage").booleanValue());
    assertEquals(1, rewritten.at("/stream_options/x").intValue());
    assertTrue(parse(new String(api.withStreamUsage(body.getBytes(UTF_8), parsed).orElseThrow(), UTF_8))
        .streamUsageRequested());
  }

  @Test
  void streamUsageIsLeftAloneWhenNotStreamingOrAlreadyAsked() throws Exception {
    String plain = "{\"model\":\"m\",\"messages\":[]}";
    String asked = "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[]}";

    assertTrue(api.withStreamUsage(plain.getBytes(UTF_8), parse(plain)).isEmpty());
    assertTrue(api.withStreamUsage(asked.getBytes(UTF_8), parse(asked)).isEmpty());
  }

  @Test
  void jsonResponseUsageSplitsCachedTokensOutOfThePrompt() {
    UsageSnapshot snapshot = meter("openai/chat-completion.json", 200, "application/json", false);

    assertEquals(new Usage(86, 1920, 0, 0, 310, 0), snapshot.usage());
    assertTrue(snapshot.complete());
    assertTrue(snapshot.inputSeen());
    assertEquals("gpt-4.1-2025-04-14", snapshot.responseModel());
    assertNull(snapshot.error());
  }

  @Test
  void azureStreamWithEmptyFirstChunkReadsTheUsageChunk() {
    UsageSnapshot snapshot =
        meter("openai/chat-stream-azure.sse", 200, "text/event-stream; charset=utf-8", true);

    assertEquals(new Usage(519, 1024, 0, 0, 12, 0), snapshot.usage());
    assertTrue(snapshot.complete());
    assertEquals("gpt-4o-2024-11-20", snapshot.responseModel());
    assertNull(snapshot.error());
  }

  @Test
  void streamWithoutUsageIsIncomplete() {
    UsageSnapshot snapshot = meter("openai/chat-stream-no-usage.sse", 200, "text/event-stream", true);

    assertEquals(Usage.ZERO, snapshot.usage());
    assertFalse(snapshot.complete());
    assertFalse(snapshot.inputSeen());
    assertEquals("gpt-4o-mini-2024-07-18", snapshot.responseModel());
  }

  @Test
  void upstreamErrorIsRecordedByTypeWithoutItsMessage() {
    UsageSnapshot snapshot = meter("openai/error-429.json", 429, "application/json", false);

    assertEquals("upstream HTTP 429: tokens", snapshot.error());
    assertFalse(snapshot.complete());
    assertEquals(Usage.ZERO, snapshot.usage());
  }

  @Test
  void truncatedJsonResponseIsAnErrorNotABill() {
    byte[] whole = fixture("openai/chat-completion.json");
    var parser = api.newUsageParser(route, new ParsedRequest("m", null, false, List.of(), 1, 0, false, false));
    parser.onResponseHeaders(200, "application/json");
    parser.onBody(java.util.Arrays.copyOf(whole, whole.length - 40));
    parser.onEnd();

    assertFalse(parser.snapshot().complete());
    assertTrue(parser.snapshot().error().startsWith("response"), parser.snapshot().error());
  }

  @Test
  void errorBodyIsNativeAndCarriesExtraFields() throws Exception {
    JsonNode body =
        JSON.readTree(
            api.errorBody(
                ErrorKind.RATE_LIMITED,
                "cap \"team\" reached\n",
                Map.of("llmcap_cap", "team", "message", "ignored")));

    assertEquals("cap \"team\" reached\n", body.at("/error/message").textValue());
    assertEquals("requests", body.at("/error/type").textValue());
    assertEquals("rate_limit_exceeded", body.at("/error/code").textValue());
    assertTrue(body.at("/error/param").isNull());
    assertEquals("team", body.at("/error/llmcap_cap").textValue());
    assertEquals(
        "invalid_request_error",
        JSON.readTree(api.errorBody(ErrorKind.INVALID_REQUEST, "bad", Map.of()))
            .at("/error/type")
            .textValue());
  }
}
