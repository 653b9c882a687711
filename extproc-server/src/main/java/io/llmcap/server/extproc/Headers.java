package io.llmcap.server.extproc;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Reading Envoy header maps and writing header mutations the way Envoy expects them. */
final class Headers {
  private Headers() {}

  /**
   * First value of each header, keyed by lower-case name. Envoy sends values in {@code raw_value}
   * (mandatory since about v1.32); older Envoys used {@code value}, which is read as a fallback.
   */
  static Map<String, String> firstValues(HeaderMap map) {
    Map<String, String> out = new HashMap<>(map.getHeadersCount() * 2);
    for (HeaderValue h : map.getHeadersList()) {
      String value = h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toString(StandardCharsets.UTF_8);
      out.putIfAbsent(h.getKey().toLowerCase(java.util.Locale.ROOT), value);
    }
    return out;
  }

  /**
   * A header to set (overwrite). Only {@code raw_value} is filled: Envoy ignores {@code value} when
   * reading mutations and fails the request when both are set.
   */
  static HeaderValueOption set(String name, String value) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder()
            .setKey(name)
            .setRawValue(ByteString.copyFrom(value, StandardCharsets.UTF_8)))
        .build();
  }
}
