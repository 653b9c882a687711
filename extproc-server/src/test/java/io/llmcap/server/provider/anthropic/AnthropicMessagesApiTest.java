package io.llmcap.server.provider.anthropic;

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
import io.llmcap.server.provider.UsageParser;
import io.llmcap.server.provider.UsageSnapshot;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnthropicMessagesApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final AnthropicMessagesApi api = AnthropicMessagesApi.INSTANCE;
  private final ApiRoute messages = new ApiRoute(api, null, false, false, false);
  private final ApiRoute countTokens = new ApiRoute(api, null, false, false, true);

  private ParsedRequest parse(ApiRoute route, String body) throws InvalidRequestException {
    return api.parseRequest(route, body.getBytes(UTF_8));
  }

  private UsageSnapshot meter(String fixture, int status, String contentType, boolean stream) {
    ParsedRequest request = new ParsedRequest("claude", 1024L, stream, List.of(), 1, 0, false, false);
    return readAtEverySplit(
        () -> api.newUsageParser(messages, request), status, contentType, fixture(fixture));
  }

  @Test
  void readsSystemBlocksToolsMediaAndCacheControl() throws InvalidRequestException {
    ParsedRequest parsed =
        parse(
            messages,
            """
            {"model":"claude-sonnet-4-5","max_tokens":2048,"stream":true,
             "system":[{"type":"text","text":"You are terse.","cache_control":{"type":"ephemeral","ttl":"1h"}}],
             "messages":[
               {"role":"user","content":[
                  {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBO"}},
                  {"type":"document","source":{"type":"text","media_type":"text/plain","data":"Doc body"}},
                  {"type":"text","text":"Summarise."}]},
               {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"lookup","input":{"q":"x"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"found"}]}]}],
             "tools":[{"name":"lookup","input_schema":{"type":"object"}}]}
            """);

    assertEquals("claude-sonnet-4-5", parsed.model());
    assertEquals(2048L, parsed.maxOutputTokens());
    assertTrue(parsed.stream());
    assertTrue(parsed.mayWriteCache());
    assertEquals(3, parsed.messageCount());
    assertEquals(2, parsed.mediaCount());
    assertEquals(
        List.of(
            "You are terse.",
            "Doc body",
            "Summarise.",
            "lookup",
            "{\"q\":\"x\"}",
            "found",
            "{\"name\":\"lookup\",\"input_schema\":{\"type\":\"object\"}}"),
        parsed.promptTexts());
  }

  @Test
  void requestWithoutCacheControlCannotWriteTheCache() throws InvalidRequestException {
    ParsedRequest parsed =
        parse(messages, "{\"model\":\"m\",\"max_tokens\":1,\"system\":\"s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertFalse(parsed.mayWriteCache());
    assertEquals(List.of("s", "hi"), parsed.promptTexts());
  }

  @Test
  void missingMaxTokensIsRefusedExceptForTokenCounting() throws InvalidRequestException {
    String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    assertTrue(
        assertThrows(InvalidRequestException.class, () -> parse(messages, body))
            .getMessage()
            .contains("'max_tokens'"));
    assertNull(parse(countTokens, body).maxOutputTokens());
  }

  @Test
  void clampSetsMaxTokensAndKeepsEverythingElse() throws Exception {
    String body = "{\"model\":\"m\",\"max_tokens\":8000,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2000},\"messages\":[]}";

    JsonNode clamped = JSON.readTree(api.withMaxOutputTokens(body.getBytes(UTF_8), 3000));

    assertEquals(3000, clamped.get("max_tokens").intValue());
    assertEquals(2000, clamped.at("/thinking/budget_tokens").intValue());
    assertTrue(api.withStreamUsage(body.getBytes(UTF_8), parse(messages, body)).isEmpty());
  }

  @Test
  void jsonResponseSplitsCacheWritesByTtl() {
    UsageSnapshot snapshot = meter("anthropic/message.json", 200, "application/json", false);

    assertEquals(new Usage(21, 12000, 1000, 2000, 393, 0), snapshot.usage());
    assertTrue(snapshot.complete());
    assertTrue(snapshot.inputSeen());
    assertEquals("claude-sonnet-4-5-20250929", snapshot.responseModel());
    assertNull(snapshot.error());
  }

  @Test
  void streamTakesTheLastCumulativeDeltaAndKeepsTheTtlSplitFromMessageStart() {
    UsageSnapshot snapshot = meter("anthropic/messages-stream.sse", 200, "text/event-stream", true);

    assertEquals(new Usage(472, 10240, 0, 2048, 89, 0), snapshot.usage());
    assertTrue(snapshot.complete());
    assertTrue(snapshot.inputSeen());
    assertEquals("claude-opus-4-1-20250805", snapshot.responseModel());
    assertNull(snapshot.error());
  }

  @Test
  void errorEventAfter200KeepsTheInputSideAndIsNotComplete() {
    UsageSnapshot snapshot =
        meter("anthropic/stream-error-after-200.sse", 200, "text/event-stream", true);

    assertEquals(new Usage(1200, 0, 0, 0, 1, 0), snapshot.usage());
    assertTrue(snapshot.inputSeen());
    assertFalse(snapshot.complete());
    assertEquals("error event in stream: overloaded_error", snapshot.error());
  }

  @Test
  void cacheWritesWithoutTtlSplitAreFiveMinuteWrites() {
    UsageParser parser =
        api.newUsageParser(messages, new ParsedRequest("m", 1L, false, List.of(), 1, 0, true, false));
    parser.onResponseHeaders(200, "application/json");
    parser.onBody(
        "{\"type\":\"message\",\"usage\":{\"input_tokens\":5,\"cache_creation_input_tokens\":700,\"output_tokens\":3}}"
            .getBytes(UTF_8));
    parser.onEnd();

    assertEquals(new Usage(5, 0, 700, 0, 3, 0), parser.snapshot().usage());
  }

  @Test
  void streamCutBeforeMessageStopIsIncompleteButKeepsWhatWasSeen() {
    byte[] whole = fixture("anthropic/messages-stream.sse");
    String text = new String(whole, UTF_8);
    byte[] cut = text.substring(0, text.indexOf("event: content_block_stop")).getBytes(UTF_8);
    UsageParser parser =
        api.newUsageParser(messages, new ParsedRequest("m", 1L, true, List.of(), 1, 0, false, false));
    parser.onResponseHeaders(200, "text/event-stream");
    parser.onBody(cut);

    UsageSnapshot snapshot = parser.snapshot();
    assertEquals(new Usage(472, 10240, 0, 2048, 40, 0), snapshot.usage());
    assertTrue(snapshot.inputSeen());
    assertFalse(snapshot.complete());
  }

  @Test
  void upstreamErrorIsRecordedByType() {
    UsageSnapshot snapshot = meter("anthropic/error-429.json", 429, "application/json", false);

    assertEquals("upstream HTTP 429: rate_limit_error", snapshot.error());
    assertEquals(Usage.ZERO, snapshot.usage());
    assertFalse(snapshot.complete());
  }

  @Test
  void errorBodyIsNative() throws Exception {
    JsonNode body =
        JSON.readTree(api.errorBody(ErrorKind.RATE_LIMITED, "cap reached", Map.of("llmcap_cap", "team")));

    assertEquals("error", body.get("type").textValue());
    assertEquals("rate_limit_error", body.at("/error/type").textValue());
    assertEquals("cap reached", body.at("/error/message").textValue());
    assertEquals("team", body.at("/error/llmcap_cap").textValue());
    assertEquals(
        "invalid_request_error",
        JSON.readTree(api.errorBody(ErrorKind.INVALID_REQUEST, null, null)).at("/error/type").textValue());
  }
}
