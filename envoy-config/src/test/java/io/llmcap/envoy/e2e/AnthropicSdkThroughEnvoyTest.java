package io.llmcap.envoy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.RateLimitException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import io.llmcap.envoy.sim.ProviderUsage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** anthropic-java through the shipped Envoy config and a real LLMCap server. */
class AnthropicSdkThroughEnvoyTest extends ThroughEnvoyTest {
  /**
   * claude-sonnet-4-5-20250929: input $3/M (3,000 nano-dollars a token), output $15/M (15,000),
   * 5-minute cache writes $3.75/M (3,750), cache reads $0.30/M (300); the catalog has no 1-hour
   * write price, so it is 2x input (6,000) as Anthropic bills it.
   */
  private static final ProviderUsage.Anthropic USAGE = new ProviderUsage.Anthropic(1000, 200, 100, 50, 300);
  private static final long USAGE_NANOS = 1000 * 3_000 + 200 * 15_000 + 100 * 3_750 + 50 * 6_000 + 300 * 300;

  private AnthropicClient client() {
    return AnthropicOkHttpClient.builder().baseUrl(stack.baseUrl("/anthropic")).apiKey("sk-ant-test-not-a-key").build();
  }

  private static MessageCreateParams params() {
    return MessageCreateParams.builder().model("claude-sonnet-4-5-20250929").maxTokens(1024)
        .addUserMessage("Say hello in five words.").build();
  }

  @Test
  void aMessageWithCacheWritesAndReadsIsSettledAtItsExactCost() throws Exception {
    start("caps: [{name: team, limitUsd: 10, window: day}]");
    stack.upstream.anthropicUsage(USAGE);

    Message message = client().messages().create(params());

    assertEquals(1000, message.usage().inputTokens());
    stack.awaitSettled(1);
    assertEquals(USAGE_NANOS, stack.spentNanos("team"));
  }

  @Test
  void aStreamIsSettledFromItsCumulativeUsage() throws Exception {
    start("caps: [{name: team, limitUsd: 10, window: day}]");
    stack.upstream.anthropicUsage(USAGE);

    List<RawMessageStreamEvent> events = new ArrayList<>();
    try (StreamResponse<RawMessageStreamEvent> stream = client().messages().createStreaming(params())) {
      stream.stream().forEach(events::add);
    }

    assertTrue(events.get(events.size() - 1).isMessageStop());
    stack.awaitSettled(1);
    assertEquals(USAGE_NANOS, stack.spentNanos("team"));
  }

  @Test
  void aCapDenialIsTheSdksRateLimitErrorAndIsNotRetried() throws Exception {
    // 1,024 output tokens at $15/M is about $0.015: a one-cent cap cannot hold the bound.
    start("caps: [{name: team, limitUsd: 0.01, window: day}]");

    RateLimitException denied = assertThrows(RateLimitException.class, () -> client().messages().create(params()));

    assertEquals(429, denied.statusCode());
    assertTrue(denied.getMessage().contains("team"), denied.getMessage());
    assertEquals(0, stack.upstream.requestCount());
    assertEquals(1, stack.envoy.stats().extProcCalls(), "anthropic-java obeyed x-should-retry: false");
    stack.awaitSettled(1);
  }
}
