package io.llmcap.server.extproc;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * Who is calling: the service identity and a fingerprint of the provider key.
 *
 * <p>The service is the caller's mTLS principal as Envoy reports it ({@code source.principal},
 * sent when the filter lists it in {@code request_attributes}); without mTLS, the
 * {@value #SERVICE_HEADER} header, which the proxy in front must set and overwrite (a header a
 * client can forge must never be the only identity for a cap).
 */
public final class CallerIdentity {
  public static final String SERVICE_HEADER = "x-llmcap-service";
  static final String ATTRIBUTES_KEY = "envoy.filters.http.ext_proc";
  private static final String[] KEY_HEADERS = {"authorization", "x-api-key", "x-goog-api-key", "api-key"};

  private CallerIdentity() {}

  /** The caller's service identity, or null when neither a principal nor the header is present. */
  public static String service(Map<String, Struct> attributes, Map<String, String> headers) {
    Struct attrs = attributes.get(ATTRIBUTES_KEY);
    if (attrs != null) {
      Value principal = attrs.getFieldsMap().get("source.principal");
      if (principal != null && principal.hasStringValue() && !principal.getStringValue().isEmpty()) {
        return principal.getStringValue();
      }
    }
    String header = headers.get(SERVICE_HEADER);
    return header == null || header.isBlank() ? null : header.trim();
  }

  /**
   * A short SHA-256 fingerprint ({@code key-} and 16 hex digits) of the provider API key, so caps
   * can count per key without LLMCap ever storing, logging or exporting the key itself.
   */
  public static String apiKeyFingerprint(Map<String, String> headers) {
    for (String name : KEY_HEADERS) {
      String value = headers.get(name);
      if (value != null && !value.isBlank()) {
        String key = value.trim();
        if (key.regionMatches(true, 0, "bearer ", 0, 7)) {
          key = key.substring(7).trim();
        }
        return "key-" + HexFormat.of().formatHex(sha256(key), 0, 8).toLowerCase(Locale.ROOT);
      }
    }
    return null;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
