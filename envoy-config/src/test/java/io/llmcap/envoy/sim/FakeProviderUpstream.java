package io.llmcap.envoy.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * A loopback stand-in for api.openai.com, api.anthropic.com and generativelanguage.googleapis.com, answering
 * in the providers' real JSON and stream shapes with token usage the test scripts. Streams go out in many small
 * flushes, events split across them, so a consumer has to re-assemble them as it must behind Envoy.
 */
public final class FakeProviderUpstream implements AutoCloseable {

    /** A request as it reached the provider. Header names are lower-case. */
    public record RecordedRequest(String method, String path, Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern GEMINI_PATH =
            Pattern.compile("^/(v1|v1beta)/(?:models|tunedModels)/([^/:?]+):(generateContent|streamGenerateContent)(\\?.*)?$");
    private static final long CREATED = 1_767_225_600L;

    private final HttpServer server;
    private final ExecutorService executor;
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger sequence = new AtomicInteger();
    private volatile ProviderUsage.OpenAi openAiUsage = new ProviderUsage.OpenAi(12, 8, 0, 0, 0);
    private volatile ProviderUsage.Anthropic anthropicUsage = new ProviderUsage.Anthropic(12, 8, 0, 0, 0);
    private volatile ProviderUsage.Gemini geminiUsage = new ProviderUsage.Gemini(12, 8, 0, 0);
    private volatile String replyText = "Hello from the fake provider, streamed in small pieces.";
    private volatile Duration flushDelay = Duration.ZERO;
    private final AtomicReference<Integer> failNext = new AtomicReference<>();
    private final AtomicReference<Integer> cutNextStreamAfter = new AtomicReference<>();

    private FakeProviderUpstream() throws IOException {
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-provider");
            t.setDaemon(true);
            return t;
        });
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public static FakeProviderUpstream start() {
        try {
            return new FakeProviderUpstream();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the fake provider's loopback port", e);
        }
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code http://127.0.0.1:<port>}, for talking to the fake without a proxy. */
    public String baseUrl() {
        return "http://" + address().getAddress().getHostAddress() + ":" + address().getPort();
    }

    public FakeProviderUpstream openAiUsage(ProviderUsage.OpenAi usage) {
        this.openAiUsage = usage;
        return this;
    }

    public FakeProviderUpstream anthropicUsage(ProviderUsage.Anthropic usage) {
        this.anthropicUsage = usage;
        return this;
    }

    public FakeProviderUpstream geminiUsage(ProviderUsage.Gemini usage) {
        this.geminiUsage = usage;
        return this;
    }

    public FakeProviderUpstream replyText(String text) {
        this.replyText = text;
        return this;
    }

    /** Pause between stream flushes, so that each flush likely arrives as its own read. */
    public FakeProviderUpstream flushDelay(Duration delay) {
        this.flushDelay = delay;
        return this;
    }

    /** The next request is answered with {@code status} and the provider's native error body. */
    public FakeProviderUpstream failNextWith(int status) {
        failNext.set(status);
        return this;
    }

    /** The next stream drops the connection after {@code events} events, without ending the body. */
    public FakeProviderUpstream cutNextStreamAfter(int events) {
        cutNextStreamAfter.set(events);
        return this;
    }

    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    public int requestCount() {
        return requests.size();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- dispatch -----------------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String path = exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
        Map<String, List<String>> headers = new java.util.LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        requests.add(new RecordedRequest(exchange.getRequestMethod(), path, Map.copyOf(headers), body));
        int id = sequence.incrementAndGet();

        Provider provider;
        Matcher gemini = GEMINI_PATH.matcher(path);
        if (path.startsWith("/v1/chat/completions")) {
            provider = Provider.OPENAI;
        } else if (path.startsWith("/v1/messages")) {
            provider = Provider.ANTHROPIC;
        } else if (gemini.matches()) {
            provider = Provider.GEMINI;
        } else {
            respondJson(exchange, 404, errorBody(Provider.OPENAI, 404, "Unknown path " + exchange.getRequestURI().getRawPath()));
            return;
        }
        Integer failure = failNext.getAndSet(null);
        if (failure != null) {
            respondJson(exchange, failure, errorBody(provider, failure, "Scripted failure " + failure));
            return;
        }
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (IOException e) {
            respondJson(exchange, 400, errorBody(provider, 400, "Request body is not JSON"));
            return;
        }
        if (request == null) {
            respondJson(exchange, 400, errorBody(provider, 400, "Request body is empty"));
            return;
        }
        switch (provider) {
            case OPENAI -> openAi(exchange, request, id);
            case ANTHROPIC -> anthropic(exchange, request, id);
            case GEMINI -> gemini(exchange, gemini.group(2), gemini.group(3).equals("streamGenerateContent"),
                    path.contains("alt=sse"), id);
            default -> throw new IllegalStateException(provider.name());
        }
    }

    private enum Provider { OPENAI, ANTHROPIC, GEMINI }

    private List<String> words() {
        List<String> pieces = new ArrayList<>();
        Matcher m = Pattern.compile("\\S+\\s*").matcher(replyText);
        while (m.find()) {
            pieces.add(m.group());
        }
        return pieces;
    }

    // ---- OpenAI chat completions --------------------------------------------------------------------------

    private void openAi(HttpExchange exchange, JsonNode request, int id) throws IOException {
        String model = request.path("model").asText("gpt-4o-mini");
        String chatId = "chatcmpl-fake" + id;
        if (!request.path("stream").asBoolean(false)) {
            ObjectNode body = JSON.createObjectNode();
            body.put("id", chatId).put("object", "chat.completion").put("created", CREATED).put("model", model);
            ObjectNode choice = body.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", replyText).putNull("refusal")
                    .putArray("annotations");
            choice.putNull("logprobs");
            choice.put("finish_reason", "stop");
            body.set("usage", openAiUsageJson());
            body.put("service_tier", "default").put("system_fingerprint", "fp_fake");
            respondJson(exchange, 200, body);
            return;
        }
        boolean includeUsage = request.path("stream_options").path("include_usage").asBoolean(false);
        List<String> events = new ArrayList<>();
        List<String> pieces = words();
        for (int i = -1; i <= pieces.size(); i++) {
            ObjectNode chunk = openAiChunk(chatId, model, includeUsage);
            ObjectNode choice = chunk.putArray("choices").addObject();
            choice.put("index", 0);
            ObjectNode delta = choice.putObject("delta");
            if (i == -1) {
                delta.put("role", "assistant").put("content", "").putNull("refusal");
            } else if (i < pieces.size()) {
                delta.put("content", pieces.get(i));
            }
            choice.putNull("logprobs");
            if (i == pieces.size()) {
                choice.put("finish_reason", "stop");
            } else {
                choice.putNull("finish_reason");
            }
            events.add("data: " + JSON.writeValueAsString(chunk) + "\n\n");
        }
        if (includeUsage) {
            ObjectNode chunk = openAiChunk(chatId, model, false);
            chunk.putArray("choices");
            chunk.set("usage", openAiUsageJson());
            events.add("data: " + JSON.writeValueAsString(chunk) + "\n\n");
        }
        events.add("data: [DONE]\n\n");
        stream(exchange, "text/event-stream; charset=utf-8", events);
    }

    private ObjectNode openAiChunk(String id, String model, boolean nullUsage) {
        ObjectNode chunk = JSON.createObjectNode();
        chunk.put("id", id).put("object", "chat.completion.chunk").put("created", CREATED).put("model", model)
                .put("service_tier", "default").put("system_fingerprint", "fp_fake");
        if (nullUsage) {
            chunk.putNull("usage");
        }
        return chunk;
    }

    private ObjectNode openAiUsageJson() {
        ProviderUsage.OpenAi u = openAiUsage;
        ObjectNode usage = JSON.createObjectNode();
        usage.put("prompt_tokens", u.promptTokens()).put("completion_tokens", u.completionTokens())
                .put("total_tokens", u.promptTokens() + u.completionTokens());
        ObjectNode prompt = usage.putObject("prompt_tokens_details");
        prompt.put("cached_tokens", u.cachedTokens()).put("audio_tokens", 0);
        if (u.cacheWriteTokens() > 0) {
            prompt.put("cache_write_tokens", u.cacheWriteTokens());
        }
        usage.putObject("completion_tokens_details").put("reasoning_tokens", u.reasoningTokens())
                .put("audio_tokens", 0).put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
        return usage;
    }

    // ---- Anthropic messages -------------------------------------------------------------------------------

    private void anthropic(HttpExchange exchange, JsonNode request, int id) throws IOException {
        String model = request.path("model").asText("claude-sonnet-4-5");
        String messageId = "msg_fake" + id;
        ProviderUsage.Anthropic u = anthropicUsage;
        if (!request.path("stream").asBoolean(false)) {
            ObjectNode body = JSON.createObjectNode();
            body.put("id", messageId).put("type", "message").put("role", "assistant").put("model", model);
            body.putArray("content").addObject().put("type", "text").put("text", replyText).putNull("citations");
            body.put("stop_reason", "end_turn").putNull("stop_sequence");
            ObjectNode usage = anthropicInputUsage(u);
            usage.put("output_tokens", u.outputTokens());
            body.set("usage", usage);
            respondJson(exchange, 200, body);
            return;
        }
        List<String> events = new ArrayList<>();
        ObjectNode message = JSON.createObjectNode();
        message.put("id", messageId).put("type", "message").put("role", "assistant").put("model", model);
        message.putArray("content");
        message.putNull("stop_reason").putNull("stop_sequence");
        ObjectNode startUsage = anthropicInputUsage(u);
        startUsage.put("output_tokens", 1);
        message.set("usage", startUsage);
        events.add(sse("message_start", JSON.createObjectNode().put("type", "message_start").set("message", message)));
        ObjectNode blockStart = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
        blockStart.putObject("content_block").put("type", "text").put("text", "").putNull("citations");
        events.add(sse("content_block_start", blockStart));
        events.add(sse("ping", JSON.createObjectNode().put("type", "ping")));
        for (String piece : words()) {
            ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
            delta.putObject("delta").put("type", "text_delta").put("text", piece);
            events.add(sse("content_block_delta", delta));
        }
        events.add(sse("content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", 0)));
        ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", "end_turn").putNull("stop_sequence");
        ObjectNode finalUsage = messageDelta.putObject("usage");
        finalUsage.put("input_tokens", u.inputTokens())
                .put("cache_creation_input_tokens", u.cacheWrite5mTokens() + u.cacheWrite1hTokens())
                .put("cache_read_input_tokens", u.cacheReadTokens())
                .put("output_tokens", u.outputTokens())
                .putNull("server_tool_use");
        events.add(sse("message_delta", messageDelta));
        events.add(sse("message_stop", JSON.createObjectNode().put("type", "message_stop")));
        stream(exchange, "text/event-stream; charset=utf-8", events);
    }

