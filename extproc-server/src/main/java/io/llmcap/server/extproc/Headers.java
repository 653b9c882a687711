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
   * Each header's value, keyed by lower-case name; a header sent several times (Envoy sends each
   * line apart) is joined with {@code ", "} as HTTP defines, so no line is missed (a second
   * {@code anthropic-beta} line can open a larger context window). Pseudo-headers keep their first
   * value. Envoy sends values in {@code raw_value} (mandatory since about v1.32); older Envoys used
   * {@code value}, which is read as a fallback.
   */
  static Map<String, String> values(HeaderMap map) {
    Map<String, String> out = new HashMap<>(map.getHeadersCount() * 2);
    for (HeaderValue h : map.getHeadersList()) {
      String value = h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toString(StandardCharsets.UTF_8);
      String name = h.getKey().toLowerCase(java.util.Locale.ROOT);
      out.merge(name, value, (first, next) -> name.startsWith(":") ? first : first + ", " + next);
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
