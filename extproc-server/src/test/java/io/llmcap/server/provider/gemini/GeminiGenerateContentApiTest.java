package io.llmcap.server.provider.gemini;

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

class GeminiGenerateContentApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final GeminiGenerateContentApi api = GeminiGenerateContentApi.INSTANCE;
  private final ApiRoute generate = new ApiRoute(api, "gemini-2.5-flash", false, false, false);
  private final ApiRoute streamSse = new ApiRoute(api, "gemini-2.5-flash", true, true, false);
  private final ApiRoute streamArray = new ApiRoute(api, "gemini-2.5-pro", true, false, false);
  private final ApiRoute countTokens = new ApiRoute(api, "gemini-2.5-flash", false, false, true);

  private ParsedRequest parse(ApiRoute route, String body) throws InvalidRequestException {
    return api.parseRequest(route, body.getBytes(UTF_8));
  }

  private UsageSnapshot meter(ApiRoute route, String fixture, int status, String contentType) {
    ParsedRequest request =
        new ParsedRequest(route.pathModel(), null, route.streamingPath(), List.of(), 1, 0, false, false);
    return readAtEverySplit(() -> api.newUsageParser(route, request), status, contentType, fixture(fixture));
  }

  @Test
  void readsModelFromPathAndTextMediaToolsFromBody() throws InvalidRequestException {
    ParsedRequest parsed =
        parse(
            streamSse,
            """
            {"systemInstruction":{"parts":[{"text":"Answer in French."}]},
             "contents":[
               {"role":"user","parts":[{"text":"Describe"},{"inlineData":{"mimeType":"image/png","data":"iVBO"}},
                                       {"file_data":{"mime_type":"video/mp4","file_uri":"gs://b/v"}}]},
               {"role":"model","parts":[{"functionCall":{"name":"f","args":{"a":1}}}]}],
             "tools":[{"functionDeclarations":[{"name":"f"}]}],
             "generationConfig":{"maxOutputTokens":1000,"thinkingConfig":{"thinkingBudget":512}}}
            """);

    assertEquals("gemini-2.5-flash", parsed.model());
    assertEquals(1000L, parsed.maxOutputTokens());
    assertTrue(parsed.stream());
    assertEquals(2, parsed.messageCount());
    assertEquals(2, parsed.mediaCount());
    assertEquals(
        List.of(
            "Describe",
            "{\"functionCall\":{\"name\":\"f\",\"args\":{\"a\":1}}}",
            "Answer in French.",
            "{\"functionDeclarations\":[{\"name\":\"f\"}]}"),
        parsed.promptTexts());
  }

  @Test
  void protoFieldNamesAreReadToo() throws InvalidRequestException {
    String body =
        "{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}],\"generation_config\":{\"max_output_tokens\":77}}";

    assertEquals(77L, parse(generate, body).maxOutputTokens());
  }

  @Test
  void bothSpellingsOfOneFieldAreRefused() {
    String config =
        "{\"contents\":[],\"generationConfig\":{\"maxOutputTokens\":10,\"max_output_tokens\":60000}}";
    String top =
        "{\"contents\":[],\"generationConfig\":{\"maxOutputTokens\":10},\"generation_config\":{}}";

    assertTrue(
        assertThrows(InvalidRequestException.class, () -> parse(generate, config))
            .getMessage()
            .contains("max_output_tokens"));
    assertThrows(InvalidRequestException.class, () -> parse(generate, top));
  }

  @Test
  void severalCandidatesMultiplyTheBoundAndNeedALimit() throws InvalidRequestException {
    assertEquals(
        300L,
        parse(generate, "{\"contents\":[],\"generationConfig\":{\"candidateCount\":3,\"maxOutputTokens\":100}}")
            .maxOutputTokens());
    assertThrows(
        InvalidRequestException.class,
        () -> parse(generate, "{\"contents\":[],\"generationConfig\":{\"candidateCount\":2}}"));
  }

  @Test
  void missingContentsIsRefusedExceptForTokenCounting() throws InvalidRequestException {
    assertThrows(InvalidRequestException.class, () -> parse(generate, "{}"));
    ParsedRequest wrapped =
        parse(
            countTokens,
            "{\"generateContentRequest\":{\"model\":\"models/gemini-2.5-flash\",\"contents\":[{\"parts\":[{\"text\":\"count me\"}]}]}}");
    assertEquals(List.of("count me"), wrapped.promptTexts());
  }

  @Test
  void clampCreatesGenerationConfigWhenAbsent() throws Exception {
    String body = "{\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}],\"safetySettings\":[]}";

    JsonNode clamped = JSON.readTree(api.withMaxOutputTokens(body.getBytes(UTF_8), 4096));

    assertEquals(4096, clamped.at("/generationConfig/maxOutputTokens").intValue());
    assertTrue(clamped.get("safetySettings").isArray());
  }

  @Test
  void clampKeepsTheCallersSpellingAndOtherSettings() throws Exception {
    String body =
        "{\"contents\":[],\"generation_config\":{\"temperature\":0.2,\"max_output_tokens\":9000,\"candidate_count\":2}}";

    JsonNode clamped = JSON.readTree(api.withMaxOutputTokens(body.getBytes(UTF_8), 1000));

    assertEquals(500, clamped.at("/generation_config/max_output_tokens").intValue());
    assertFalse(clamped.has("generationConfig"));
    assertEquals(0.2, clamped.at("/generation_config/temperature").doubleValue());
  }

  @Test
  void jsonResponseSplitsCachedTokensOutAndBillsThoughtsAndToolPrompt() {
    UsageSnapshot snapshot = meter(generate, "gemini/generate-content.json", 200, "application/json");

    assertEquals(new Usage(1114 + 57, 4096, 0, 0, 84, 1290), snapshot.usage());
    assertTrue(snapshot.complete());
    assertTrue(snapshot.inputSeen());
    assertEquals("gemini-2.5-flash", snapshot.responseModel());
    assertNull(snapshot.error());
  }

  @Test
  void sseStreamWithCrlfKeepsRunningTotals() {
    byte[] body = fixture("gemini/stream.sse");
    assertTrue(new String(body, UTF_8).contains("\r\n\r\n"), "fixture must keep its CRLF endings");

    UsageSnapshot snapshot = meter(streamSse, "gemini/stream.sse", 200, "text/event-stream");

    assertEquals(new Usage(1024, 1024, 0, 0, 17, 230), snapshot.usage());
    assertTrue(snapshot.complete());
    assertEquals("gemini-2.5-flash", snapshot.responseModel());
  }

  @Test
  void jsonArrayStreamIsReadWhereverItIsCut() {
    UsageSnapshot snapshot = meter(streamArray, "gemini/stream-array.json", 200, "application/json; charset=UTF-8");

    assertEquals(new Usage(812, 0, 0, 0, 31, 455), snapshot.usage());
    assertTrue(snapshot.complete());
    assertTrue(snapshot.inputSeen());
    assertEquals("gemini-2.5-pro", snapshot.responseModel());
    assertNull(snapshot.error());
  }

  @Test
  void arrayStreamCutAfterTheFirstElementHasTheInputButIsIncomplete() {
    String whole = new String(fixture("gemini/stream-array.json"), UTF_8);
    String firstElement = whole.substring(0, whole.indexOf("\n,") + 2);
    UsageParser parser =
        api.newUsageParser(streamArray, new ParsedRequest("m", null, true, List.of(), 1, 0, false, false));
    parser.onResponseHeaders(200, "application/json");
    parser.onBody(firstElement.getBytes(UTF_8));

    UsageSnapshot snapshot = parser.snapshot();
    assertEquals(new Usage(812, 0, 0, 0, 0, 0), snapshot.usage());
    assertTrue(snapshot.inputSeen());
    assertFalse(snapshot.complete());
  }

  @Test
  void upstreamErrorIsRecordedByStatus() {
    UsageSnapshot snapshot = meter(generate, "gemini/error-429.json", 429, "application/json");

    assertEquals("upstream HTTP 429: RESOURCE_EXHAUSTED", snapshot.error());
    assertFalse(snapshot.complete());
  }

  @Test
  void errorBodyIsNative() throws Exception {
    JsonNode body =
        JSON.readTree(api.errorBody(ErrorKind.RATE_LIMITED, "cap reached", Map.of("llmcap_cap", "team")));

    assertEquals(429, body.at("/error/code").intValue());
    assertEquals("RESOURCE_EXHAUSTED", body.at("/error/status").textValue());
    assertEquals("cap reached", body.at("/error/message").textValue());
    assertEquals("team", body.at("/error/llmcap_cap").textValue());
    assertEquals(
        "UNAVAILABLE",
        JSON.readTree(api.errorBody(ErrorKind.UNAVAILABLE, "x", Map.of())).at("/error/status").textValue());
  }
}