    private ObjectNode anthropicInputUsage(ProviderUsage.Anthropic u) {
        ObjectNode usage = JSON.createObjectNode();
        usage.put("input_tokens", u.inputTokens())
                .put("cache_creation_input_tokens", u.cacheWrite5mTokens() + u.cacheWrite1hTokens())
                .put("cache_read_input_tokens", u.cacheReadTokens());
        usage.putObject("cache_creation").put("ephemeral_5m_input_tokens", u.cacheWrite5mTokens())
                .put("ephemeral_1h_input_tokens", u.cacheWrite1hTokens());
        usage.putNull("server_tool_use");
        usage.put("service_tier", "standard");
        return usage;
    }

    private static String sse(String event, JsonNode data) throws IOException {
        return "event: " + event + "\ndata: " + JSON.writeValueAsString(data) + "\n\n";
    }

    // ---- Gemini generateContent ---------------------------------------------------------------------------

    private void gemini(HttpExchange exchange, String model, boolean streaming, boolean sse, int id) throws IOException {
        String responseId = "fake-response-" + id;
        ProviderUsage.Gemini u = geminiUsage;
        if (!streaming) {
            respondJson(exchange, 200, geminiChunk(model, responseId, replyText, true, u.candidatesTokenCount(), u));
            return;
        }
        List<String> pieces = words();
        List<String> events = new ArrayList<>();
        for (int i = 0; i < pieces.size(); i++) {
            boolean last = i == pieces.size() - 1;
            // usageMetadata carries running totals; the last chunk's is the bill.
            long candidates = last ? u.candidatesTokenCount() : u.candidatesTokenCount() * (i + 1) / pieces.size();
            String json = JSON.writeValueAsString(geminiChunk(model, responseId, pieces.get(i), last, candidates, u));
            if (sse) {
                events.add("data: " + json + "\r\n\r\n");
            } else {
                events.add((i == 0 ? "[" : ",\r\n") + json + (last ? "]" : ""));
            }
        }
        stream(exchange, sse ? "text/event-stream" : "application/json; charset=UTF-8", events);
    }

