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
    assertTrue(registry.identify("api.openai.com", "/v1/chat/completions", "mistrall").isEmpty());
  }

  @Test
  void suffixAloneIdentifiesTheProviderBehindAnUnknownHost() {
    assertEquals(
        Provider.ANTHROPIC, identified("localhost:8080", "/v1/messages", null).provider());
  }

  @ParameterizedTest
  @CsvSource({
    "api.openai.com, /v1/chat/completions/extra",
    "api.openai.com, /v1/images/generations",
    "api.mistral.ai, /v1/embeddings",
    "api.cohere.com, /v1/chat",
    "bedrock-runtime.us-east-1.amazonaws.com, /model/meta.llama3-70b-instruct-v1:0/invoke",
    "us-central1-aiplatform.googleapis.com, /v1/projects/p/locations/l/publishers/anthropic/models/claude-sonnet-4-5@20250929:generateContent",
    "us-central1-aiplatform.googleapis.com, /v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash:rawPredict",
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

  @ParameterizedTest
  @CsvSource({
    "api.openai.com, /v1/responses, , openai, openai.responses, false",
    "api.openai.com, /v1/responses/input_tokens, , openai, openai.responses, true",
    "api.openai.com, /v1/embeddings, , openai, openai.embeddings, false",
    "api.openai.com, /v1/completions, , openai, openai.completions, false",
    "my.openai.azure.com, /openai/v1/chat/completions, , azure, azure.chat, false",
    "my.openai.azure.com, /openai/v1/responses, , azure, openai.responses, false",
    "my.openai.azure.com, /openai/responses?api-version=2025-04-01-preview, , azure, openai.responses, false",
    "api.mistral.ai, /v1/chat/completions, , mistral, mistral.chat, false",
    "api.cohere.com, /v2/chat, , cohere, cohere.chat, false",
    "vllm:8000, /v1/chat/completions, openai-compatible, openai-compatible, openai-compatible.chat, false",
    "llm-egress, /groq/v1/completions, openai-compatible, openai-compatible, openai.completions, false",
  })
  void everyApiIsIdentifiedWithItsProvider(String authority, String path, String hint,
      String provider, String api, boolean free) {
    ApiRoute route = identified(authority, path, hint);

    assertEquals(provider, route.provider().id());
    assertEquals(api, route.api().name());
    assertEquals(free, route.free());
  }

  @Test
  void azureDeploymentPathNamesTheDeploymentAsTheModel() {
    ApiRoute chat = identified("my-resource.openai.azure.com",
        "/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21", null);
    ApiRoute embeddings = identified(null,
        "/openai/deployments/emb/embeddings?api-version=2024-10-21", null);

    assertEquals(Provider.AZURE, chat.provider());
    assertEquals("prod-gpt4o", chat.pathModel());
    assertTrue(chat.modelIsDeployment());
    assertEquals("openai.embeddings", embeddings.api().name());
    assertEquals(Provider.AZURE, embeddings.provider());
    assertTrue(identified("x.openai.azure.com", "/openai/v1/chat/completions", null)
        .modelIsDeployment());
  }

  @Test
  void vertexServesGeminiAndClaudeUnderTheVertexPriceRoute() {
    ApiRoute gemini = identified("us-central1-aiplatform.googleapis.com",
        "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
        null);
    ApiRoute express = identified("aiplatform.googleapis.com",
        "/v1/publishers/google/models/gemini-2.5-flash:generateContent", null);
    ApiRoute claude = identified("europe-west1-aiplatform.googleapis.com",
        "/v1/projects/p/locations/europe-west1/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict",
        null);
    ApiRoute count = identified("us-east5-aiplatform.googleapis.com",
        "/v1/projects/p/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict", null);

    assertEquals(io.llmcap.pricing.PriceRoute.VERTEX, gemini.priceRoute());
    assertEquals("gemini.generateContent", gemini.api().name());
    assertTrue(gemini.streamingPath() && gemini.sseRequested());
    assertEquals("gemini-2.5-flash", express.pathModel());
    assertEquals("anthropic.messages", claude.api().name());
    assertEquals("claude-sonnet-4-5@20250929", claude.pathModel());
    assertTrue(claude.streamingPath());
    assertTrue(count.free());
  }

  @Test
  void bedrockModelIdsAndEscapedArnsAreReadFromThePath() {
    ApiRoute converse = identified("bedrock-runtime.us-east-1.amazonaws.com",
        "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream", null);
    ApiRoute arn = identified("bedrock-runtime.eu-west-1.amazonaws.com",
        "/model/arn%3Aaws%3Abedrock%3Aeu-west-1%3A1%3Ainference-profile%2Feu.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse",
        null);
    ApiRoute invoke = identified(null,
        "/model/anthropic.claude-sonnet-4-5-20250929-v1:0/invoke-with-response-stream", "bedrock");

    assertEquals("bedrock.converse", converse.api().name());
    assertEquals("us.anthropic.claude-sonnet-4-5-20250929-v1:0", converse.pathModel());
    assertTrue(converse.streamingPath());
    assertEquals(
        "arn:aws:bedrock:eu-west-1:1:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
        arn.pathModel());
    assertEquals("anthropic.messages", invoke.api().name());
    assertEquals(Provider.BEDROCK, invoke.provider());
    assertTrue(invoke.streamingPath());
  }

  @Test
  void aConfiguredHostServesAnOpenAiCompatibleServer() {
    ProviderRegistry withVllm = registry.withHost("vllm.internal", Provider.OPENAI_COMPATIBLE);

    assertEquals(Provider.OPENAI_COMPATIBLE,
        withVllm.identify("vllm.internal:8000", "/v1/chat/completions", null).orElseThrow()
            .provider());
    assertEquals(Provider.OPENAI,
        registry.identify("vllm.internal:8000", "/v1/chat/completions", null).orElseThrow()
            .provider());
  }
}
