package io.llmcap.envoy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.errors.ClientException;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import io.llmcap.envoy.sim.ProviderUsage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** google-genai through the shipped Envoy config and a real LLMCap server. */
class GeminiSdkThroughEnvoyTest extends ThroughEnvoyTest {
  /**
   * gemini/gemini-2.5-flash: input $0.30/M (300 nano-dollars a token), cached $0.03/M (30),
   * output and thoughts $2.50/M (2,500). promptTokenCount includes the cached tokens; thoughts are
   * outside candidatesTokenCount.
   */
  private static final ProviderUsage.Gemini USAGE = new ProviderUsage.Gemini(1000, 200, 400, 100);
  private static final long USAGE_NANOS = 600 * 300 + 400 * 30 + 200 * 2_500 + 100 * 2_500;
  private static final GenerateContentConfig CONFIG = GenerateContentConfig.builder().maxOutputTokens(2048).build();

  private Client client() {
    return Client.builder().apiKey("gemini-test-not-a-key")
        .httpOptions(HttpOptions.builder().baseUrl(stack.baseUrl("/gemini")).build()).build();
  }

  @Test
  void aCallIsSettledAtItsExactCostIncludingThoughts() throws Exception {
    start("caps: [{name: gemini-daily, limitUsd: 10, window: day}]");
    stack.upstream.geminiUsage(USAGE);

    try (Client client = client()) {
      GenerateContentResponse response = client.models.generateContent("gemini-2.5-flash", "Say hello", CONFIG);
      assertTrue(response.text().length() > 0);
    }
    stack.awaitSettled(1);
    assertEquals(USAGE_NANOS, stack.spentNanos("gemini-daily"));
  }

  @Test
  void anSseStreamIsSettledFromItsLastRunningTotal() throws Exception {
    start("caps: [{name: gemini-daily, limitUsd: 10, window: day}]");
    stack.upstream.geminiUsage(USAGE);

    List<GenerateContentResponse> chunks = new ArrayList<>();
    try (Client client = client();
        ResponseStream<GenerateContentResponse> stream =
            client.models.generateContentStream("gemini-2.5-flash", "Say hello", CONFIG)) {
      stream.forEach(chunks::add);
    }
    assertTrue(chunks.size() > 1);
    stack.awaitSettled(1);
    assertEquals(USAGE_NANOS, stack.spentNanos("gemini-daily"));
  }

  /**
   * google-genai for Java retries 429 by default (5 attempts, exponential backoff from 1 s) and
   * reads no header that could stop it. Each retry is denied again by LLMCap and never reaches the
   * provider; the test shortens the SDK's backoff so that it runs fast, and checks exactly that.
   */
  @Test
  void aCapDenialIsTheSdksResourceExhaustedErrorAndItsRetriesNeverReachTheProvider() throws Exception {
    // 2,048 output tokens at $2.50/M is about $0.005: a tenth of a cent cannot hold the bound.
    start("caps: [{name: gemini-daily, limitUsd: 0.001, window: day}]");
    HttpRetryOptions quickRetries = HttpRetryOptions.builder().attempts(3).initialDelay(0.01).maxDelay(0.02).build();

    ClientException denied;
    try (Client client = Client.builder().apiKey("gemini-test-not-a-key").httpOptions(HttpOptions.builder()
        .baseUrl(stack.baseUrl("/gemini")).retryOptions(quickRetries).build()).build()) {
      denied = assertThrows(ClientException.class,
          () -> client.models.generateContent("gemini-2.5-flash", "Say hello", CONFIG));
    }
    assertEquals(429, denied.code());
    assertEquals("RESOURCE_EXHAUSTED", denied.status());
    assertTrue(denied.message().contains("gemini-daily"), denied.message());
    assertEquals(0, stack.upstream.requestCount(), "no attempt reached the provider");
    assertEquals(3, stack.envoy.stats().extProcCalls(), "each of the SDK's attempts was decided");
    assertEquals(3, stack.envoy.stats().localReplies().stream().filter(r -> r.status() == 429).count());
    stack.awaitSettled(3);
    assertEquals(0, stack.spentNanos("gemini-daily"));
  }
}