    private ObjectNode geminiChunk(String model, String responseId, String text, boolean last, long candidates,
                                   ProviderUsage.Gemini u) {
        ObjectNode chunk = JSON.createObjectNode();
        ObjectNode candidate = chunk.putArray("candidates").addObject();
        ObjectNode content = candidate.putObject("content");
        content.putArray("parts").addObject().put("text", text);
        content.put("role", "model");
        if (last) {
            candidate.put("finishReason", "STOP");
        }
        candidate.put("index", 0);
        ObjectNode usage = chunk.putObject("usageMetadata");
        usage.put("promptTokenCount", u.promptTokenCount()).put("candidatesTokenCount", candidates)
                .put("totalTokenCount", u.promptTokenCount() + candidates + u.thoughtsTokenCount());
        if (u.cachedContentTokenCount() > 0) {
            usage.put("cachedContentTokenCount", u.cachedContentTokenCount());
        }
        if (u.thoughtsTokenCount() > 0) {
            usage.put("thoughtsTokenCount", u.thoughtsTokenCount());
        }
        ArrayNode details = usage.putArray("promptTokensDetails");
        details.addObject().put("modality", "TEXT").put("tokenCount", u.promptTokenCount());
        chunk.put("modelVersion", model).put("responseId", responseId);
        return chunk;
    }

