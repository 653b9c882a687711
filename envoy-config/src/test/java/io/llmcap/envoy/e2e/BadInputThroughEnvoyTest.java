package io.llmcap.envoy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A call LLMCap cannot price never reaches the provider: it gets a clear 4xx in the provider's
 * own error shape, and costs nothing.
 */
class BadInputThroughEnvoyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path data;
  private static LlmcapStack stack;

  @BeforeAll
  static void start() {
    stack = new LlmcapStack("caps: [{name: org, limitUsd: 10, window: day}]", data);
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      malformed JSON              | /openai/v1/chat/completions | {"model":"gpt-4o-mini",                                                           | 400 | error.message
      trailing garbage            | /openai/v1/chat/completions | {"model":"gpt-4o-mini","max_tokens":5,"messages":[]} x                            | 400 | error.message
      duplicate model key         | /openai/v1/chat/completions | {"model":"gpt-4o-mini","model":"gpt-4o","max_tokens":5,"messages":[]}            | 400 | error.message
      max tokens as a string      | /openai/v1/chat/completions | {"model":"gpt-4o-mini","max_tokens":"5","messages":[]}                           | 400 | error.message
      missing model               | /openai/v1/chat/completions | {"max_tokens":5,"messages":[]}                                                   | 400 | error.message
      unknown model               | /openai/v1/chat/completions | {"model":"gpt-unknown-9","max_tokens":5,"messages":[]}                           | 400 | error.message
      anthropic without max_tokens| /anthropic/v1/messages      | {"model":"claude-sonnet-4-5-20250929","messages":[{"role":"user","content":"hi"}]} | 400 | error.message
      gemini wrong type           | /gemini/v1beta/models/gemini-2.5-flash:generateContent | {"contents":[],"generationConfig":{"maxOutputTokens":true}} | 400 | error.message
      unsupported openai api      | /openai/v1/images/generations | {"model":"dall-e-3","prompt":"a cat"}                                          | 400 | error.message
      """)
  void isRefusedInTheProvidersShapeBeforeTheProvider(String name, String path, String body, int status,
      String messageField) throws Exception {
    int before = stack.upstream.requestCount();
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(stack.baseUrl(path))).header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(status, response.statusCode(), response.body());
    assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
    JsonNode error = JSON.readTree(response.body());
    for (String field : messageField.split("\\.")) {
      error = error.path(field);
    }
    assertTrue(error.asText().startsWith("LLMCap: "), response.body());
    assertEquals(before, stack.upstream.requestCount(), "the provider never saw it");
    assertEquals(0, stack.spentNanos("org"));
  }
}
