package io.llmcap.envoy.sim;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse.ResponseCase;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One downstream HTTP request through the HCM, the ext_proc filter and the router, run on the request's
 * thread. Every asynchronous input (ext_proc replies, the call's end, upstream body reads) arrives on one queue,
 * so the state below has a single owner, as an Envoy stream has a single worker thread.
 */
final class StreamProcessor {

    private static final Logger LOG = LoggerFactory.getLogger(StreamProcessor.class);
    private static final Set<String> HOP_BY_HOP = Set.of(
            "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "expect");
    private static final byte[] NO_BODY = new byte[0];
    private static final Duration UPSTREAM_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** Aborts the downstream connection: the HTTP/1.1 equivalent of an Envoy stream reset. */
    static final class StreamReset extends RuntimeException {
        StreamReset(String why) {
            super(why, null, false, false);
        }
    }

    /** The client went away while we wrote to it. */
    private static final class DownstreamGone extends RuntimeException {
        DownstreamGone(IOException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    private final HttpExchange exchange;
    private final SimulatorRuntime runtime;
    private final SimulatorStats stats;
    private final BlockingQueue<StreamEvent> events = new LinkedBlockingQueue<>();
    private final HeaderMutations mutations;

    private Optional<RouteRule> route;
    private EffectiveExtProc ext;
    private ExtProcCall call;
    /** False once ext_proc is no longer consulted for this request (server OK close, fail-open, our close). */
    private boolean consulting;
    private boolean firstMessage = true;
    private boolean responseStarted;
    private UpstreamConnection upstream;
    private final List<byte[]> heldResponseBody = new ArrayList<>();
    private boolean heldEndOfStream;
    private String upstreamFailure;

    StreamProcessor(HttpExchange exchange, SimulatorRuntime runtime) {
        this.exchange = exchange;
        this.runtime = runtime;
        this.stats = runtime.stats();
        SimulatorConfig config = runtime.config();
        ExtProcSettings.MutationRules rules = config.extProc().map(ExtProcSettings::mutationRules)
                .orElse(new ExtProcSettings.MutationRules(false, false, false));
        this.mutations = new HeaderMutations(rules, config.maxRequestHeadersCount(), config.maxRequestHeadersBytes(),
                stats.rejectedHeaderMutations);
    }

    void run() {
        try {
            process();
        } catch (StreamFailure failure) {
            fail(failure);
        } catch (DownstreamGone gone) {
            LOG.debug("downstream client went away: {}", gone.getMessage());
            if (call != null) {
                call.cancel();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StreamReset("simulator shutting down");
        } catch (IOException e) {
            throw new StreamReset("downstream I/O failed: " + e.getMessage());
        } finally {
            if (call != null) {
                call.close();
            }
            if (upstream != null) {
                upstream.close();
            }
            stats.streamFinished();
        }
        exchange.close();
    }

    private void process() throws StreamFailure, InterruptedException, IOException {
        HeaderMap headers = downstreamRequestHeaders();
        boolean hasBody = requestHasBody();
        String path = headers.get(":path").orElseThrow();
        route = runtime.config().match(path);
        ext = runtime.config().extProc().flatMap(f -> EffectiveExtProc.resolve(f, route)).orElse(null);
        consulting = ext != null;

        byte[] replacedBody = null;
        if (consulting && ext.sendsRequestHeaders()) {
            send(ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder()
                    .setHeaders(headers.toProto()).setEndOfStream(!hasBody)));
            Optional<ProcessingResponse> reply = awaitReply(ResponseCase.REQUEST_HEADERS);
            if (reply.isPresent()) {
                if (reply.get().hasImmediateResponse()) {
                    immediateResponse(reply.get().getImmediateResponse());
                    return;
                }
                CommonResponse common = reply.get().getRequestHeaders().getResponse();
                mutations.apply(common.getHeaderMutation(), headers, requestContentLengthSettable(), false);
                if (common.getClearRouteCache() && common.hasHeaderMutation()) {
                    route = runtime.config().match(headers.get(":path").orElse(path));
                }
                if (common.getStatus() == CommonResponse.ResponseStatus.CONTINUE_AND_REPLACE) {
                    replacedBody = mutatedBody(common, NO_BODY);
                    headers.remove("content-length");
                }
            }
        }

        byte[] body;
        if (replacedBody != null) {
            exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
            body = replacedBody;
        } else if (!hasBody) {
            body = null;
        } else if (consulting && ext.buffersRequestBody()) {
            long limit = route.map(RouteRule::bufferLimitBytes).orElse(runtime.config().listenerBufferLimitBytes());
            body = readRequestBody(limit);
            if (body == null) {
                respondThroughFilterChain(413, "request_payload_too_large", "Payload Too Large");
                return;
            }
            send(ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
                    .setBody(com.google.protobuf.ByteString.copyFrom(body)).setEndOfStream(true)));
            Optional<ProcessingResponse> reply = awaitReply(ResponseCase.REQUEST_BODY);
            if (reply.isPresent()) {
                if (reply.get().hasImmediateResponse()) {
                    immediateResponse(reply.get().getImmediateResponse());
                    return;
                }
                CommonResponse common = reply.get().getRequestBody().getResponse();
                // BUFFERED holds the headers until this reply, so its header mutation still applies.
                mutations.apply(common.getHeaderMutation(), headers, requestContentLengthSettable(), false);
                if (common.hasBodyMutation()) {
                    body = mutatedBody(common, body);
                    checkContentLength(headers, body);
                }
            }
        } else {
            body = exchange.getRequestBody().readAllBytes();
        }
        if (consulting && ext.buffersRequestBody() && !ext.sendsRequestHeaders()) {
            headers.remove("content-length");
        }
        forwardUpstream(headers, body);
    }

    // ---- request side -------------------------------------------------------------------------------------

    private HeaderMap downstreamRequestHeaders() {
        Headers raw = exchange.getRequestHeaders();
        HeaderMap headers = new HeaderMap();
        String host = Optional.ofNullable(raw.getFirst("Host")).orElse("");
        String rawPath = exchange.getRequestURI().getRawPath();
        String query = exchange.getRequestURI().getRawQuery();
        headers.add(":authority", host);
        headers.add(":path", query == null ? rawPath : rawPath + "?" + query);
        headers.add(":method", exchange.getRequestMethod());
        headers.add(":scheme", "http");
        raw.forEach((name, values) -> {
            String key = name.toLowerCase(Locale.ROOT);
            if (key.equals("host") || HOP_BY_HOP.contains(key)) {
                return;
            }
            if (key.equals("te")) {
                values = values.stream().filter(v -> v.trim().equalsIgnoreCase("trailers")).toList();
            }
            values.forEach(v -> headers.add(key, v));
        });
        if (!headers.contains("x-forwarded-proto")) {
            headers.add("x-forwarded-proto", "http");
        }
        if (!headers.contains("x-request-id")) {
            headers.add("x-request-id", UUID.randomUUID().toString());
        }
        return headers;
    }

    private boolean requestHasBody() {
        Headers raw = exchange.getRequestHeaders();
        String te = raw.getFirst("Transfer-Encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            return true;
        }
        String length = raw.getFirst("Content-Length");
        return length != null && !length.trim().equals("0");
    }

    /** @return the body, or null when it exceeds {@code limit} */
    private byte[] readRequestBody(long limit) throws IOException {
        InputStream in = exchange.getRequestBody();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            if (body.size() + (long) n > limit) {
                return null;
            }
            body.write(buffer, 0, n);
        }
        return body.toByteArray();
    }

    /** BUFFERED with header SEND keeps content-length; other body modes remove it and skip setting it. */
    private boolean requestContentLengthSettable() {
        return !(ext != null && ext.buffersRequestBody() && !ext.sendsRequestHeaders());
    }

    private static void checkContentLength(HeaderMap headers, byte[] body) throws StreamFailure {
        Optional<String> declared = headers.get("content-length");
        if (declared.isPresent() && !declared.get().equals(Integer.toString(body.length))) {
            throw new StreamFailure(500, "ext_proc_error_invalid_mutation{mismatch between content length and "
                    + "the length of the mutated body}");
        }
    }

    // ---- router -------------------------------------------------------------------------------------------

    private void forwardUpstream(HeaderMap headers, byte[] body) throws StreamFailure, InterruptedException, IOException {
        if (route.isEmpty()) {
            respondThroughFilterChain(404, "route_not_found", "");
            return;
        }
        RouteRule rule = route.get();
        String method = headers.get(":method").orElseThrow();
        String path = rule.rewritePath(headers.get(":path").orElseThrow());
        HeaderMap upstreamHeaders = new HeaderMap();
        upstreamHeaders.add("host", rule.hostRewriteLiteral().orElse(headers.get(":authority").orElse("")));
        for (HeaderMap.Entry e : headers.entries()) {
            if (!e.name().startsWith(":")) {
                upstreamHeaders.add(e.name(), e.value());
            }
        }
        if (rule.hasTimeout()) {
            upstreamHeaders.set("x-envoy-expected-rq-timeout-ms", Long.toString(rule.timeout().toMillis()));
        }
        stats.upstreamRequests.add(new SimulatorStats.UpstreamRequest(rule.cluster(), method, path,
                upstreamHeaders.copy(), body));
        long started = System.nanoTime();
        UpstreamConnection.ResponseHead head;
        try {
            upstream = UpstreamConnection.connect(runtime.clusterAddress(rule.cluster()), UPSTREAM_CONNECT_TIMEOUT);
        } catch (IOException e) {
            respondThroughFilterChain(503, "upstream_reset_before_response_started{connection_failure}",
                    "upstream connect error or disconnect/reset before headers. reset reason: connection failure");
            return;
        }
        try {
            upstream.sendRequest(method, path, upstreamHeaders, body);
            head = upstream.readHead(method, rule.hasTimeout() ? rule.timeout() : Duration.ZERO);
        } catch (SocketTimeoutException e) {
            respondThroughFilterChain(504, "upstream_response_timeout", "upstream request timeout");
            return;
        } catch (IOException e) {
            respondThroughFilterChain(503, "upstream_reset_before_response_started{remote_reset}",
                    "upstream connect error or disconnect/reset before headers. reset reason: remote reset");
            return;
        }
        HeaderMap responseHeaders = new HeaderMap();
        responseHeaders.add(":status", Integer.toString(head.status()));
        for (HeaderMap.Entry e : head.headers().entries()) {
            if (!HOP_BY_HOP.contains(e.name())) {
                responseHeaders.add(e.name(), e.value());
            }
        }
        responseHeaders.set("x-envoy-upstream-service-time",
                Long.toString(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));
        if (head.hasBody()) {
            upstream.streamBody(runtime.executor(), events);
        }
        respond(responseHeaders, head.hasBody());
    }

    /** A reply generated after the ext_proc filter (router, buffer limits): it runs through the encode path. */
    private void respondThroughFilterChain(int status, String details, String bodyText)
            throws StreamFailure, InterruptedException, IOException {
        byte[] body = bodyText.getBytes(StandardCharsets.UTF_8);
        HeaderMap headers = new HeaderMap();
        headers.add(":status", Integer.toString(status));
        if (body.length > 0) {
            headers.add("content-length", Integer.toString(body.length));
            headers.add("content-type", "text/plain");
            events.add(new StreamEvent.UpstreamData(body, true));
        }
        stats.localReplies.add(new SimulatorStats.LocalReply(status, details, headers.copy(), body, true));
        respond(headers, body.length > 0);
    }

    // ---- response side ------------------------------------------------------------------------------------

    private void respond(HeaderMap headers, boolean hasBody) throws StreamFailure, InterruptedException, IOException {
        boolean streamBody = consulting && ext.streamsResponseBody() && hasBody;
        byte[] replacement = null;
        if (consulting && ext.sendsResponseHeaders()) {
            send(ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.newBuilder()
                    .setHeaders(headers.toProto()).setEndOfStream(!hasBody)));
            Optional<ProcessingResponse> reply = awaitReply(ResponseCase.RESPONSE_HEADERS);
            if (reply.isPresent()) {
                if (reply.get().hasImmediateResponse()) {
                    immediateResponse(reply.get().getImmediateResponse());
                    return;
                }
                CommonResponse common = reply.get().getResponseHeaders().getResponse();
                mutations.apply(common.getHeaderMutation(), headers, !streamBody, true);
                if (common.getStatus() == CommonResponse.ResponseStatus.CONTINUE_AND_REPLACE) {
                    replacement = mutatedBody(common, NO_BODY);
                    headers.remove("content-length");
                }
            }
            streamBody = streamBody && consulting && replacement == null;
        }
        if (upstreamFailure != null) {
            throw new StreamReset(upstreamFailure);
        }
        if (consulting && ext.streamsResponseBody()) {
            headers.remove("content-length");
        }
        if (call != null && !streamBody) {
            // Nothing more to ask: Envoy closes right after the last expected reply.
            closeCall();
        }
        boolean bodyFollows = replacement != null ? replacement.length > 0 : hasBody;
        sendDownstreamHeaders(headers, bodyFollows, replacement);
        if (replacement != null) {
            write(replacement);
            finishDownstream();
        } else if (!hasBody) {
            finishDownstream();
        } else if (streamBody) {
            streamResponseBody();
        } else {
            passResponseBody();
        }
    }

    private void passResponseBody() throws InterruptedException {
        for (byte[] held : heldResponseBody) {
            write(held);
        }
        heldResponseBody.clear();
        boolean ended = heldEndOfStream;
        while (!ended) {
            StreamEvent event = events.take();
            if (event instanceof StreamEvent.UpstreamData data) {
                write(data.data());
                ended = data.endOfStream();
            } else if (event instanceof StreamEvent.UpstreamFailed failed) {
                throw new StreamReset(failed.reason());
            }
        }
        finishDownstream();
    }

    private record PendingChunk(byte[] data, boolean endOfStream) {
    }

    /** STREAMED: send each read at once, never waiting for earlier replies; inject replies FIFO. */
    private void streamResponseBody() throws InterruptedException {
        Deque<PendingChunk> pending = new ArrayDeque<>();
        boolean upstreamEnded = false;
        long deadline = 0;
        if (!heldResponseBody.isEmpty() || heldEndOfStream) {
            // Reads that arrived while the headers reply was pending go as one message.
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            heldResponseBody.forEach(joined::writeBytes);
            heldResponseBody.clear();
            sendResponseChunk(new PendingChunk(joined.toByteArray(), heldEndOfStream), pending);
            upstreamEnded = heldEndOfStream;
            deadline = System.nanoTime() + messageTimeoutNanos();
        }
        while (!upstreamEnded || !pending.isEmpty()) {
            StreamEvent event;
            if (consulting && !pending.isEmpty()) {
                event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } else {
                event = events.take();
            }
            if (event == null) {
                if (!failOpen()) {
                    throw failAfterHeaders("ext_proc_error_per-message_timeout_exceeded");
                }
                closeCall();
                flushPending(pending);
            } else if (event instanceof StreamEvent.UpstreamData data) {
                if (consulting && pending.isEmpty()) {
                    deadline = System.nanoTime() + messageTimeoutNanos();
                }
                sendResponseChunk(new PendingChunk(data.data(), data.endOfStream()), pending);
                upstreamEnded = data.endOfStream();
            } else if (event instanceof StreamEvent.UpstreamFailed failed) {
                throw new StreamReset(failed.reason());
            } else if (event instanceof StreamEvent.CallClosed closed) {
                if (!consulting) {
                    continue;
                }
                if (closed.status().isOk() || failOpen()) {
                    consulting = false;
                    flushPending(pending);
                } else {
                    throw failAfterHeaders(grpcErrorDetails(closed.status()));
                }
            } else if (event instanceof StreamEvent.Reply reply) {
                if (!consulting) {
                    continue;
                }
                ProcessingResponse response = reply.response();
                if (response.hasOverrideMessageTimeout()) {
                    deadline = overriddenDeadline(response, deadline);
                    continue;
                }
                if (response.getResponseCase() != ResponseCase.RESPONSE_BODY || pending.isEmpty()) {
                    if (response.getResponseCase() == ResponseCase.IMMEDIATE_RESPONSE && !disableImmediate()) {
                        throw failAfterHeaders("ext_proc immediate_response after response headers were sent");
                    }
                    if (!failOpen()) {
                        throw failAfterHeaders("ext_proc_error_spurious_message");
                    }
                    closeCall();
                    flushPending(pending);
                    continue;
                }
                PendingChunk chunk = pending.poll();
                byte[] out;
                try {
                    // Header mutations in STREAMED body replies are ignored: the headers already left.
                    out = mutatedBody(reply.response().getResponseBody().getResponse(), chunk.data());
                } catch (StreamFailure f) {
                    throw failAfterHeaders(f.details());
                }
                write(out);
                deadline = System.nanoTime() + messageTimeoutNanos();
            }
        }
        finishDownstream();
    }

    private void sendResponseChunk(PendingChunk chunk, Deque<PendingChunk> pending) {
        if (!consulting) {
            write(chunk.data());
            return;
        }
        send(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
                .setBody(com.google.protobuf.ByteString.copyFrom(chunk.data())).setEndOfStream(chunk.endOfStream())));
        pending.add(chunk);
    }

    private void flushPending(Deque<PendingChunk> pending) {
        while (!pending.isEmpty()) {
            write(pending.poll().data());
        }
    }

    private StreamReset failAfterHeaders(String details) {
        LOG.info("resetting downstream stream after response headers: {}", details);
        closeCall();
        return new StreamReset(details);
    }

    private void sendDownstreamHeaders(HeaderMap headers, boolean hasBody, byte[] fixedBody) throws IOException {
        int status = Integer.parseInt(headers.get(":status").orElse("200"));
        Headers out = exchange.getResponseHeaders();
        long length = hasBody ? 0 : -1;
        for (HeaderMap.Entry e : headers.entries()) {
            if (e.name().startsWith(":") || e.name().equals("date")) {
                continue;
            }
            if (e.name().equals("content-length")) {
                if (hasBody && fixedBody == null) {
                    length = Long.parseLong(e.value());
                }
                continue;
            }
            out.add(e.name(), e.value());
        }
        if (fixedBody != null && fixedBody.length > 0) {
            length = fixedBody.length;
        }
        out.set("server", "envoy");
        responseStarted = true;
        exchange.sendResponseHeaders(status, length);
    }

    private void write(byte[] data) {
        if (data.length == 0) {
            return;
        }
        try {
            OutputStream body = exchange.getResponseBody();
            body.write(data);
            body.flush();
        } catch (IOException e) {
            throw new DownstreamGone(e);
        }
    }

    private void finishDownstream() {
        closeCall();
        try {
            exchange.getResponseBody().close();
        } catch (IOException e) {
            throw new DownstreamGone(e);
        }
    }

    // ---- ext_proc call ------------------------------------------------------------------------------------

    private void send(ProcessingRequest.Builder request) {
        if (call == null) {
            call = ExtProcCall.open(runtime.channel(ext.clusterName(), ext.authority()), ext.initialMetadata(),
                    ext.filter().grpcTimeout(), events, stats.callEndings::add);
            stats.extProcCalls.incrementAndGet();
        }
        request.setMetadataContext(Metadata.getDefaultInstance());
        if (firstMessage) {
            request.setProtocolConfig(ProtocolConfiguration.newBuilder()
                    .setRequestBodyMode(ext.processingMode().getRequestBodyMode())
                    .setResponseBodyMode(ext.processingMode().getResponseBodyMode()));
            firstMessage = false;
        }
        call.send(request.build());
    }

    /**
     * Waits for the one reply the last message needs. Empty when ext_proc is no longer consulted and the held
     * data passes unmodified (server closed with OK, or a failure under {@code failure_mode_allow}).
     */
    private Optional<ProcessingResponse> awaitReply(ResponseCase expected) throws StreamFailure, InterruptedException {
        long deadline = System.nanoTime() + messageTimeoutNanos();
        while (true) {
            StreamEvent event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (event == null) {
                if (failOpen()) {
                    closeCall();
                    return Optional.empty();
                }
                // A timeout answers 504 whatever status_on_error says.
                throw new StreamFailure(504, "ext_proc_error_per-message_timeout_exceeded");
            }
            if (event instanceof StreamEvent.UpstreamData data) {
                heldResponseBody.add(data.data());
                heldEndOfStream |= data.endOfStream();
                continue;
            }
            if (event instanceof StreamEvent.UpstreamFailed failed) {
                upstreamFailure = failed.reason();
                continue;
            }
            if (event instanceof StreamEvent.CallClosed closed) {
                consulting = false;
                if (closed.status().isOk() || failOpen()) {
                    return Optional.empty();
                }
                throw new StreamFailure(500, grpcErrorDetails(closed.status()));
            }
            ProcessingResponse response = ((StreamEvent.Reply) event).response();
            if (response.hasOverrideMessageTimeout()) {
                deadline = overriddenDeadline(response, deadline);
                continue;
            }
            boolean immediate = response.getResponseCase() == ResponseCase.IMMEDIATE_RESPONSE && !disableImmediate();
            if (response.getResponseCase() != expected && !immediate) {
                if (failOpen()) {
                    closeCall();
                    return Optional.empty();
                }
                throw new StreamFailure(500, "ext_proc_error_spurious_message{expected " + expected + ", got "
                        + response.getResponseCase() + "}");
            }
            return Optional.of(response);
        }
    }

    /** The message is consumed whole: a valid override restarts the timer, anything else is ignored. */
    private long overriddenDeadline(ProcessingResponse response, long deadline) {
        Duration override = ExtProcSettings.toDuration(response.getOverrideMessageTimeout());
        Duration max = ext.filter().maxMessageTimeout();
        if (max.isZero() || override.compareTo(Duration.ofMillis(1)) < 0 || override.compareTo(max) > 0) {
            LOG.debug("override_message_timeout {} ignored (max_message_timeout {})", override, max);
            return deadline;
        }
        return System.nanoTime() + override.toNanos();
    }

    private long messageTimeoutNanos() {
        return ext.filter().messageTimeout().toNanos();
    }

    private boolean failOpen() {
        return ext.filter().failureModeAllow();
    }

    private boolean disableImmediate() {
        return ext.filter().disableImmediateResponse();
    }

    private void closeCall() {
        consulting = false;
        if (call != null) {
            call.close();
        }
    }

    private static String grpcErrorDetails(Status status) {
        return "ext_proc_error_gRPC_error_" + status.getCode().value() + "{"
                + (status.getDescription() == null ? "" : status.getDescription()) + "}";
    }

    private static byte[] mutatedBody(CommonResponse common, byte[] original) throws StreamFailure {
        if (!common.hasBodyMutation()) {
            return original;
        }
        BodyMutation mutation = common.getBodyMutation();
        return switch (mutation.getMutationCase()) {
            case BODY -> mutation.getBody().toByteArray();
            case CLEAR_BODY -> mutation.getClearBody() ? NO_BODY : original;
            case MUTATION_NOT_SET -> original;
            default -> throw new StreamFailure(500, "ext_proc_error_spurious_message{streamed_response outside "
                    + "FULL_DUPLEX_STREAMED}");
        };
    }

    // ---- local replies ------------------------------------------------------------------------------------

    private void immediateResponse(ImmediateResponse response) throws IOException {
        closeCall();
        int status = response.getStatus().getCodeValue() < 200 ? 200 : response.getStatus().getCodeValue();
        byte[] body = response.getBody().toByteArray();
        HeaderMap headers = new HeaderMap();
        if (body.length > 0) {
            headers.set("content-type", "text/plain");
        }
        try {
            mutations.apply(response.getHeaders(), headers, false, true);
        } catch (StreamFailure invalid) {
            // Envoy only logs ImmediateResponse header failures.
            LOG.warn("ext_proc immediate_response headers partly refused: {}", invalid.details());
        }
        headers.remove(":status");
        sendLocalReply(status, response.getDetails(), headers, body);
    }

    private void fail(StreamFailure failure) {
        LOG.info("ext_proc failure: {} {}", failure.status(), failure.details());
        closeCall();
        if (responseStarted) {
            throw new StreamReset(failure.details());
        }
        try {
            sendLocalReply(failure.status(), failure.details(), new HeaderMap(), NO_BODY);
        } catch (IOException e) {
            throw new DownstreamGone(e);
        }
    }

    /** Straight to the codec, bypassing ext_proc, as the filter's own local replies do. */
    private void sendLocalReply(int status, String details, HeaderMap headers, byte[] body) throws IOException {
        if (responseStarted) {
            throw new StreamReset(details);
        }
        if (upstream != null) {
            upstream.close();
        }
        stats.localReplies.add(new SimulatorStats.LocalReply(status, details, headers.copy(), body, false));
        HeaderMap withStatus = new HeaderMap();
        withStatus.add(":status", Integer.toString(status));
        headers.entries().forEach(e -> withStatus.add(e.name(), e.value()));
        sendDownstreamHeaders(withStatus, body.length > 0, body);
        write(body);
        try {
            exchange.getResponseBody().close();
        } catch (IOException e) {
            throw new DownstreamGone(e);
        }
    }
}