    // ---- errors and writing -------------------------------------------------------------------------------

    private static ObjectNode errorBody(Provider provider, int status, String message) {
        ObjectNode body = JSON.createObjectNode();
        switch (provider) {
            case OPENAI -> {
                ObjectNode error = body.putObject("error");
                error.put("message", message).put("type", status == 429 ? "requests" : status >= 500 ? "server_error"
                        : "invalid_request_error").putNull("param");
                error.put("code", status == 429 ? "rate_limit_exceeded" : status == 401 ? "invalid_api_key" : null);
            }
            case ANTHROPIC -> {
                body.put("type", "error");
                body.putObject("error").put("type", anthropicErrorType(status)).put("message", message);
                body.put("request_id", "req_fake");
            }
            case GEMINI -> body.putObject("error").put("code", status).put("message", message)
                    .put("status", geminiStatus(status));
            default -> throw new IllegalStateException(provider.name());
        }
        return body;
    }

    private static String anthropicErrorType(int status) {
        return switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_error";
            case 529 -> "overloaded_error";
            default -> "api_error";
        };
    }

    private static String geminiStatus(int status) {
        return switch (status) {
            case 400 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 503 -> "UNAVAILABLE";
            default -> "INTERNAL";
        };
    }

    private static boolean wantsGzip(HttpExchange exchange) {
        String accept = exchange.getRequestHeaders().getFirst("Accept-Encoding");
        return accept != null && accept.toLowerCase(Locale.ROOT).contains("gzip");
    }

    private void respondJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("content-type", "application/json");
        exchange.getResponseHeaders().set("x-request-id", "req_fake_" + sequence.get());
        if (wantsGzip(exchange)) {
            exchange.getResponseHeaders().set("content-encoding", "gzip");
            exchange.sendResponseHeaders(status, 0);
            try (OutputStream out = new GZIPOutputStream(exchange.getResponseBody())) {
                out.write(bytes);
            }
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Writes each event in two flushes, split mid-event; a scripted cut drops the connection instead. */
    private void stream(HttpExchange exchange, String contentType, List<String> events) throws IOException {
        exchange.getResponseHeaders().set("content-type", contentType);
        exchange.getResponseHeaders().set("cache-control", "no-cache");
        boolean gzip = wantsGzip(exchange);
        if (gzip) {
            exchange.getResponseHeaders().set("content-encoding", "gzip");
        }
        exchange.sendResponseHeaders(200, 0);
        Integer cutAfter = cutNextStreamAfter.getAndSet(null);
        OutputStream out = gzip ? new GZIPOutputStream(exchange.getResponseBody(), true) : exchange.getResponseBody();
        for (int i = 0; i < events.size(); i++) {
            if (cutAfter != null && i == cutAfter) {
                out.flush();
                // Escaping the handler makes the JDK server close the socket with the chunked body unfinished.
                throw new IllegalStateException("scripted stream cut after " + cutAfter + " events");
            }
            byte[] event = events.get(i).getBytes(StandardCharsets.UTF_8);
            int half = event.length / 2;
            out.write(event, 0, half);
            flush(out);
            out.write(event, half, event.length - half);
            flush(out);
        }
        out.close();
    }

    private void flush(OutputStream out) throws IOException {
        out.flush();
        Duration delay = flushDelay;
        if (!delay.isZero()) {
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while streaming", e);
            }
        }
    }
}
