package io.llmcap.bench;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The ext_proc messages of one kind of call, built once and sent for every call (protobuf messages are immutable, so
 * the load generator spends its CPU on the protocol, not on building requests). Shapes follow what Envoy sends: every
 * message carries an empty {@code metadata_context}, the first one the {@code protocol_config} (request body
 * BUFFERED, response body STREAMED), header values as {@code raw_value}.
 *
 * @param services distinct {@code x-llmcap-service} values, cycled: each is its own per-service cap counter
 */
public record Workload(
    String name,
    int requestBytes,
    boolean streamed,
    List<ProcessingRequest> requestHeaders,
    ProcessingRequest requestBody,
    ProcessingRequest responseHeaders,
    List<ProcessingRequest> responseBody) {

  public static final String PROVIDER_HINT = "openai";
  private static final int SERVICES = 16;

  /** A non-streamed chat call whose request body is {@code requestBytes} long. */
  public static Workload chat(String name, int requestBytes) {
    byte[] body = Bodies.chatRequest(requestBytes, false);
    return new Workload(name, body.length, false, requestHeaders(body.length), requestBody(body),
        responseHeaders("application/json"), List.of(responseBody(Bodies.chatResponse(), true)));
  }

  /** A streamed chat call: 2 KB request, {@code chunks} SSE chunks in the response. */
  public static Workload streamed(String name, int requestBytes, int chunks) {
    byte[] body = Bodies.chatRequest(requestBytes, true);
    List<byte[]> sse = Bodies.sseChunks(chunks);
    List<ProcessingRequest> parts = new ArrayList<>(chunks);
    for (int i = 0; i < sse.size(); i++) {
      parts.add(responseBody(sse.get(i), i == sse.size() - 1));
    }
    return new Workload(name, body.length, true, requestHeaders(body.length), requestBody(body),
        responseHeaders("text/event-stream"), List.copyOf(parts));
  }

  /** The request-headers message for call number {@code n}. */
  public ProcessingRequest requestHeaders(long n) {
    return requestHeaders.get((int) (n % requestHeaders.size()));
  }

  private static List<ProcessingRequest> requestHeaders(int contentLength) {
    List<ProcessingRequest> perService = new ArrayList<>(SERVICES);
    for (int s = 0; s < SERVICES; s++) {
      HeaderMap headers = headers(
          ":authority", "api.openai.com", ":path", "/v1/chat/completions", ":method", "POST", ":scheme", "https",
          "content-type", "application/json", "content-length", Integer.toString(contentLength),
          "authorization", "Bearer sk-bench-000000000000000000000000000000000000000000000000",
          "user-agent", "OpenAI/Python 1.54.0", "accept", "application/json", "accept-encoding", "gzip, deflate",
          "x-llmcap-service", "bench-service-" + s, "x-forwarded-proto", "http",
          "x-request-id", "5d1f3c2e-8a7b-4c6d-9e0f-1a2b3c4d5e6f");
      perService.add(ProcessingRequest.newBuilder()
          .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(headers).setEndOfStream(false))
          .setMetadataContext(Metadata.getDefaultInstance())
          .setProtocolConfig(ProtocolConfiguration.newBuilder()
              .setRequestBodyMode(BodySendMode.BUFFERED).setResponseBodyMode(BodySendMode.STREAMED))
          .build());
    }
    return List.copyOf(perService);
  }

  private static ProcessingRequest requestBody(byte[] body) {
    return ProcessingRequest.newBuilder()
        .setRequestBody(HttpBody.newBuilder().setBody(ByteString.copyFrom(body)).setEndOfStream(true))
        .setMetadataContext(Metadata.getDefaultInstance())
        .build();
  }

  private static ProcessingRequest responseHeaders(String contentType) {
    return ProcessingRequest.newBuilder()
        .setResponseHeaders(HttpHeaders.newBuilder().setHeaders(headers(
            ":status", "200", "content-type", contentType, "date", "Mon, 01 Dec 2025 12:00:00 GMT",
            "openai-processing-ms", "812", "x-envoy-upstream-service-time", "815"))
            .setEndOfStream(false))
        .setMetadataContext(Metadata.getDefaultInstance())
        .build();
  }

  private static ProcessingRequest responseBody(byte[] chunk, boolean end) {
    return ProcessingRequest.newBuilder()
        .setResponseBody(HttpBody.newBuilder().setBody(ByteString.copyFrom(chunk)).setEndOfStream(end))
        .setMetadataContext(Metadata.getDefaultInstance())
        .build();
  }

  private static HeaderMap headers(String... pairs) {
    HeaderMap.Builder b = HeaderMap.newBuilder();
    for (int i = 0; i < pairs.length; i += 2) {
      b.addHeaders(HeaderValue.newBuilder().setKey(pairs[i])
          .setRawValue(ByteString.copyFrom(pairs[i + 1], StandardCharsets.UTF_8)));
    }
    return b.build();
  }
}
