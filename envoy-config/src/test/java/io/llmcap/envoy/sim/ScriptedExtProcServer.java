package io.llmcap.envoy.sim;

import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A loopback ext_proc server whose answers a test scripts message by message, recording what Envoy sent. */
public final class ScriptedExtProcServer implements AutoCloseable {

    /** Decides what to do with each message of a call; may reply zero, one or several times, or end the call. */
    @FunctionalInterface
    public interface Script {
        void onMessage(ProcessingRequest request, StreamObserver<ProcessingResponse> replies, RecordedCall call);
    }

    /** One gRPC call as the server saw it. */
    public static final class RecordedCall {
        public final Metadata headers;
        public final String authority;
        public final List<ProcessingRequest> received = new CopyOnWriteArrayList<>();
        final CountDownLatch cancelled = new CountDownLatch(1);
        volatile boolean halfClosed;

        RecordedCall(Metadata headers, String authority) {
            this.headers = headers;
            this.authority = authority;
        }

        public String header(String name) {
            return headers.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
        }

        public boolean awaitCancelled(Duration timeout) throws InterruptedException {
            return cancelled.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        public boolean halfClosed() {
            return halfClosed;
        }
    }

    private static final Context.Key<RecordedCall> CALL = Context.key("recorded-call");

    private final Server server;
    private final List<RecordedCall> calls = new CopyOnWriteArrayList<>();

    private ScriptedExtProcServer(Script script) throws IOException {
        ServerInterceptor recorder = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                RecordedCall recorded = new RecordedCall(headers, call.getAuthority());
                calls.add(recorded);
                return Contexts.interceptCall(Context.current().withValue(CALL, recorded), call, headers, next);
            }
        };
        ExternalProcessorGrpc.ExternalProcessorImplBase service = new ExternalProcessorGrpc.ExternalProcessorImplBase() {
            @Override
            public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> replies) {
                RecordedCall call = CALL.get();
                ServerCallStreamObserver<ProcessingResponse> serverReplies =
                        (ServerCallStreamObserver<ProcessingResponse>) replies;
                serverReplies.setOnCancelHandler(call.cancelled::countDown);
                return new StreamObserver<>() {
                    @Override
                    public void onNext(ProcessingRequest request) {
                        call.received.add(request);
                        script.onMessage(request, replies, call);
                    }

                    @Override
                    public void onError(Throwable t) {
                        call.cancelled.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        call.halfClosed = true;
                    }
                };
            }
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(ServerInterceptors.intercept(service, recorder))
                .build()
                .start();
    }

    public static ScriptedExtProcServer start(Script script) {
        try {
            return new ScriptedExtProcServer(script);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the scripted ext_proc server", e);
        }
    }

    /** A server that answers every message with a plain CONTINUE. */
    public static ScriptedExtProcServer continuing() {
        return start((request, replies, call) -> replies.onNext(continueFor(request)));
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getListenSockets().get(0);
    }

    public List<RecordedCall> calls() {
        return List.copyOf(calls);
    }

    /** The matching CONTINUE reply to a message, with nothing changed. */
    public static ProcessingResponse continueFor(ProcessingRequest request) {
        ProcessingResponse.Builder reply = ProcessingResponse.newBuilder();
        switch (request.getRequestCase()) {
            case REQUEST_HEADERS -> reply.setRequestHeaders(HeadersResponse.getDefaultInstance());
            case RESPONSE_HEADERS -> reply.setResponseHeaders(HeadersResponse.getDefaultInstance());
            case REQUEST_BODY -> reply.setRequestBody(BodyResponse.getDefaultInstance());
            case RESPONSE_BODY -> reply.setResponseBody(BodyResponse.getDefaultInstance());
            default -> throw new IllegalArgumentException("no scripted reply for " + request.getRequestCase());
        }
        return reply.build();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }
}
