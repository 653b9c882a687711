package io.llmcap.server.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ProviderRegistryTest {

  private final ProviderRegistry registry = ProviderRegistry.standard();

  private ApiRoute identified(String authority, String path, String hint) {
    Optional<ApiRoute> route = registry.identify(authority, path, hint);
    assertTrue(route.isPresent(), "no route for " + authority + path + " hint " + hint);
    return route.get();
  }

  @Test
  void openAiChatIsIdentifiedByHostAndPath() {
    ApiRoute route = identified("api.openai.com", "/v1/chat/completions", null);

    assertEquals(Provider.OPENAI, route.provider());
    assertEquals("openai.chat", route.api().name());
    assertNull(route.pathModel());
    assertFalse(route.free());
    assertFalse(route.streamingPath());
  }

  @Test
  void routePrefixBeforeTheApiSuffixIsAccepted() {
    assertEquals(
        Provider.OPENAI, identified("llm-egress:10000", "/openai/v1/chat/completions", "openai").provider());
    assertEquals(
        Provider.ANTHROPIC, identified("llm-egress", "/anthropic/v1/messages", "anthropic").provider());
    ApiRoute gemini =
        identified("llm-egress", "/gemini/v1beta/models/gemini-2.5-flash:generateContent", "gemini");
    assertEquals("gemini-2.5-flash", gemini.pathModel());
  }

  @Test
  void anthropicTokenCountingIsFree() {
    ApiRoute route = identified("api.anthropic.com:443", "/v1/messages/count_tokens", null);

    assertEquals(Provider.ANTHROPIC, route.provider());
    assertTrue(route.free());
  }

  @Test
  void geminiStreamWithAndWithoutSse() {
    ApiRoute sse =
        identified(
            "generativelanguage.googleapis.com",
            "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=x",
            null);
    ApiRoute array =
        identified(
            "generativelanguage.googleapis.com",
            "/v1beta/models/gemini-2.5-pro:streamGenerateContent",
            null);

    assertTrue(sse.streamingPath());
    assertTrue(sse.sseRequested());
    assertTrue(array.streamingPath());
    assertFalse(array.sseRequested());
    assertEquals("gemini-2.5-pro", array.pathModel());
  }

  @Test
  void geminiCountTokensIsFreeAndGenerateIsNotStreaming() {
    ApiRoute count =
        identified("generativelanguage.googleapis.com", "/v1/models/gemini-2.0-flash:countTokens", null);
    ApiRoute generate =
        identified(
            "generativelanguage.googleapis.com", "/v1beta/models/gemini-2.0-flash:generateContent", null);

    assertTrue(count.free());
    assertFalse(generate.free());
    assertFalse(generate.streamingPath());
  }

  @Test
  void geminiModelIsPercentDecodedAndTunedModelsKeepTheirPrefix() {
    assertEquals(
        "gemini-2.5-flash",
        identified(null, "/v1beta/models/gemini%2D2.5-flash%3AgenerateContent", "gemini").pathModel());
    assertEquals(
        "tunedModels/my-model-42",
        identified(
                "generativelanguage.googleapis.com",
                "/v1beta/tunedModels/my-model-42:generateContent",
                null)
            .pathModel());
  }

  @Test
  void hintWinsOverTheHost() {
    assertTrue(registry.identify("api.openai.com", "/v1/messages", "anthropic").isPresent());
    assertTrue(registry.identify("api.anthropic.com", "/v1/messages", "openai").isEmpty());
  }

  @Test
  void unknownHintIdentifiesNothing() {
    assertTrue(registry.identify("api.openai.com", "/v1/chat/completions", "mistral").isEmpty());
  }

  @Test
  void suffixAloneIdentifiesTheProviderBehindAnUnknownHost() {
    assertEquals(
        Provider.ANTHROPIC, identified("localhost:8080", "/v1/messages", null).provider());
  }

  @ParameterizedTest
  @CsvSource({
    "api.openai.com, /v1/embeddings",
    "api.openai.com, /v1/chat/completions/extra",
    "api.openai.com, /v1/responses",
    "api.anthropic.com, /v1/messages/batches",
    "api.anthropic.com, /v1/chat/completions",
    "generativelanguage.googleapis.com, /v1beta/models/text-embedding-004:embedContent",
    "generativelanguage.googleapis.com, /v1beta/models:generateContent",
    "generativelanguage.googleapis.com, /v1beta/models/a/b:generateContent",
    "generativelanguage.googleapis.com, /v1beta/models/%zz:generateContent",
    "generativelanguage.googleapis.com, /v1/projects/p/locations/l/publishers/google/models/m:generateContent",
  })
  void unknownPathsAreNotIdentified(String authority, String path) {
    assertTrue(registry.identify(authority, path, null).isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "?"})
  void emptyPathIsNotIdentified(String path) {
    assertTrue(registry.identify("api.openai.com", path, null).isEmpty());
  }
}
