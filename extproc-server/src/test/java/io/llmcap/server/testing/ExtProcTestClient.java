package io.llmcap.server.testing;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bare ext_proc client for unit tests of the server: sends one message at a time and returns
 * the reply. (End-to-end tests use the Envoy simulator in envoy-config instead.)
 */
public final class ExtProcTestClient implements AutoCloseable {
  private final LinkedBlockingQueue<Object> replies = new LinkedBlockingQueue<>();
  private final ClientCallStreamObserver<ProcessingRequest> requests;
  private boolean first = true;
  private volatile boolean completed;

  public ExtProcTestClient(ManagedChannel channel, String providerHint) {
    Metadata md = new Metadata();
    if (providerHint != null) {
      md.put(Metadata.Key.of("x-llmcap-provider", Metadata.ASCII_STRING_MARSHALLER), providerHint);
    }
    var stub = ExternalProcessorGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    final ClientCallStreamObserver<ProcessingRequest>[] holder = new ClientCallStreamObserver[1];
    stub.process(new ClientResponseObserver<ProcessingRequest, ProcessingResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<ProcessingRequest> stream) {
        holder[0] = stream;
      }

      @Override
      public void onNext(ProcessingResponse value) {
        replies.add(value);
      }

      @Override
      public void onError(Throwable t) {
        replies.add(t);
      }

      @Override
      public void onCompleted() {
        completed = true;
      }
    });
    this.requests = holder[0];
  }

  public static Map<String, String> headers(String... pairs) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return m;
  }

  public ProcessingResponse requestHeaders(Map<String, String> headers, boolean endOfStream) {
    ProcessingRequest.Builder b = ProcessingRequest.newBuilder()
        .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(map(headers)).setEndOfStream(endOfStream));
    if (first) {
      b.setProtocolConfig(ProtocolConfiguration.newBuilder()
          .setRequestBodyMode(BodySendMode.BUFFERED).setResponseBodyMode(BodySendMode.STREAMED));
      first = false;
    }
    return send(b.build());
  }

  public ProcessingResponse requestBody(String body) {
    return requestBody(body, true);
  }

  /** @param endOfStream false when trailers follow the buffered body */
  public ProcessingResponse requestBody(String body, boolean endOfStream) {
    return send(ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
        .setBody(ByteString.copyFromUtf8(body)).setEndOfStream(endOfStream)).build());
  }

  public ProcessingResponse responseHeaders(Map<String, String> headers, boolean endOfStream) {
    return send(ProcessingRequest.newBuilder()
        .setResponseHeaders(HttpHeaders.newBuilder().setHeaders(map(headers)).setEndOfStream(endOfStream)).build());
  }

  public ProcessingResponse responseBody(String chunk, boolean endOfStream) {
    return send(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
        .setBody(ByteString.copyFromUtf8(chunk)).setEndOfStream(endOfStream)).build());
  }

  public ProcessingResponse responseBodyBytes(byte[] chunk, boolean endOfStream) {
    return send(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
        .setBody(ByteString.copyFrom(chunk)).setEndOfStream(endOfStream)).build());
  }

  /** Envoy's way of ending a stream: half-close, then cancel at once. */
  public void closeLikeEnvoy() {
    requests.onCompleted();
    requests.cancel("envoy closed the stream", null);
  }

  public boolean serverCompleted() {
    return completed;
  }

  private ProcessingResponse send(ProcessingRequest request) {
    requests.onNext(request);
    try {
      Object reply = replies.poll(10, TimeUnit.SECONDS);
      if (reply == null) {
        throw new AssertionError("no reply from the server within 10s");
      }
      if (reply instanceof Throwable t) {
        throw new AssertionError("stream failed: " + t, t);
      }
      return (ProcessingResponse) reply;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static HeaderMap map(Map<String, String> headers) {
    HeaderMap.Builder b = HeaderMap.newBuilder();
    headers.forEach((k, v) -> b.addHeaders(HeaderValue.newBuilder().setKey(k)
        .setRawValue(ByteString.copyFrom(v, StandardCharsets.UTF_8))));
    return b.build();
  }

  @Override
  public void close() {
    if (!completed) {
      closeLikeEnvoy();
    }
  }
}
