package io.llmcap.envoy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmcap.envoy.sim.ProviderUsage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The hard-cap promise under concurrency: 300 calls at once on a cap that holds about 80 of them.
 * Check-then-add would let most of them through; reservation lets through only what fits.
 */
class ConcurrentCallsThroughEnvoyTest extends ThroughEnvoyTest {
  private static final int CALLS = 300;
  private static final long LIMIT_NANOS = 50_000_000L; // $0.05
  /** What each call really costs: 20 input tokens at 150 and 1,000 output tokens at 600 nano-dollars. */
  private static final long CALL_NANOS = 20 * 150 + 1_000 * 600;
  private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"max_completion_tokens\":1000,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"Write a long story.\"}]}";

  @Test
  void concurrentCallsNeverBillPastTheCapAndLeaveNoReservation() throws Exception {
    start("caps: [{name: small-cap, limitUsd: 0.05, window: day}]");
    stack.upstream.openAiUsage(ProviderUsage.OpenAi.of(20, 1_000));
    HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(32))
        .connectTimeout(Duration.ofSeconds(10)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(stack.baseUrl("/openai/v1/chat/completions")))
        .header("content-type", "application/json").header("authorization", "Bearer sk-test")
        .POST(HttpRequest.BodyPublishers.ofString(BODY)).timeout(Duration.ofSeconds(60)).build();

    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < CALLS; i++) {
      calls.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    }
    int passed = 0;
    int denied = 0;
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      int status = call.get().statusCode();
      if (status == 200) {
        passed++;
      } else if (status == 429) {
        denied++;
      } else {
        throw new AssertionError("unexpected status " + status + ": " + call.get().body());
      }
    }
    stack.awaitSettled(CALLS);

    long spent = stack.spentNanos("small-cap");
    assertEquals(CALLS, passed + denied);
    assertEquals(passed, stack.upstream.requestCount(), "only the calls let through reached the provider");
    assertEquals((long) passed * CALL_NANOS, spent, "every call that passed was billed exactly");
    assertTrue(spent <= LIMIT_NANOS, "billed " + spent + " past the cap of " + LIMIT_NANOS);
    assertTrue(LIMIT_NANOS - spent < 2 * CALL_NANOS,
        "the cap is filled to within two calls (left " + (LIMIT_NANOS - spent) + " nano-dollars)");
    assertTrue(denied > 0, "the cap was reached");
  }
}
