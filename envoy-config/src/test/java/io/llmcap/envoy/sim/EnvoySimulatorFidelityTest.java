package io.llmcap.envoy.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.grpc.Status;
import io.llmcap.envoy.ShippedBootstrap;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvoySimulatorFidelityTest {

    private static final String CHAT_BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String STREAM_BODY = "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private FakeProviderUpstream upstream;
    private ScriptedExtProcServer extProc;
    private EnvoySimulator envoy;

    @BeforeEach
    void startUpstream() {
        upstream = FakeProviderUpstream.start();
    }

    @AfterEach
    void stopAll() throws Exception {
        if (envoy != null) {
            envoy.close();
        }
        if (extProc != null) {
            extProc.close();
        }
        upstream.close();
    }

    private void start(ScriptedExtProcServer server) {
        start(server, ShippedBootstrap.envoyYaml());
    }

    private void start(ScriptedExtProcServer server, Path bootstrap) {
        extProc = server;
        InetSocketAddress provider = upstream.address();
        envoy = EnvoySimulator.start(bootstrap, io.llmcap.envoy.ShippedBootstrap.clusterAddresses(bootstrap,
                server.address(), provider));
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create(envoy.baseUrl(path)))
                .header("content-type", "application/json")
                .header("authorization", "Bearer sk-test")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, String> headersOf(io.envoyproxy.envoy.config.core.v3.HeaderMap map) {
        Map<String, String> out = new HashMap<>();
        for (HeaderValue h : map.getHeadersList()) {
            assertTrue(h.getValue().isEmpty(), "Envoy sends raw_value only, got value for " + h.getKey());
            assertEquals(h.getKey().toLowerCase(), h.getKey(), "header keys are lower-case");
            out.put(h.getKey(), h.getRawValue().toStringUtf8());
        }
        return out;
    }

    @Test
    void continuedRequestReachesTheProviderRewrittenAfterTheExchangeEnvoyRuns() throws Exception {
        start(ScriptedExtProcServer.continuing());

        HttpResponse<String> response = post("/openai/v1/chat/completions", CHAT_BODY);

        assertEquals(200, response.statusCode());
        assertTrue(response.body().contains("\"chat.completion\""), response.body());
        FakeProviderUpstream.RecordedRequest atProvider = upstream.requests().get(0);
        assertEquals("/v1/chat/completions", atProvider.path());
        assertEquals("api.openai.com", atProvider.header("host"));
        assertEquals(CHAT_BODY, atProvider.bodyText());
        assertEquals(Integer.toString(CHAT_BODY.length()), atProvider.header("content-length"));

        envoy.stats().awaitStreamsFinished(1, Duration.ofSeconds(5));
        assertEquals(1, envoy.stats().extProcCalls());
        ScriptedExtProcServer.RecordedCall call = extProc.calls().get(0);
        assertEquals("llmcap", call.authority);
        assertEquals("openai", call.header("x-llmcap-provider"));
        List<ProcessingRequest> received = call.received;
        assertEquals(ProcessingRequest.RequestCase.REQUEST_HEADERS, received.get(0).getRequestCase());
        assertTrue(received.get(0).hasProtocolConfig());
        assertTrue(received.stream().skip(1).noneMatch(ProcessingRequest::hasProtocolConfig));
        assertTrue(received.stream().allMatch(ProcessingRequest::hasMetadataContext));
        Map<String, String> requestHeaders = headersOf(received.get(0).getRequestHeaders().getHeaders());
        assertEquals("/openai/v1/chat/completions", requestHeaders.get(":path"), "ext_proc sees the pre-rewrite path");
        assertEquals(envoy.baseUri().getAuthority(), requestHeaders.get(":authority"));
        assertEquals("POST", requestHeaders.get(":method"));
        assertEquals("http", requestHeaders.get(":scheme"));
        assertEquals("http", requestHeaders.get("x-forwarded-proto"));
        assertTrue(requestHeaders.containsKey("x-request-id"));
        assertFalse(received.get(0).getRequestHeaders().getEndOfStream());
        assertEquals(ProcessingRequest.RequestCase.REQUEST_BODY, received.get(1).getRequestCase());
        assertEquals(CHAT_BODY, received.get(1).getRequestBody().getBody().toStringUtf8());
        assertTrue(received.get(1).getRequestBody().getEndOfStream());
        assertEquals(ProcessingRequest.RequestCase.RESPONSE_HEADERS, received.get(2).getRequestCase());
        assertEquals("200", headersOf(received.get(2).getResponseHeaders().getHeaders()).get(":status"));
        ProcessingRequest last = received.get(received.size() - 1);
        assertTrue(last.getResponseBody().getEndOfStream());
        String bodySeen = received.stream().filter(ProcessingRequest::hasResponseBody)
                .map(r -> r.getResponseBody().getBody().toStringUtf8()).collect(Collectors.joining());
        assertEquals(response.body(), bodySeen);
    }

    @Test
    void getWithoutBodyEndsTheStreamOnTheHeadersMessage() throws Exception {
        start(ScriptedExtProcServer.continuing());

        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(envoy.baseUrl("/openai/v1/models")))
                .GET().build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(404, response.statusCode());
        ProcessingRequest first = extProc.calls().get(0).received.get(0);
        assertTrue(first.getRequestHeaders().getEndOfStream());
        assertTrue(extProc.calls().get(0).received.stream().noneMatch(ProcessingRequest::hasRequestBody));
    }

    @Test
    void immediateResponseReachesTheClientWithItsBodyAndHeadersAndNoProviderCall() throws Exception {
        String denial = "{\"error\":{\"message\":\"cap reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}";
        start(ScriptedExtProcServer.start((request, replies, call) -> {
            if (request.hasRequestBody()) {
                replies.onNext(ProcessingResponse.newBuilder().setImmediateResponse(ImmediateResponse.newBuilder()
                        .setStatus(HttpStatus.newBuilder().setCodeValue(429))
                        .setBody(ByteString.copyFromUtf8(denial))
                        .setDetails("llmcap_cap_reached")
                        .setHeaders(HeaderMutation.newBuilder()
                                .addSetHeaders(header("content-type", "application/json"))
                                .addSetHeaders(header("x-should-retry", "false"))
                                .addSetHeaders(header("retry-after", "3600")))).build());
            } else {
                replies.onNext(ScriptedExtProcServer.continueFor(request));
            }
        }));

        HttpResponse<String> response = post("/openai/v1/chat/completions", CHAT_BODY);

        assertEquals(429, response.statusCode());
        assertEquals(denial, response.body());
        assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
        assertEquals("false", response.headers().firstValue("x-should-retry").orElseThrow());
        assertEquals("3600", response.headers().firstValue("retry-after").orElseThrow());
        assertEquals(0, upstream.requestCount());
        assertEquals("llmcap_cap_reached", envoy.stats().lastLocalReply().orElseThrow().details());
        ScriptedExtProcServer.RecordedCall call = extProc.calls().get(0);
        assertTrue(call.awaitCancelled(Duration.ofSeconds(5)), "Envoy closes the call after an ImmediateResponse");
        assertEquals(2, call.received.size(), "no message follows an ImmediateResponse, not even response headers");
    }

    @Test
    void immediateResponseWithoutStatusAndWithBodyIs200TextPlain() throws Exception {
        start(ScriptedExtProcServer.start((request, replies, call) -> replies.onNext(ProcessingResponse.newBuilder()
                .setImmediateResponse(ImmediateResponse.newBuilder().setBody(ByteString.copyFromUtf8("stop"))).build())));

        HttpResponse<String> response = post("/openai/v1/chat/completions", CHAT_BODY);

        assertEquals(200, response.statusCode());
        assertEquals("stop", response.body());
        assertEquals("text/plain", response.headers().firstValue("content-type").orElseThrow());
    }

    @Test
    void unansweredMessageTimesOutWith504AfterTheFilesMessageTimeout() throws Exception {
        start(ScriptedExtProcServer.start((request, replies, call) -> { }));

        long started = System.nanoTime();
        HttpResponse<String> response = post("/openai/v1/chat/completions", CHAT_BODY);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertEquals(504, response.statusCode());
        assertTrue(took.compareTo(Duration.ofMillis(1900)) >= 0 && took.compareTo(Duration.ofSeconds(5)) < 0,
                "message_timeout 2s from envoy.yaml, took " + took);
        assertEquals("ext_proc_error_per-message_timeout_exceeded", envoy.stats().lastLocalReply().orElseThrow().details());
        assertEquals(0, upstream.requestCount());
    }

    @Test
    void serverErrorFailsTheRequestClosedWith500() throws Exception {
        start(ScriptedExtProcServer.start((request, replies, call) ->
                replies.onError(Status.INTERNAL.withDescription("ledger down").asRuntimeException())));

        HttpResponse<String> response = post("/anthropic/v1/messages", "{\"model\":\"claude\",\"max_tokens\":5}");

        assertEquals(500, response.statusCode());
        assertEquals("ext_proc_error_gRPC_error_13{ledger down}", envoy.stats().lastLocalReply().orElseThrow().details());
        assertEquals(0, upstream.requestCount());
    }

    @Test
    void unreachableServerFailsTheRequestClosedWith500() throws Exception {
        ScriptedExtProcServer server = ScriptedExtProcServer.continuing();
        start(server);
        server.close();

        HttpResponse<String> response = post("/openai/v1/chat/completions", CHAT_BODY);

        assertEquals(500, response.statusCode());
        assertTrue(envoy.stats().lastLocalReply().orElseThrow().details().startsWith("ext_proc_error_gRPC_error_14"));
    }

    @Test
    void secondReplyToOneMessageIsSpuriousAndFails500() throws Exception {
        start(ScriptedExtProcServer.start((request, replies, call) -> {
            replies.onNext(ScriptedExtProcServer.continueFor(request));
            if (request.hasRequestHeaders()) {
                replies.onNext(ScriptedExtProcServer.continueFor(request));
            }
        }));

        assertEquals(500, post("/openai/v1/chat/completions", CHAT_BODY).statusCode());
        assertEquals(0, upstream.requestCount());
    }

    @Test
    void emptyAckReplyIsSpuriousAndFails500() throws Exception {
        start(ScriptedExtProcServer.start((request, replies, call) ->
                replies.onNext(ProcessingResponse.getDefaultInstance())));

        assertEquals(500, post("/openai/v1/chat/completions", CHAT_BODY).statusCode());
    }

    @Test
    void serverClosingWithOkLetsTheRequestPassUnmodified() throws Exception {
        start(ScriptedExtProcServer.start((request, replies, call) -> replies.onCompleted()));

        HttpResponse<String> response = post("/openai/v1/chat/completions", CHAT_BODY);

        assertEquals(200, response.statusCode());
        assertEquals(CHAT_BODY, upstream.requests().get(0).bodyText());
    }

    @Test
    void replacedBodyOfAnotherLengthFails500UnlessTheSameReplyFixesContentLength() throws Exception {
        String mutated = "{\"model\":\"gpt-4o-mini\",\"stream_options\":{\"include_usage\":true},\"messages\":[]}";
        boolean[] fixLength = {false};
        start(ScriptedExtProcServer.start((request, replies, call) -> {
            if (!request.hasRequestBody()) {
                replies.onNext(ScriptedExtProcServer.continueFor(request));
                return;
            }
            CommonResponse.Builder common = CommonResponse.newBuilder()
                    .setBodyMutation(BodyMutation.newBuilder().setBody(ByteString.copyFromUtf8(mutated)));
            if (fixLength[0]) {
                common.setHeaderMutation(HeaderMutation.newBuilder()
                        .addSetHeaders(header("content-length", Integer.toString(mutated.length()))));
            }
            replies.onNext(ProcessingResponse.newBuilder().setRequestBody(BodyResponse.newBuilder().setResponse(common))
                    .build());
        }));

        HttpResponse<String> broken = post("/openai/v1/chat/completions", CHAT_BODY);
        assertEquals(500, broken.statusCode());
        assertTrue(envoy.stats().lastLocalReply().orElseThrow().details()
                .contains("mismatch between content length and the length of the mutated body"));
        assertEquals(0, upstream.requestCount());

        fixLength[0] = true;
        HttpResponse<String> fixed = post("/openai/v1/chat/completions", CHAT_BODY);
        assertEquals(200, fixed.statusCode());
        assertEquals(mutated, upstream.requests().get(0).bodyText());
        assertEquals(Integer.toString(mutated.length()), upstream.requests().get(0).header("content-length"));
    }

    @Test
    void headerMutationsFollowEnvoysDefaultRules() throws Exception {
        start(ScriptedExtProcServer.start((request, replies, call) -> {
            if (!request.hasRequestHeaders()) {
                replies.onNext(ScriptedExtProcServer.continueFor(request));
                return;
            }
            HeaderMutation mutation = HeaderMutation.newBuilder()
                    .addSetHeaders(header("x-llmcap-hold", "h1"))
                    .addSetHeaders(header("x-tag", "a"))
                    .addSetHeaders(header("x-tag", "b").toBuilder().setAppend(com.google.protobuf.BoolValue.of(true)))
                    .addSetHeaders(header("host", "evil.example"))
                    .addSetHeaders(header("x-envoy-retry-on", "5xx"))
                    .addRemoveHeaders("accept-encoding")
                    .build();
            replies.onNext(ProcessingResponse.newBuilder().setRequestHeaders(HeadersResponse.newBuilder()
                    .setResponse(CommonResponse.newBuilder().setHeaderMutation(mutation))).build());
        }));

        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(envoy.baseUrl("/openai/v1/chat/completions")))
                .header("accept-encoding", "gzip").header("x-tag", "original")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT_BODY)).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(200, response.statusCode());
        FakeProviderUpstream.RecordedRequest atProvider = upstream.requests().get(0);
        assertEquals("h1", atProvider.header("x-llmcap-hold"));
        assertEquals(List.of("a", "b"), atProvider.headers().get("x-tag"), "append=false overwrites, true adds");
        assertEquals("api.openai.com", atProvider.header("host"));
        assertEquals(null, atProvider.header("x-envoy-retry-on"));
        assertEquals(null, atProvider.header("accept-encoding"));
        assertEquals(null, response.headers().firstValue("content-encoding").orElse(null), "no gzip once stripped");
        assertEquals(2, envoy.stats().rejectedHeaderMutations());
    }

    @Test
    void valueAndRawValueTogetherIsAnInvalidMutationAnd500() throws Exception {
        start(ScriptedExtProcServer.start((request, replies, call) -> replies.onNext(ProcessingResponse.newBuilder()
                .setRequestHeaders(HeadersResponse.newBuilder().setResponse(CommonResponse.newBuilder()
                        .setHeaderMutation(HeaderMutation.newBuilder().addSetHeaders(HeaderValueOption.newBuilder()
                                .setHeader(HeaderValue.newBuilder().setKey("x-a").setValue("v")
                                        .setRawValue(ByteString.copyFromUtf8("v")))))))
                .build())));

        assertEquals(500, post("/openai/v1/chat/completions", CHAT_BODY).statusCode());
    }

    @Test
    void streamedResponseChunksAreSentWithoutWaitingAndReplacedInFifoOrder() throws Exception {
        upstream.flushDelay(Duration.ofMillis(3));
        List<StreamingHold> held = new ArrayList<>();
        start(ScriptedExtProcServer.start((request, replies, call) -> {
            if (!request.hasResponseBody()) {
                replies.onNext(ScriptedExtProcServer.continueFor(request));
                return;
            }
            synchronized (held) {
                held.add(new StreamingHold(request, replies));
                // Answer only once three chunks are outstanding (or the stream ended): proves no waiting.
                if (held.size() >= 3 || request.getResponseBody().getEndOfStream()) {
                    for (StreamingHold h : held) {
                        String original = h.request.getResponseBody().getBody().toStringUtf8();
                        h.replies.onNext(ProcessingResponse.newBuilder().setResponseBody(BodyResponse.newBuilder()
                                .setResponse(CommonResponse.newBuilder().setBodyMutation(BodyMutation.newBuilder()
                                        .setBody(ByteString.copyFromUtf8("<" + original + ">"))))).build());
                    }
                    held.clear();
                }
            }
        }));

        HttpResponse<String> response = post("/openai/v1/chat/completions", STREAM_BODY);

        assertEquals(200, response.statusCode());
        assertFalse(response.headers().firstValue("content-length").isPresent());
        envoy.stats().awaitStreamsFinished(1, Duration.ofSeconds(5));
        List<String> chunks = extProc.calls().get(0).received.stream().filter(ProcessingRequest::hasResponseBody)
                .map(r -> r.getResponseBody().getBody().toStringUtf8()).toList();
        assertTrue(chunks.size() >= 4, "expected many reads, got " + chunks.size());
        String expected = chunks.stream().map(c -> "<" + c + ">")
                .collect(Collectors.joining());
        assertEquals(expected, response.body());
        String original = String.join("", chunks);
        assertTrue(original.contains("\"usage\":{\"prompt_tokens\":12") && original.endsWith("data: [DONE]\n\n"));
    }

    private record StreamingHold(ProcessingRequest request,
                                 io.grpc.stub.StreamObserver<ProcessingResponse> replies) {
    }

    @Test
    void clearBodyEmptiesItsChunkAndHeaderMutationsInBodyRepliesAreIgnored() throws Exception {
        start(ScriptedExtProcServer.start((request, replies, call) -> {
            if (!request.hasResponseBody()) {
                replies.onNext(ScriptedExtProcServer.continueFor(request));
                return;
            }
            replies.onNext(ProcessingResponse.newBuilder().setResponseBody(BodyResponse.newBuilder()
                    .setResponse(CommonResponse.newBuilder()
                            .setHeaderMutation(HeaderMutation.newBuilder().addSetHeaders(header("x-late", "1")))
                            .setBodyMutation(BodyMutation.newBuilder().setClearBody(true)))).build());
        }));

        HttpResponse<String> response = post("/openai/v1/chat/completions", STREAM_BODY);

        assertEquals(200, response.statusCode());
        assertEquals("", response.body());
        assertFalse(response.headers().firstValue("x-late").isPresent());
    }

    @Test
    void responseHeadersAreHeldUntilTheirReplyAndMutated() throws Exception {
        start(ScriptedExtProcServer.start((request, replies, call) -> {
            if (!request.hasResponseHeaders()) {
                replies.onNext(ScriptedExtProcServer.continueFor(request));
                return;
            }
            replies.onNext(ProcessingResponse.newBuilder().setResponseHeaders(HeadersResponse.newBuilder()
                    .setResponse(CommonResponse.newBuilder().setHeaderMutation(HeaderMutation.newBuilder()
                            .addSetHeaders(header("x-llmcap-reserved-usd", "0.000100000"))))).build());
        }));

        HttpResponse<String> response = post("/openai/v1/chat/completions", CHAT_BODY);

        assertEquals("0.000100000", response.headers().firstValue("x-llmcap-reserved-usd").orElseThrow());
        assertEquals("envoy", response.headers().firstValue("server").orElseThrow());
    }

    @Test
    void failureAfterResponseHeadersResetsTheClientConnection() throws Exception {
        start(ScriptedExtProcServer.start((request, replies, call) -> {
            if (request.hasResponseBody()) {
                replies.onError(Status.INTERNAL.withDescription("parser broke").asRuntimeException());
            } else {
                replies.onNext(ScriptedExtProcServer.continueFor(request));
            }
        }));

        assertThrows(IOException.class, () -> post("/openai/v1/chat/completions", STREAM_BODY));
        envoy.stats().awaitStreamsFinished(1, Duration.ofSeconds(5));
        assertEquals(1, envoy.stats().downstreamResets());
    }

    @Test
    void upstreamCutMidStreamResetsTheClientAndCancelsTheCall() throws Exception {
        upstream.cutNextStreamAfter(3);
        start(ScriptedExtProcServer.continuing());

        assertThrows(IOException.class, () -> post("/openai/v1/chat/completions", STREAM_BODY));
        assertTrue(extProc.calls().get(0).awaitCancelled(Duration.ofSeconds(5)));
    }

    @Test
    void endOfStreamClosesTheCallAsHalfCloseThenCancel() throws Exception {
        start(ScriptedExtProcServer.continuing());

        assertEquals(200, post("/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                "{\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}]}").statusCode());

        ScriptedExtProcServer.RecordedCall call = extProc.calls().get(0);
        assertTrue(call.awaitCancelled(Duration.ofSeconds(5)), "the server observes CANCELLED");
        envoy.stats().awaitStreamsFinished(1, Duration.ofSeconds(5));
        assertEquals(List.of("HALF_CLOSE_THEN_CANCEL"), envoy.stats().callEndings());
        assertEquals("gemini", call.header("x-llmcap-provider"));
        assertEquals("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", upstream.requests().get(0).path());
    }

    @Test
    void clientDisconnectMidStreamCancelsTheCall() throws Exception {
        upstream.flushDelay(Duration.ofMillis(50));
        start(ScriptedExtProcServer.continuing());

        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(
                        URI.create(envoy.baseUrl("/openai/v1/chat/completions")))
                .POST(HttpRequest.BodyPublishers.ofString(STREAM_BODY)).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            assertTrue(body.read() >= 0);
        }

        assertTrue(extProc.calls().get(0).awaitCancelled(Duration.ofSeconds(10)));
        envoy.stats().awaitStreamsFinished(1, Duration.ofSeconds(10));
        assertEquals(List.of("CANCEL"), envoy.stats().callEndings(), "a client disconnect is only a cancellation");
    }

    @Test
    void bodyOverTheRouteBufferLimitIs413WithoutABodyMessage(@TempDir Path dir) throws Exception {
        Path small = dir.resolve("envoy.yaml");
        Files.writeString(small, Files.readString(ShippedBootstrap.envoyYaml())
                .replace("per_request_buffer_limit_bytes: 33554432", "per_request_buffer_limit_bytes: 64"));
        start(ScriptedExtProcServer.continuing(), small);

        HttpResponse<String> response = post("/openai/v1/chat/completions", CHAT_BODY);

        assertEquals(413, response.statusCode());
        assertEquals("request_payload_too_large", envoy.stats().lastLocalReply().orElseThrow().details());
        assertTrue(extProc.calls().get(0).received.stream().noneMatch(ProcessingRequest::hasRequestBody));
        assertEquals(0, upstream.requestCount());
    }

    @Test
    void routeDisabledForExtProcOpensNoCall(@TempDir Path dir) throws Exception {
        Path disabled = dir.resolve("envoy.yaml");
        Files.writeString(disabled, Files.readString(ShippedBootstrap.envoyYaml()).replaceFirst(
                "overrides:\\s+grpc_initial_metadata:\\s+- \\{key: x-llmcap-provider, value: openai\\}", "disabled: true"));
        start(ScriptedExtProcServer.continuing(), disabled);

        assertEquals(200, post("/openai/v1/chat/completions", CHAT_BODY).statusCode());
        assertEquals(0, envoy.stats().extProcCalls());
        assertTrue(extProc.calls().isEmpty());
    }

    @Test
    void effectiveSettingsAreTheFilesOwn() throws Exception {
        start(ScriptedExtProcServer.continuing());
        ExternalProcessor fromFile = BootstrapLoader.load(ShippedBootstrap.envoyYaml()).getStaticResources()
                .getListeners(0).getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class)
                .getHttpFilters(0).getTypedConfig().unpack(ExternalProcessor.class);

        ExtProcSettings effective = envoy.config().extProc().orElseThrow();
        assertEquals(fromFile.getProcessingMode(), effective.processingMode());
        assertEquals(Duration.ofSeconds(fromFile.getMessageTimeout().getSeconds()), effective.messageTimeout());
        assertEquals(fromFile.getFailureModeAllow(), effective.failureModeAllow());
        assertEquals("llmcap", effective.clusterName());
        Function<String, RouteRule> route = p -> envoy.config().match(p).orElseThrow();
        assertEquals(32L * 1024 * 1024, route.apply("/anthropic/v1/messages").bufferLimitBytes());
        assertTrue(!route.apply("/openai/v1/chat/completions").hasTimeout());
        assertEquals("/v1/messages", route.apply("/anthropic/v1/messages").rewritePath("/anthropic/v1/messages"));
    }

    private static HeaderValueOption header(String key, String value) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(key).setRawValue(ByteString.copyFromUtf8(value))).build();
    }
}
