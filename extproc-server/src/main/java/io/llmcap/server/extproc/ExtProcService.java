package io.llmcap.server.extproc;

import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.llmcap.server.Engine;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's ext_proc v3 service: one {@link CallProcessor} per stream (one stream per HTTP call).
 * Cancellation, which is how Envoy ends every stream, is not an error: it settles the call.
 *
 * <p>Threads: the server runs this service on gRPC's transport threads (a direct executor), and
 * each stream's {@link CallSequencer} moves to the blocking-work pool only what may block there
 * ({@link #mayBlock}): the reservation when the store can block (Redis, a journal that syncs each
 * write), the end of a call when settling or charging it can, and request bodies over {@value
 * #INLINE_BODY_BYTES} bytes (parsing a large prompt takes milliseconds that other streams on the
 * connection would wait).
 */
public final class ExtProcService extends ExternalProcessorGrpc.ExternalProcessorImplBase {
  private static final Logger log = LoggerFactory.getLogger(ExtProcService.class);

  /** gRPC metadata that the shipped Envoy config sets per route: which provider the route fronts. */
  public static final Metadata.Key<String> PROVIDER_METADATA =
      Metadata.Key.of("x-llmcap-provider", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> PROVIDER_HINT = Context.key("llmcap-provider-hint");

  /** Request bodies up to this size are decided on the transport thread. */
  static final int INLINE_BODY_BYTES = 64 * 1024;

  private final Supplier<Engine> engine;
  private final CallListener listener;
  private final String instanceId;
  private final Executor blockingWork;
  private final AtomicLong streams = new AtomicLong();
  private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();

  /**
   * @param engine the current decision snapshot (read once per stream)
   * @param listener told of every decision and settlement (metrics, audit, alerts)
   * @param instanceId unique per server process, so call ids never collide across replicas
   * @param blockingWork runs the stream events that may block (store round trips that wait on I/O,
   *     large bodies); never the gRPC transport's own threads
   */
  public ExtProcService(Supplier<Engine> engine, CallListener listener, String instanceId, Executor blockingWork) {
    this.engine = engine;
    this.blockingWork = blockingWork;
    // Isolated even when a single listener is given: a listener must never change a decision.
    this.listener = CallListeners.of(java.util.List.of(listener));
    this.instanceId = instanceId;
  }

  /** Copies the per-route provider hint from call metadata into the gRPC context. */
  public static ServerInterceptor providerHintInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        String hint = headers.get(PROVIDER_METADATA);
        if (hint == null) {
          return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(PROVIDER_HINT, hint), call, headers, next);
      }
    };
  }

  /** Calls whose stream has not ended yet; shutdown waits for them before closing the store. */
  public int openCalls() {
    return open.get();
  }

  /** Waits until every open call has ended and settled, or the timeout passes; true when none is left. */
  public boolean awaitNoOpenCalls(java.time.Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (open.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    return open.get() == 0;
  }

  /**
   * One stream. grpc-java delivers a call's messages and its cancellation in order, never at the
   * same time, and the {@link CallSequencer} keeps that order when an event moves to the pool; but
   * the call's {@link Context} is cancelled at once, from the transport thread,
   * when Envoy resets the stream. A reply is sent only while that context is live, so a request
   * whose stream died while LLMCap was deciding is known never to have reached the provider.
   */
  @Override
  public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> responses) {
    String callId = instanceId + "-" + streams.incrementAndGet();
    Engine current = engine.get();
    CallProcessor processor = new CallProcessor(callId, current, PROVIDER_HINT.get(), listener);
    boolean storeMayBlock = current.ledger().mayBlock();
    ServerCallStreamObserver<ProcessingResponse> out = (ServerCallStreamObserver<ProcessingResponse>) responses;
    Context context = Context.current();
    Stream stream = new Stream(processor);
    CallSequencer sequencer = new CallSequencer(blockingWork);
    open.incrementAndGet();
    out.setOnCancelHandler(() -> sequencer.run(() -> stream.end("stream cancelled by Envoy"),
        processor.endMayBlock()));
    return new StreamObserver<>() {
      @Override
      public void onNext(ProcessingRequest request) {
        boolean block = mayBlock(request, storeMayBlock, processor.endMayBlock())
            || storeMayBlock && processor.metersWithoutHold();
        sequencer.run(() -> handle(request), block);
      }

      private void handle(ProcessingRequest request) {
        if (stream.ended || context.isCancelled()) {
          return; // a message queued behind a reset: its cancellation, next, ends the call
        }
        CallProcessor.Reply reply = processor.handle(request);
        if (stream.ended || context.isCancelled()) {
          return; // the cancellation, delivered next, settles the call
        }
        if (reply.response().hasRequestBody()) {
          processor.requestForwarded();
        }
        out.onNext(reply.response());
        if (reply.finished()) {
          // LLMCap is done with this call: closing with OK tells Envoy to stop consulting us.
          out.onCompleted();
          stream.end("finished");
        }
      }

      @Override
      public void onError(Throwable t) {
        if (Status.fromThrowable(t).getCode() != Status.Code.CANCELLED) {
          log.warn("[{}] ext_proc stream failed: {}", callId, Status.fromThrowable(t));
        }
        sequencer.run(() -> stream.end("stream error"), processor.endMayBlock());
      }

      @Override
      public void onCompleted() {
        sequencer.run(() -> {
          if (!stream.ended) {
            stream.end("stream closed by Envoy");
            out.onCompleted();
          }
        }, processor.endMayBlock());
      }
    };
  }

  /**
   * Whether handling this message may block or run long: the reservation when the store waits on
   * I/O, the end of the call when settling it may ({@code endMayBlock}), and large request bodies
   * whatever the store.
   */
  static boolean mayBlock(ProcessingRequest request, boolean storeMayBlock, boolean endMayBlock) {
    return switch (request.getRequestCase()) {
      case REQUEST_BODY -> storeMayBlock || request.getRequestBody().getBody().size() > INLINE_BODY_BYTES;
      // Only what the store knows locally is read here (LedgerStore#knownExhausted).
      case REQUEST_HEADERS -> false;
      case RESPONSE_TRAILERS -> endMayBlock;
      case RESPONSE_HEADERS -> endMayBlock && request.getResponseHeaders().getEndOfStream();
      case RESPONSE_BODY -> endMayBlock && request.getResponseBody().getEndOfStream();
      case REQUEST_TRAILERS, REQUEST_NOT_SET -> false;
    };
  }

  /** The end of one stream, whichever way it comes, counted once. */
  private final class Stream {
    private final CallProcessor processor;
    volatile boolean ended;

    Stream(CallProcessor processor) {
      this.processor = processor;
    }

    void end(String why) {
      if (ended) {
        return;
      }
      ended = true;
      try {
        processor.onStreamClosed(why);
      } finally {
        open.decrementAndGet();
      }
    }
  }
}
