package io.llmcap.bench;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

/**
 * One HTTP call as Envoy's ext_proc filter drives it, on one bidi stream: request headers, wait; request body
 * (BUFFERED, one message), wait; response headers, wait; the response body chunks all at once (STREAMED mode does not
 * wait for replies before sending more), replies matched in order; then half-close and cancel, which is how Envoy
 * ends every stream. Non-blocking: each step is sent from the reply callback of the one before.
 */
final class EnvoyLikeCall implements ClientResponseObserver<ProcessingRequest, ProcessingResponse> {
  /** What the load generator learns from a call. */
  interface Outcome {
    /** The request body was answered: the call is decided. {@code nanoTime} is when the reply arrived. */
    void decided(EnvoyLikeCall call, long nanoTime);

    /** The call ended: {@code ok} when every message was answered with CONTINUE and the stream closed cleanly. */
    void ended(EnvoyLikeCall call, long nanoTime, boolean ok, String failure);
  }

  private final Workload workload;
  private final long number;
  private final Outcome outcome;
  /** From when latency counts: the scheduled start (open model) or the actual start (closed model). */
  final long startNanos;
  private ClientCallStreamObserver<ProcessingRequest> requests;
  private int repliesSeen;
  private boolean ended;

  EnvoyLikeCall(Workload workload, long number, long startNanos, Outcome outcome) {
    this.workload = workload;
    this.number = number;
    this.startNanos = startNanos;
    this.outcome = outcome;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<ProcessingRequest> stream) {
    this.requests = stream;
  }

  /** Sends the request headers; called once the stream is open. */
  synchronized void begin() {
    requests.onNext(workload.requestHeaders(number));
  }

  @Override
  public synchronized void onNext(ProcessingResponse reply) {
    if (ended) {
      return;
    }
    repliesSeen++;
    if (reply.hasImmediateResponse()) {
      end(false, "immediate response " + reply.getImmediateResponse().getStatus().getCodeValue() + " at reply "
          + repliesSeen);
      return;
    }
    switch (repliesSeen) {
      case 1 -> {
        expect(reply.hasRequestHeaders(), reply);
        requests.onNext(workload.requestBody());
      }
      case 2 -> {
        expect(reply.hasRequestBody(), reply);
        outcome.decided(this, System.nanoTime());
        requests.onNext(workload.responseHeaders());
      }
      case 3 -> {
        expect(reply.hasResponseHeaders(), reply);
        for (ProcessingRequest chunk : workload.responseBody()) {
          requests.onNext(chunk);
        }
      }
      default -> {
        expect(reply.hasResponseBody(), reply);
        if (repliesSeen == 3 + workload.responseBody().size()) {
          end(true, null);
        }
      }
    }
  }

  private void expect(boolean matches, ProcessingResponse reply) {
    if (!matches && !ended) {
      end(false, "reply " + repliesSeen + " out of order: " + reply.getResponseCase());
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    if (!ended) {
      end(false, "stream failed: " + io.grpc.Status.fromThrowable(t));
    }
  }

  @Override
  public synchronized void onCompleted() {
    // LLMCap closes with OK once it has the whole response; the last reply has already ended the call.
    if (!ended) {
      end(false, "server closed the stream after " + repliesSeen + " replies");
    }
  }

  private void end(boolean ok, String failure) {
    ended = true;
    long now = System.nanoTime();
    requests.onCompleted();
    requests.cancel("envoy ends the stream", null);
    outcome.ended(this, now, ok, failure);
  }
}
