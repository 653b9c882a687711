package io.llmcap.envoy.sim;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One {@code ExternalProcessor/Process} call for one HTTP request, as Envoy's gRPC client runs it: messages
 * never end the stream, replies and the call's end are posted to the stream's event queue, and Envoy's close is
 * a half-close immediately followed by a cancel.
 */
final class ExtProcCall {

    /** How the simulator ended a call, for tests: Envoy's normal close or a bare cancellation. */
    enum Ending { HALF_CLOSE_THEN_CANCEL, CANCEL }

    private final ClientCallStreamObserver<ProcessingRequest> requests;
    private java.util.function.Consumer<Ending> endings = e -> { };
    private volatile boolean serverClosed;
    private boolean closedByUs;

    private ExtProcCall(ClientCallStreamObserver<ProcessingRequest> requests) {
        this.requests = requests;
    }

    static ExtProcCall open(ManagedChannel channel, List<HeaderValue> initialMetadata, Optional<Duration> deadline,
                            BlockingQueue<StreamEvent> events, java.util.function.Consumer<Ending> endings) {
        Metadata headers = new Metadata();
        for (HeaderValue h : initialMetadata) {
            String value = h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toStringUtf8();
            headers.put(Metadata.Key.of(h.getKey(), Metadata.ASCII_STRING_MARSHALLER), value);
        }
        var stub = ExternalProcessorGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        if (deadline.isPresent()) {
            stub = stub.withDeadlineAfter(deadline.get().toMillis(), TimeUnit.MILLISECONDS);
        }
        Holder holder = new Holder(events);
        stub.process(holder);
        holder.call.endings = endings;
        return holder.call;
    }

    /** Bridges gRPC callbacks into the stream's queue; the call object exists once gRPC hands us the stream. */
    private static final class Holder implements ClientResponseObserver<ProcessingRequest, ProcessingResponse> {
        private final BlockingQueue<StreamEvent> events;
        private ExtProcCall call;

        Holder(BlockingQueue<StreamEvent> events) {
            this.events = events;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<ProcessingRequest> requestStream) {
            call = new ExtProcCall(requestStream);
        }

        @Override
        public void onNext(ProcessingResponse value) {
            events.add(new StreamEvent.Reply(value));
        }

        @Override
        public void onError(Throwable t) {
            call.serverClosed = true;
            events.add(new StreamEvent.CallClosed(Status.fromThrowable(t)));
        }

        @Override
        public void onCompleted() {
            call.serverClosed = true;
            events.add(new StreamEvent.CallClosed(Status.OK));
        }
    }

    void send(ProcessingRequest request) {
        if (!closedByUs) {
            requests.onNext(request);
        }
    }

    /** Envoy's normal close: half-close, then reset at once, so the server observes CANCELLED. */
    void close() {
        if (closedByUs) {
            return;
        }
        closedByUs = true;
        requests.onCompleted();
        requests.cancel("envoy closed the ext_proc stream", null);
        endings.accept(Ending.HALF_CLOSE_THEN_CANCEL);
    }

    /** A downstream or upstream reset: no half-close, only cancellation. */
    void cancel() {
        if (closedByUs) {
            return;
        }
        closedByUs = true;
        requests.cancel("envoy stream reset", null);
        endings.accept(Ending.CANCEL);
    }

    boolean serverClosed() {
        return serverClosed;
    }
}
