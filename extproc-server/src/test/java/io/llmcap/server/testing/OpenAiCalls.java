package io.llmcap.server.testing;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import java.util.Map;

/** Whole OpenAI chat calls through the ext_proc server, as Envoy sends them, for tests of what listens to calls. */
public final class OpenAiCalls {
  /** 1,000 uncached + 200 cached input at $0.15/$0.075 per M, 300 output at $0.60 per M: 345,000 nano-USD. */
  public static final long USAGE_NANOS = 1000 * 150 + 200 * 75 + 300 * 600;
  private static final String USAGE_JSON = """
      {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini-2024-07-18",
       "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
       "usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,
                "prompt_tokens_details":{"cached_tokens":200}}}""";

  private OpenAiCalls() {}

  /**
   * Runs one gpt-4o-mini call for {@code service} with key {@code apiKey}; when the request is
   * allowed, the provider answers with {@link #USAGE_NANOS} worth of usage.
   *
   * @return the HTTP status of a denial, or 200 when the call went through
   */
  public static int call(ManagedChannel channel, String service, String apiKey, int maxTokens) {
    try (ExtProcTestClient call = new ExtProcTestClient(channel, "openai")) {
      Map<String, String> headers = ExtProcTestClient.headers(
          ":method", "POST", ":path", "/v1/chat/completions", ":authority", "api.openai.com",
          ":scheme", "https", "content-type", "application/json",
          "authorization", "Bearer " + apiKey, "x-llmcap-service", service);
      ProcessingResponse h = call.requestHeaders(headers, false);
      if (h.hasImmediateResponse()) {
        return h.getImmediateResponse().getStatus().getCodeValue();
      }
      ProcessingResponse b = call.requestBody("{\"model\":\"gpt-4o-mini\",\"max_completion_tokens\":" + maxTokens
          + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}");
      if (b.hasImmediateResponse()) {
        return b.getImmediateResponse().getStatus().getCodeValue();
      }
      call.responseHeaders(ExtProcTestClient.headers(":status", "200", "content-type", "application/json"), false);
      call.responseBody(USAGE_JSON, true);
      return 200;
    }
  }
}
