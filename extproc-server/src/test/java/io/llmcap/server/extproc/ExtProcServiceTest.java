package io.llmcap.server.extproc;

import static io.llmcap.server.testing.ExtProcTestClient.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.llmcap.server.Engine;
import io.llmcap.server.LlmcapServer;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.testing.ExtProcTestClient;
import io.llmcap.server.testing.MutableClock;
import io.llmcap.server.testing.TestEngines;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The ext_proc decision path, driven message by message as Envoy would, on the memory ledger. */
class ExtProcServiceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> OPENAI_CHAT = headers(
      ":method", "POST", ":path", "/openai/v1/chat/completions", ":authority", "localhost:10000",
      ":scheme", "http", "content-type", "application/json", "accept-encoding", "gzip",
      "authorization", "Bearer test-key-1", "x-llmcap-service", "checkout");
  /** 1,000 uncached + 200 cached input at $0.15/$0.075 per M, 300 output at $0.60 per M. */
  private static final String OPENAI_USAGE_JSON = """
      {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini-2024-07-18",
       "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
       "usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,
                "prompt_tokens_details":{"cached_tokens":200}}}""";
  private static final long OPENAI_USAGE_NANOS = 1000 * 150 + 200 * 75 + 300 * 600;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
  private LlmcapServer server;
  private ManagedChannel channel;

  private final List<CallListener.Decision> decisions = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<CallListener.Settlement> settlements = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final CallListener recorder = new CallListener() {
    @Override
    public void decided(Decision decision) {
      decisions.add(decision);
    }

    @Override
    public void settled(Settlement settlement) {
      settlements.add(settlement);
    }
  };
  private final CallListener broken = new CallListener() {
    @Override
    public void decided(Decision decision) {
      throw new IllegalStateException("a broken listener");
    }
  };

  private Engine start(String capsYaml) throws Exception {
    return startWith(TestEngines.inMemory(capsYaml, clock));
  }

  private Engine startWith(Engine engine) throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = new LlmcapServer(InProcessServerBuilder.forName(name).directExecutor(), engine, Duration.ofSeconds(1),
        CallListeners.of(List.of(broken, recorder))).start(null);
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    return engine;
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  private static String chatBody(String extra) {
    return "{\"model\":\"gpt-4o-mini\",\"max_completion_tokens\":1000" + extra
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}";
  }

  private long spent(Engine engine, String cap) throws Exception {
    return engine.ledger().snapshot(clock.instant()).stream()
        .filter(s -> s.cap().capName().equals(cap)).mapToLong(CapStatus::spentNanos).sum();
  }

  private long reserved(Engine engine) throws Exception {
    return engine.ledger().snapshot(clock.instant()).stream().mapToLong(CapStatus::reservedNanos).sum();
  }

  private static Map<String, String> setHeaders(List<HeaderValueOption> options) {
    return options.stream().collect(Collectors.toMap(o -> o.getHeader().getKey(),
        o -> o.getHeader().getRawValue().toString(StandardCharsets.UTF_8)));
  }

  @Test
  void settlesTheExactCostOfANonStreamingCall() throws Exception {
    Engine engine = start("caps: [{name: org-daily, limitUsd: 10, window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      ProcessingResponse h = call.requestHeaders(OPENAI_CHAT, false);
      assertTrue(h.hasRequestHeaders());
      assertEquals(List.of("accept-encoding"), h.getRequestHeaders().getResponse().getHeaderMutation().getRemoveHeadersList());

      ProcessingResponse b = call.requestBody(chatBody(""));
      assertTrue(b.hasRequestBody(), "a call that fits is continued");
      assertFalse(b.getRequestBody().getResponse().hasBodyMutation(), "a non-streaming body is not changed");
      assertTrue(reserved(engine) > 0, "the bound is held while the call runs");

      ProcessingResponse rh = call.responseHeaders(headers(":status", "200", "content-type", "application/json"), false);
      Map<String, String> added = setHeaders(rh.getResponseHeaders().getResponse().getHeaderMutation().getSetHeadersList());
      assertTrue(added.containsKey("x-llmcap-reserved-usd"));
      assertTrue(added.containsKey("x-llmcap-remaining-usd"));

      call.responseBody(OPENAI_USAGE_JSON.substring(0, 40), false);
      call.responseBody(OPENAI_USAGE_JSON.substring(40), true);
    }
    assertEquals(OPENAI_USAGE_NANOS, spent(engine, "org-daily"));
    assertEquals(0, reserved(engine));
  }

  @Test
  void deniesWith429InTheProvidersShapeWhenTheBoundDoesNotFit() throws Exception {
    // 1,000 output tokens at $0.60/M alone is $0.0006: a $0.0001 cap cannot hold it.
    Engine engine = start("caps: [{name: tiny, limitUsd: 0.0001, window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      ProcessingResponse b = call.requestBody(chatBody(""));
      assertTrue(b.hasImmediateResponse());
      ImmediateResponse denial = b.getImmediateResponse();
      assertEquals(429, denial.getStatus().getCodeValue());
      Map<String, String> h = setHeaders(denial.getHeaders().getSetHeadersList());
      assertEquals("application/json", h.get("content-type"));
      assertEquals("false", h.get("x-should-retry"));
      assertEquals("tiny", h.get("x-llmcap-cap"));
      assertEquals("0.000100000", h.get("x-llmcap-limit-usd"));
      assertEquals(Long.toString(Duration.ofHours(14).toSeconds()), h.get("retry-after"));
      assertEquals("2026-11-24T00:00:00Z", h.get("x-llmcap-reset"));
      assertTrue(h.containsKey("x-llmcap-max-affordable-output-tokens"), "a smaller output limit would fit");
      JsonNode body = JSON.readTree(denial.getBody().toByteArray());
      assertTrue(body.path("error").path("message").asText().contains("tiny"));
      assertEquals("tiny", body.path("error").path("llmcap").path("cap").asText());
    }
    assertEquals(0, reserved(engine), "a denial reserves nothing");
  }

  @Test
  void asksOpenAiStreamsForUsageAndFixesContentLength() throws Exception {
    start("caps: [{name: org, limitUsd: 10, window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      ProcessingResponse b = call.requestBody(chatBody(",\"stream\":true"));
      var common = b.getRequestBody().getResponse();
      assertTrue(common.hasBodyMutation());
      byte[] mutated = common.getBodyMutation().getBody().toByteArray();
      assertTrue(JSON.readTree(mutated).path("stream_options").path("include_usage").asBoolean());
      assertEquals(Integer.toString(mutated.length),
          setHeaders(common.getHeaderMutation().getSetHeadersList()).get("content-length"));
    }
  }

  @Test
  void aStreamCancelledBeforeItsUsageIsChargedItsFullReservation() throws Exception {
    Engine engine = start("caps: [{name: org, limitUsd: 10, window: day}]");
    long held;
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      call.requestBody(chatBody(",\"stream\":true"));
      held = reserved(engine);
      call.responseHeaders(headers(":status", "200", "content-type", "text/event-stream"), false);
      call.responseBody("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
          + "\"delta\":{\"content\":\"h\"}}],\"usage\":null}\n\n", false);
      call.closeLikeEnvoy();
    }
    awaitSettled(engine);
    // The hold was the quick byte bound; the whole-reservation charge is the call's exact bound.
    assertEquals(strictHold(chatBody(",\"stream\":true"), CostPlan.Counting.EXACT), spent(engine, "org"));
    assertTrue(spent(engine, "org") <= held);
  }

  @Test
  void aCutStreamHeldAtTheQuickBoundIsChargedItsExactBoundNotTheHold() throws Exception {
    long quick = strictHold(LONG_PROMPT_BODY, CostPlan.Counting.QUICK);
    long exact = strictHold(LONG_PROMPT_BODY, CostPlan.Counting.EXACT);
    Engine engine = start("caps: [{name: org, limitUsd: 10, window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      assertTrue(call.requestBody(LONG_PROMPT_BODY).hasRequestBody());
      assertEquals(quick, reserved(engine));
      call.responseHeaders(headers(":status", "200", "content-type", "application/json"), false);
      call.closeLikeEnvoy(); // the client left before the response
    }
    awaitSettled(engine);
    assertEquals(exact, spent(engine, "org"), "charged the proven exact bound, not the looser hold");
    assertEquals(0, reserved(engine));
  }

  @Test
  void anUpstreamErrorWithoutUsageIsFree() throws Exception {
    Engine engine = start("caps: [{name: org, limitUsd: 10, window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      call.requestBody(chatBody(""));
      call.responseHeaders(headers(":status", "500", "content-type", "application/json",
          "x-envoy-upstream-service-time", "12"), false);
      call.responseBody("{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}", true);
    }
    assertEquals(0, spent(engine, "org"));
    assertEquals(0, reserved(engine));
  }

  @Test
  void anErrorEnvoyMadeAfterTheRequestWentOutIsChargedLikeACutStream() throws Exception {
    // A route timeout: Envoy answers 504 itself while the provider may still be generating.
    Engine engine = start("caps: [{name: org, limitUsd: 10, window: day}]");
    long held;
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      call.requestBody(chatBody(""));
      held = reserved(engine);
      call.responseHeaders(headers(":status", "504", "content-type", "text/plain"), false);
      call.responseBody("upstream request timeout", true);
    }
    // Charged in full: the exact bound of the call, never more than its (quick) hold.
    assertEquals(strictHold(chatBody(""), CostPlan.Counting.EXACT), spent(engine, "org"));
    assertTrue(spent(engine, "org") <= held);
  }

  @Test
  void aBodyFollowedByTrailersIsStillDecided() throws Exception {
    // BUFFERED with HTTP/2 trailers: the one body message has end_of_stream false.
    Engine engine = start("caps: [{name: tiny, limitUsd: 0.0000001, window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      ProcessingResponse b = call.requestBody(chatBody(""), false);
      assertEquals(429, b.getImmediateResponse().getStatus().getCodeValue());
    }
    assertEquals(0, reserved(engine));
  }

  @Test
  void anUnsupportedApiOnAKnownProviderHostIsRefusedEvenWithoutTheRouteHint() throws Exception {
    start("caps: [{name: org, limitUsd: 10, window: day}]");
    try (var call = new ExtProcTestClient(channel, null)) {
      ProcessingResponse h = call.requestHeaders(headers(":method", "POST", ":path", "/v1/images/generations",
          ":authority", "api.openai.com"), false);
      assertEquals(400, h.getImmediateResponse().getStatus().getCodeValue());
    }
    try (var call = new ExtProcTestClient(channel, null)) {
      ProcessingResponse h = call.requestHeaders(headers(":method", "GET", ":path", "/v1/models",
          ":authority", "api.openai.com"), true);
      assertTrue(h.hasRequestHeaders(), "listing models generates nothing and passes");
    }
  }

  @Test
  void anAmbiguousPathIsRefused() throws Exception {
    start("caps: [{name: org, limitUsd: 10, window: day}]");
    for (String path : List.of("/gemini/v1beta/models/gemini-2.5-flash:generateContent;/v1beta/models/x:countTokens",
        "/openai/v1//chat/completions", "/anthropic/v1/messages/count_tokens/../../messages")) {
      try (var call = new ExtProcTestClient(channel, "gemini")) {
        ProcessingResponse h = call.requestHeaders(headers(":method", "POST", ":path", path,
            ":authority", "localhost"), false);
        assertEquals(400, h.getImmediateResponse().getStatus().getCodeValue(), path);
      }
    }
  }

  @Test
  void severalChoicesAreBoundedByTheirWholeOutputEvenAboveOneChoicesMaximum() throws Exception {
    // gpt-4o-mini allows 16,384 output tokens per choice; 8 choices may bill 8 times that.
    Engine engine = start("caps: [{name: org, limitUsd: 100, window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      call.requestBody("{\"model\":\"gpt-4o-mini\",\"n\":8,\"max_completion_tokens\":16384,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertTrue(reserved(engine) >= 8L * 16_384 * 600, "reserved " + reserved(engine));
    }
  }

  @Test
  void aUsageReportWithoutItsCountsIsNotABillOfZero() throws Exception {
    Engine engine = start("caps: [{name: org, limitUsd: 10, window: day}]");
    long held;
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      call.requestBody(chatBody(""));
      held = reserved(engine);
      call.responseHeaders(headers(":status", "200", "content-type", "application/json",
          "x-envoy-upstream-service-time", "5"), false);
      call.responseBody("{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[],\"usage\":{}}", true);
    }
    assertEquals(strictHold(chatBody(""), CostPlan.Counting.EXACT), spent(engine, "org"));
    assertTrue(spent(engine, "org") <= held);
  }

  @Test
  void malformedJsonIsRefusedBeforeTheProvider() throws Exception {
    start("caps: [{name: org, limitUsd: 10, window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      ProcessingResponse b = call.requestBody("{\"model\":\"gpt-4o-mini\",");
      assertEquals(400, b.getImmediateResponse().getStatus().getCodeValue());
      assertTrue(JSON.readTree(b.getImmediateResponse().getBody().toByteArray()).path("error").has("message"));
    }
  }

  @Test
  void anUnknownModelIsRefusedWithAHintForTheOperator() throws Exception {
    start("caps: [{name: org, limitUsd: 10, window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      ProcessingResponse b = call.requestBody(
          "{\"model\":\"gpt-no-such-model\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
      assertEquals(400, b.getImmediateResponse().getStatus().getCodeValue());
      String message = JSON.readTree(b.getImmediateResponse().getBody().toByteArray()).path("error").path("message").asText();
      assertTrue(message.contains("gpt-no-such-model"), message);
      assertTrue(message.contains("overrides"), message);
    }
  }

  @Test
  void anExhaustedCapDeniesAtTheHeadersPhase() throws Exception {
    Engine engine = start("caps: [{name: org, limitUsd: 0.0003, window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      assertTrue(call.requestBody(chatBody("").replace("1000", "400")).hasRequestBody());
      call.responseHeaders(headers(":status", "200", "content-type", "application/json"), false);
      call.responseBody(OPENAI_USAGE_JSON, true);
    }
    assertEquals(OPENAI_USAGE_NANOS, spent(engine, "org"), "the reported usage fills the cap");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      ProcessingResponse h = call.requestHeaders(OPENAI_CHAT, false);
      assertEquals(429, h.getImmediateResponse().getStatus().getCodeValue());
    }
  }

  @Test
  void clampLowersTheOutputLimitToWhatTheBudgetAffords() throws Exception {
    start("""
        enforcement: {overBudget: clamp, minOutputTokens: 10}
        caps: [{name: small, limitUsd: 0.0004, window: day}]
        """);
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      ProcessingResponse b = call.requestBody(chatBody(""));
      assertTrue(b.hasRequestBody(), "clamped, not denied");
      byte[] mutated = b.getRequestBody().getResponse().getBodyMutation().getBody().toByteArray();
      long clamped = JSON.readTree(mutated).path("max_completion_tokens").asLong();
      assertTrue(clamped >= 10 && clamped < 1000, "clamped to " + clamped);
    }
  }

  /** What a strict plan holds for an OpenAI chat body on gpt-4o-mini, counted either way. */
  private static long strictHold(String body, CostPlan.Counting counting) throws Exception {
    var route = new io.llmcap.server.provider.ApiRoute(io.llmcap.server.provider.openai.OpenAiChatApi.INSTANCE, null,
        false, false, false);
    var request = route.api().parseRequest(route, body.getBytes(StandardCharsets.UTF_8), Map.of());
    var price = io.llmcap.pricing.PriceCatalog.bundled().resolve(route.priceRoute(), "gpt-4o-mini");
    return CostPlan.of(route.priceRoute(), request, price, io.llmcap.server.config.EnforcementConfig.Mode.STRICT,
        counting).amountNanos();
  }

  private static String usd(long nanos) {
    return java.math.BigDecimal.valueOf(nanos, 9).toPlainString();
  }

  /** A prompt of about 2,000 o200k tokens in 9,000 bytes: the byte bound holds about four times its tokens. */
  private static final String LONG_PROMPT_BODY = chatBody("").replace("Say hi",
      "The quick brown fox jumps over the lazy dog. ".repeat(200));

  @Test
  void aCallIsHeldAtTheQuickByteBoundWhileTheCapHasRoomForIt() throws Exception {
    long quick = strictHold(LONG_PROMPT_BODY, CostPlan.Counting.QUICK);
    assertTrue(strictHold(LONG_PROMPT_BODY, CostPlan.Counting.EXACT) < quick);
    Engine engine = start("caps: [{name: org, limitUsd: 10, window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      assertTrue(call.requestBody(LONG_PROMPT_BODY).hasRequestBody());
      assertEquals(quick, reserved(engine));
    }
  }

  @Test
  void aCallTheByteBoundWouldDenyIsCountedExactlyAndLetThroughWhenThatFits() throws Exception {
    long quick = strictHold(LONG_PROMPT_BODY, CostPlan.Counting.QUICK);
    long exact = strictHold(LONG_PROMPT_BODY, CostPlan.Counting.EXACT);
    Engine engine = start("caps: [{name: org, limitUsd: " + usd((quick + exact) / 2) + ", window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      assertTrue(call.requestBody(LONG_PROMPT_BODY).hasRequestBody(), "its exact bound fits: not denied");
      assertEquals(exact, reserved(engine), "held at the exact bound");
    }
  }

  @Test
  void aCallWhoseExactBoundDoesNotFitIsDeniedNamingTheExactAmount() throws Exception {
    long exact = strictHold(LONG_PROMPT_BODY, CostPlan.Counting.EXACT);
    Engine engine = start("caps: [{name: org, limitUsd: " + usd(exact - 1) + ", window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      ProcessingResponse b = call.requestBody(LONG_PROMPT_BODY);
      assertTrue(b.hasImmediateResponse());
      assertEquals(429, b.getImmediateResponse().getStatus().getCodeValue());
    }
    assertEquals(0, reserved(engine));
    CallListener.Decision denied = decisions.get(decisions.size() - 1);
    assertEquals(CallListener.Outcome.DENIED_CAP, denied.outcome());
  }

  @Test
  void aShadowCapReportsAWouldBeDenialOnlyWhenTheExactBoundDoesNotFit() throws Exception {
    long quick = strictHold(LONG_PROMPT_BODY, CostPlan.Counting.QUICK);
    long exact = strictHold(LONG_PROMPT_BODY, CostPlan.Counting.EXACT);
    start("caps: [{name: trial, limitUsd: " + usd((quick + exact) / 2) + ", window: day, action: shadow}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      assertTrue(call.requestBody(LONG_PROMPT_BODY).hasRequestBody());
    }
    assertTrue(decisions.get(decisions.size() - 1).shadowWouldDeny().isEmpty(), "an enforcing cap would let it in");
    stop();
    start("caps: [{name: trial, limitUsd: " + usd(exact - 1) + ", window: day, action: shadow}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      assertTrue(call.requestBody(LONG_PROMPT_BODY).hasRequestBody(), "shadow caps never deny");
    }
    assertEquals(1, decisions.get(decisions.size() - 1).shadowWouldDeny().size());
  }

  @Test
  void aShadowCapNeverDenies() throws Exception {
    start("caps: [{name: trial, limitUsd: 0.0000001, window: day, action: shadow}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      assertTrue(call.requestBody(chatBody("")).hasRequestBody());
    }
  }

  @Test
  void aGzippedResponseIsDecodedAndPricedExactly() throws Exception {
    Engine engine = start("caps: [{name: org, limitUsd: 10, window: day}]");
    var gz = new java.io.ByteArrayOutputStream();
    try (var out = new java.util.zip.GZIPOutputStream(gz)) {
      out.write(OPENAI_USAGE_JSON.getBytes(StandardCharsets.UTF_8));
    }
    byte[] zipped = gz.toByteArray();
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      call.requestBody(chatBody(""));
      call.responseHeaders(headers(":status", "200", "content-type", "application/json", "content-encoding", "gzip"), false);
      call.responseBodyBytes(java.util.Arrays.copyOfRange(zipped, 0, 10), false);
      call.responseBodyBytes(java.util.Arrays.copyOfRange(zipped, 10, zipped.length), true);
    }
    assertEquals(OPENAI_USAGE_NANOS, spent(engine, "org"));
  }

  @Test
  void estimateModeReservesLessThanTheStrictBound() throws Exception {
    Engine strict = start("caps: [{name: org, limitUsd: 10, window: day}]");
    long strictHold;
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      call.requestBody(chatBody("").replace("1000", "4000"));
      strictHold = reserved(strict);
    }
    stop();
    Engine estimate = start("enforcement: {mode: estimate}\ncaps: [{name: org, limitUsd: 10, window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      call.requestBody(chatBody("").replace("1000", "4000"));
      long estimateHold = reserved(estimate);
      assertTrue(estimateHold > 0 && estimateHold < strictHold, estimateHold + " vs strict " + strictHold);
    }
  }

  @Test
  void listenersHearEachDecisionAndSettlementAndABrokenOneChangesNothing() throws Exception {
    start("caps: [{name: org, limitUsd: 10, window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      assertTrue(call.requestBody(chatBody("")).hasRequestBody());
      call.responseHeaders(headers(":status", "200", "content-type", "application/json"), false);
      call.responseBody(OPENAI_USAGE_JSON, true);
    }
    assertEquals(1, decisions.size());
    CallListener.Decision d = decisions.get(0);
    assertEquals(CallListener.Outcome.ALLOWED, d.outcome());
    assertEquals("openai", d.provider());
    assertEquals("gpt-4o-mini", d.model());
    assertEquals("checkout", d.service());
    assertTrue(d.apiKeyFingerprint().startsWith("key-") && !d.apiKeyFingerprint().contains("test-key-1"));
    assertTrue(d.reservedNanos() > 0);
    assertEquals(1, settlements.size());
    assertEquals(OPENAI_USAGE_NANOS, settlements.get(0).settledNanos());
    assertEquals("gpt-4o-mini-2024-07-18", settlements.get(0).responseModel());
  }

  @Test
  void aDenialIsReportedWithTheCapThatDeniedIt() throws Exception {
    start("caps: [{name: tiny, limitUsd: 0.0001, window: day}]");
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      call.requestBody(chatBody(""));
    }
    CallListener.Decision d = decisions.get(0);
    assertEquals(CallListener.Outcome.DENIED_CAP, d.outcome());
    assertEquals("tiny", d.blocking().cap().capName());
    assertTrue(settlements.isEmpty(), "nothing was reserved, so nothing is settled");
  }

  private static final Map<String, String> AZURE_CHAT = headers(
      ":method", "POST", ":path", "/openai/deployments/my-gpt4o-prod/chat/completions?api-version=2024-10-21",
      ":authority", "acme.openai.azure.com", "content-type", "application/json", "api-key", "azure-test-key");
  private static final String AZURE_BODY =
      "{\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final String AZURE_RESPONSE = """
      {"id":"chatcmpl-az","object":"chat.completion","created":1,"model":"gpt-4o-2024-11-20",
       "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
       "usage":{"prompt_tokens":1000,"completion_tokens":100,"total_tokens":1100}}""";

  @Test
  void anAzureDeploymentIsPricedAsTheModelTheCapsFileMapsItTo() throws Exception {
    Engine engine = start("""
        pricing: {deployments: {my-gpt4o-prod: gpt-4o}}
        caps: [{name: org, limitUsd: 10, window: day}]
        """);
    try (var call = new ExtProcTestClient(channel, "azure")) {
      call.requestHeaders(AZURE_CHAT, false);
      assertTrue(call.requestBody(AZURE_BODY).hasRequestBody());
      call.responseHeaders(headers(":status", "200", "content-type", "application/json"), false);
      call.responseBody(AZURE_RESPONSE, true);
    }
    // azure/gpt-4o: $2.50 / $10 per million input / output tokens.
    assertEquals(1000 * 2_500 + 100 * 10_000, spent(engine, "org"));
  }

  @Test
  void anUnmappedAzureDeploymentIsBilledAsTheModelItsResponseNames() throws Exception {
    Engine plain = TestEngines.inMemory("caps: [{name: org, limitUsd: 10, window: day}]", clock);
    // enforcement.unknownModel: {inputPerMTok: 50, outputPerMTok: 50}
    Engine engine = startWith(new Engine(plain.config(), plain.catalog(), plain.policy(), plain.providers(),
        plain.catalog().withOverrides(List.of(io.llmcap.pricing.PriceOverride.of("llmcap/unknown-model",
            new java.math.BigDecimal("50"), new java.math.BigDecimal("50")))).entry("llmcap/unknown-model").orElseThrow(),
        plain.ledger(), clock));
    try (var call = new ExtProcTestClient(channel, "azure")) {
      call.requestHeaders(AZURE_CHAT, false);
      assertTrue(call.requestBody(AZURE_BODY).hasRequestBody(), "reserved at the unknown-model price");
      call.responseHeaders(headers(":status", "200", "content-type", "application/json"), false);
      call.responseBody(AZURE_RESPONSE, true);
    }
    // azure/gpt-4o-2024-11-20: $2.75 / $11 per million input / output tokens.
    assertEquals(1000 * 2_750 + 100 * 11_000, spent(engine, "org"));
  }

  @Test
  void aStreamCancelledWhileLlmcapIsStillDecidingIsReleasedNotCharged() throws Exception {
    // Envoy's message timeout fired (or the client left) before LLMCap's reply to the body: the
    // request never went to the provider, so the hold it had just taken costs nothing. The store
    // may block (as Redis does), so the decision runs on the blocking-work pool and the transport
    // thread sees the reset while it runs. (With the embedded store the decision runs on the
    // transport thread, which reads the reset only after it: such a call is charged as forwarded.)
    Engine plain = TestEngines.inMemory("caps: [{name: org, limitUsd: 10, window: day}]", clock);
    Engine engine = new Engine(plain.config(), plain.catalog(), plain.policy(), plain.providers(), null,
        new io.llmcap.server.testing.SwitchableLedgerStore(plain.ledger()), clock);
    assertTrue(engine.ledger().mayBlock());
    var decided = new java.util.concurrent.CountDownLatch(1);
    var cancelled = new java.util.concurrent.CountDownLatch(1);
    CallListener slowListener = new CallListener() {
      @Override
      public void decided(Decision decision) {
        decided.countDown();
        try {
          cancelled.await(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    String name = InProcessServerBuilder.generateName();
    server = new LlmcapServer(InProcessServerBuilder.forName(name), engine, Duration.ofSeconds(1), slowListener)
        .start(null);
    channel = InProcessChannelBuilder.forName(name).build();
    var call = new ExtProcTestClient(channel, "openai");
    call.requestHeaders(OPENAI_CHAT, false);
    var body = java.util.concurrent.CompletableFuture.runAsync(() -> {
      try {
        call.requestBody(chatBody(""));
      } catch (AssertionError expected) {
        // the stream is cancelled before any reply
      }
    });
    assertTrue(decided.await(5, java.util.concurrent.TimeUnit.SECONDS));
    call.closeLikeEnvoy();
    Thread.sleep(200);
    cancelled.countDown();
    body.get(15, java.util.concurrent.TimeUnit.SECONDS);

    awaitSettled(engine);
    assertEquals(0, spent(engine, "org"), "a request that was never let through costs nothing");
  }

  @Test
  void withOnFailureOpenACallRunsWhileTheStoreIsDownAndItsCostIsChargedWhenItEnds() throws Exception {
    Engine plain = TestEngines.inMemory("""
        store: {onFailure: open}
        caps: [{name: org, limitUsd: 10, window: day}]
        """, clock);
    var store = new io.llmcap.server.testing.SwitchableLedgerStore(plain.ledger());
    Engine engine = startWith(new Engine(plain.config(), plain.catalog(), plain.policy(), plain.providers(), null,
        store, clock));
    try (var call = new ExtProcTestClient(channel, "openai")) {
      store.down(true);
      call.requestHeaders(OPENAI_CHAT, false);
      assertTrue(call.requestBody(chatBody("")).hasRequestBody(), "open: the call is let through");
      store.down(false);
      call.responseHeaders(headers(":status", "200", "content-type", "application/json",
          "x-envoy-upstream-service-time", "3"), false);
      call.responseBody(OPENAI_USAGE_JSON, true);
    }
    assertEquals(OPENAI_USAGE_NANOS, spent(engine, "org"), "metered while down, charged when the store answered");
    assertEquals(0, reserved(engine));
    assertEquals(CallListener.Outcome.ALLOWED_STORE_DOWN, decisions.get(0).outcome());
  }

  @Test
  void withOnFailureClosedACallIsRefusedWhileTheStoreIsDown() throws Exception {
    Engine plain = TestEngines.inMemory("caps: [{name: org, limitUsd: 10, window: day}]", clock);
    var store = new io.llmcap.server.testing.SwitchableLedgerStore(plain.ledger()).down(true);
    startWith(new Engine(plain.config(), plain.catalog(), plain.policy(), plain.providers(), null, store, clock));
    try (var call = new ExtProcTestClient(channel, "openai")) {
      // The headers phase reads only what the store knows locally; the reservation finds it down.
      assertTrue(call.requestHeaders(OPENAI_CHAT, false).hasRequestHeaders());
      ProcessingResponse b = call.requestBody(chatBody(""));
      assertEquals(503, b.getImmediateResponse().getStatus().getCodeValue());
    }
    assertEquals(0, reserved(plain));
  }

  private void awaitSettled(Engine engine) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (reserved(engine) != 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(0, reserved(engine), "the cancelled call was settled");
  }
}
