package io.llmcap.bench;

import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.io.IOException;

/**
 * The protocol's own cost: an ext_proc server that answers CONTINUE to every message without looking at it, and closes
 * the stream after the last response body chunk as LLMCap does. Same transport and settings as LLMCap's gRPC port
 * (Netty, handlers on the transport threads, 64 MB inbound limit), so LLMCap's results divided by these are what
 * deciding costs.
 */
public final class BaselineServer extends ExternalProcessorGrpc.ExternalProcessorImplBase {
  private static final ProcessingResponse REQUEST_HEADERS = ProcessingResponse.newBuilder()
      .setRequestHeaders(HeadersResponse.newBuilder().setResponse(CommonResponse.getDefaultInstance())).build();
  private static final ProcessingResponse REQUEST_BODY = ProcessingResponse.newBuilder()
      .setRequestBody(BodyResponse.newBuilder().setResponse(CommonResponse.getDefaultInstance())).build();
  private static final ProcessingResponse RESPONSE_HEADERS = ProcessingResponse.newBuilder()
      .setResponseHeaders(HeadersResponse.newBuilder().setResponse(CommonResponse.getDefaultInstance())).build();
  private static final ProcessingResponse RESPONSE_BODY = ProcessingResponse.newBuilder()
      .setResponseBody(BodyResponse.newBuilder().setResponse(CommonResponse.getDefaultInstance())).build();
  private static final ProcessingResponse REQUEST_TRAILERS = ProcessingResponse.newBuilder()
      .setRequestTrailers(TrailersResponse.getDefaultInstance()).build();
  private static final ProcessingResponse RESPONSE_TRAILERS = ProcessingResponse.newBuilder()
      .setResponseTrailers(TrailersResponse.getDefaultInstance()).build();

  /** Starts the baseline on {@code port} (0 for a free one). */
  public static Server start(int port) throws IOException {
    return Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
        .directExecutor()
        .maxInboundMessageSize(io.llmcap.server.LlmcapServer.MAX_INBOUND_MESSAGE_BYTES)
        .addService(new BaselineServer())
        .build()
        .start();
  }

  @Override
  public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
    return new StreamObserver<>() {
      private boolean closed;

      @Override
      public void onNext(ProcessingRequest request) {
        if (closed) {
          return;
        }
        out.onNext(switch (request.getRequestCase()) {
          case REQUEST_HEADERS -> REQUEST_HEADERS;
          case REQUEST_BODY -> REQUEST_BODY;
          case RESPONSE_HEADERS -> RESPONSE_HEADERS;
          case RESPONSE_BODY -> RESPONSE_BODY;
          case REQUEST_TRAILERS -> REQUEST_TRAILERS;
          case RESPONSE_TRAILERS -> RESPONSE_TRAILERS;
          case REQUEST_NOT_SET -> throw new IllegalArgumentException("ProcessingRequest without a message");
        });
        if (request.hasResponseBody() && request.getResponseBody().getEndOfStream()) {
          closed = true;
          out.onCompleted();
        }
      }

      @Override
      public void onError(Throwable t) {
        // Envoy ends every stream by cancelling it.
      }

      @Override
      public void onCompleted() {
        if (!closed) {
          closed = true;
          out.onCompleted();
        }
      }
    };
  }
}
