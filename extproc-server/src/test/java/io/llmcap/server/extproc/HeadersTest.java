package io.llmcap.server.extproc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import org.junit.jupiter.api.Test;

class HeadersTest {
  private static HeaderValue raw(String key, String value) {
    return HeaderValue.newBuilder().setKey(key).setRawValue(ByteString.copyFromUtf8(value)).build();
  }

  @Test
  void repeatedLinesAreJoinedSoNoneIsMissedAndPseudoHeadersKeepTheirFirstValue() {
    HeaderMap map = HeaderMap.newBuilder()
        .addHeaders(raw(":path", "/v1/messages"))
        .addHeaders(raw("anthropic-beta", "prompt-caching-2024-07-31"))
        .addHeaders(raw("Anthropic-Beta", "context-1m-2025-08-07"))
        .addHeaders(HeaderValue.newBuilder().setKey("x-old-envoy").setValue("from value"))
        .build();
    var values = Headers.values(map);
    assertEquals("/v1/messages", values.get(":path"));
    assertEquals("prompt-caching-2024-07-31, context-1m-2025-08-07", values.get("anthropic-beta"));
    assertEquals("from value", values.get("x-old-envoy"), "raw_value first, value for older Envoys");
  }
}
