package io.llmcap.envoy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.llmcap.envoy.sim.FakeProviderUpstream;
import io.llmcap.envoy.sim.ProviderUsage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** openai-java through the shipped Envoy config and a real LLMCap server. */
class OpenAiSdkThroughEnvoyTest extends ThroughEnvoyTest {
  /**
   * gpt-4o-mini at $0.15 / $0.075 (cached) / $0.60 per million input / cached / output tokens:
   * 1,000 uncached x 150 + 200 cached x 75 + 300 output x 600 nano-dollars (reasoning is inside output).
   */
  private static final ProviderUsage.OpenAi USAGE = new ProviderUsage.OpenAi(1200, 300, 200, 0, 50);
  private static final long USAGE_NANOS = 1000 * 150 + 200 * 75 + 300 * 600;

  private OpenAIClient client() {
    // Default retries (2): a budget denial must stop them by itself.
    return OpenAIOkHttpClient.builder().baseUrl(stack.baseUrl("/openai/v1")).apiKey("sk-test-not-a-real-key").build();
  }

  private static ChatCompletionCreateParams params(long maxTokens) {
    return ChatCompletionCreateParams.builder().model("gpt-4o-mini").maxCompletionTokens(maxTokens)
        .addUserMessage("Say hello in five words.").build();
  }

  @Test
  void aCallIsSettledAtItsExactCost() throws Exception {
    start("caps: [{name: org-daily, limitUsd: 10, window: day}]");
    stack.upstream.openAiUsage(USAGE);

    ChatCompletion completion = client().chat().completions().create(params(500));

    assertFalse(completion.choices().isEmpty());
    stack.awaitSettled(1);
    assertEquals(USAGE_NANOS, stack.spentNanos("org-daily"));
    FakeProviderUpstream.RecordedRequest sent = stack.upstream.requests().get(0);
    assertEquals("/v1/chat/completions", sent.path());
    assertNull(sent.header("accept-encoding"), "LLMCap removes accept-encoding so the answer can be metered");
  }

  @Test
  void aStreamIsAskedForUsageAndSettledAtItsExactCost() throws Exception {
    start("caps: [{name: org-daily, limitUsd: 10, window: day}]");
    stack.upstream.openAiUsage(USAGE);

    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (var stream = client().chat().completions().createStreaming(params(500))) {
      stream.stream().forEach(chunks::add);
    }

    assertTrue(chunks.size() > 2, "the answer arrived as a stream");
    var body = new ObjectMapper().readTree(stack.upstream.requests().get(0).body());
    assertTrue(body.path("stream_options").path("include_usage").asBoolean(), "LLMCap asked for the usage chunk");
    stack.awaitSettled(1);
    assertEquals(USAGE_NANOS, stack.spentNanos("org-daily"));
  }

  @Test
  void aCapDenialIsTheSdksRateLimitErrorWithOurMessageAndNoRetry() throws Exception {
    start("caps: [{name: org-daily, limitUsd: 0.0001, window: day}]");

    RateLimitException denied = assertThrows(RateLimitException.class,
        () -> client().chat().completions().create(params(500)));

    assertEquals(429, denied.statusCode());
    assertTrue(denied.getMessage().contains("org-daily"), denied.getMessage());
    assertEquals("false", denied.headers().values("x-should-retry").get(0));
    assertEquals(0, stack.upstream.requestCount(), "the provider never saw the call");
    assertEquals(1, stack.envoy.stats().extProcCalls(), "the SDK did not retry");
    stack.awaitSettled(1);
  }

  @Test
  void anUpstreamErrorCostsNothing() throws Exception {
    start("caps: [{name: org-daily, limitUsd: 10, window: day}]");
    stack.upstream.failNextWith(500);
    OpenAIClient noRetry = OpenAIOkHttpClient.builder().baseUrl(stack.baseUrl("/openai/v1")).apiKey("sk-test")
        .maxRetries(0).build();

    assertThrows(com.openai.errors.InternalServerException.class, () -> noRetry.chat().completions().create(params(500)));

    stack.awaitSettled(1);
    assertEquals(0, stack.spentNanos("org-daily"));
  }

  @Test
  void spendSurvivesAServerRestart() throws Exception {
    start("caps: [{name: org-daily, limitUsd: 10, window: day}]");
    stack.upstream.openAiUsage(USAGE);
    client().chat().completions().create(params(500));
    stack.awaitSettled(1);

    stack.restartServer();

    assertEquals(USAGE_NANOS, stack.spentNanos("org-daily"), "the journal kept the settled spend");
    client().chat().completions().create(params(500));
    stack.awaitSettled(2);
    assertEquals(2 * USAGE_NANOS, stack.spentNanos("org-daily"));
  }
}
