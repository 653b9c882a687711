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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's ext_proc v3 service: one {@link CallProcessor} per stream (one stream per HTTP call).
 * Cancellation, which is how Envoy ends every stream, is not an error: it settles the call.
 */
public final class ExtProcService extends ExternalProcessorGrpc.ExternalProcessorImplBase {
  private static final Logger log = LoggerFactory.getLogger(ExtProcService.class);

  /** gRPC metadata that the shipped Envoy config sets per route: which provider the route fronts. */
  public static final Metadata.Key<String> PROVIDER_METADATA =
      Metadata.Key.of("x-llmcap-provider", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> PROVIDER_HINT = Context.key("llmcap-provider-hint");

  private final Supplier<Engine> engine;
  private final CallListener listener;
  private final String instanceId;
  private final AtomicLong streams = new AtomicLong();

  /**
   * @param engine the current decision snapshot (read once per stream)
   * @param listener told of every decision and settlement (metrics, audit, alerts)
   * @param instanceId unique per server process, so call ids never collide across replicas
   */
  public ExtProcService(Supplier<Engine> engine, CallListener listener, String instanceId) {
    this.engine = engine;
    this.listener = listener;
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

  @Override
  public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> responses) {
    String callId = instanceId + "-" + streams.incrementAndGet();
    CallProcessor processor = new CallProcessor(callId, engine.get(), PROVIDER_HINT.get(), listener);
    ServerCallStreamObserver<ProcessingResponse> out = (ServerCallStreamObserver<ProcessingResponse>) responses;
    StreamGuard guard = new StreamGuard();
    out.setOnCancelHandler(() -> {
      guard.closed = true;
      processor.onStreamClosed("stream cancelled by Envoy");
    });
    return new StreamObserver<>() {
      @Override
      public void onNext(ProcessingRequest request) {
        if (guard.closed) {
          return;
        }
        CallProcessor.Reply reply = processor.handle(request);
        synchronized (guard) {
          if (guard.closed) {
            return;
          }
          out.onNext(reply.response());
          if (reply.finished()) {
            // LLMCap is done with this call: closing with OK tells Envoy to stop consulting us.
            guard.closed = true;
            out.onCompleted();
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        if (Status.fromThrowable(t).getCode() != Status.Code.CANCELLED) {
          log.warn("[{}] ext_proc stream failed: {}", callId, Status.fromThrowable(t));
        }
        processor.onStreamClosed("stream error");
      }

      @Override
      public void onCompleted() {
        processor.onStreamClosed("stream closed by Envoy");
        synchronized (guard) {
          if (!guard.closed) {
            guard.closed = true;
            out.onCompleted();
          }
        }
      }
    };
  }

  private static final class StreamGuard {
    volatile boolean closed;
  }
}
