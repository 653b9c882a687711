package io.llmcap.envoy.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fake provider's answers must be what the official SDKs parse, or end-to-end tests prove nothing. */
class FakeProviderUpstreamSdkTest {

    private final FakeProviderUpstream upstream = FakeProviderUpstream.start();

    @AfterEach
    void stop() {
        upstream.close();
    }

    @Test
    void openAiSdkReadsTheCompletionAndTheStreamedUsageChunk() {
        upstream.openAiUsage(new ProviderUsage.OpenAi(100, 40, 30, 0, 10));
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(upstream.baseUrl() + "/v1").apiKey("sk-test")
                .maxRetries(0).build();
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("gpt-4o-mini")
                .addUserMessage("hi").build();

        ChatCompletion completion = client.chat().completions().create(params);
        completion.validate();
        assertEquals(100, completion.usage().orElseThrow().promptTokens());
        assertEquals(30, completion.usage().orElseThrow().promptTokensDetails().orElseThrow().cachedTokens().orElseThrow());

        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (var stream = client.chat().completions().createStreaming(params.toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunks::add);
        }
        chunks.forEach(ChatCompletionChunk::validate);
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertTrue(last.choices().isEmpty());
        assertEquals(40, last.usage().orElseThrow().completionTokens());
        assertEquals(10, last.usage().orElseThrow().completionTokensDetails().orElseThrow().reasoningTokens().orElseThrow());
    }

    @Test
    void anthropicSdkReadsTheMessageAndEveryStreamEvent() {
        upstream.anthropicUsage(new ProviderUsage.Anthropic(50, 20, 5, 7, 9));
        AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(upstream.baseUrl()).apiKey("sk-ant-test")
                .maxRetries(0).build();
        MessageCreateParams params = MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(64)
                .addUserMessage("hi").build();

        var message = client.messages().create(params);
        message.validate();
        assertEquals(50, message.usage().inputTokens());
        assertEquals(12, message.usage().cacheCreationInputTokens().orElseThrow());

        List<RawMessageStreamEvent> events = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
            stream.stream().forEach(events::add);
        }
        events.forEach(RawMessageStreamEvent::validate);
        assertTrue(events.get(0).isMessageStart());
        assertTrue(events.get(events.size() - 1).isMessageStop());
        assertEquals(20, events.stream().filter(RawMessageStreamEvent::isMessageDelta).findFirst().orElseThrow()
                .asMessageDelta().usage().outputTokens());
    }

    @Test
    void geminiSdkReadsTheResponseAndTheSseStream() {
        upstream.geminiUsage(new ProviderUsage.Gemini(70, 30, 20, 15));
        try (Client client = Client.builder().apiKey("gemini-test")
                .httpOptions(HttpOptions.builder().baseUrl(upstream.baseUrl()).build()).build()) {
            GenerateContentResponse response = client.models.generateContent("gemini-2.5-flash", "hi", null);
            assertEquals(70, response.usageMetadata().orElseThrow().promptTokenCount().orElseThrow());
            assertEquals(15, response.usageMetadata().orElseThrow().thoughtsTokenCount().orElseThrow());
            assertTrue(response.text().startsWith("Hello"));

            List<GenerateContentResponse> chunks = new ArrayList<>();
            try (ResponseStream<GenerateContentResponse> stream =
                         client.models.generateContentStream("gemini-2.5-flash", "hi", null)) {
                stream.forEach(chunks::add);
            }
            assertTrue(chunks.size() > 1);
            assertEquals(30, chunks.get(chunks.size() - 1).usageMetadata().orElseThrow().candidatesTokenCount().orElseThrow());
        }
        assertTrue(upstream.requests().get(1).path().endsWith(":streamGenerateContent?alt=sse"));
    }
}
