package io.llmcap.server.cap;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Which calls a cap applies to. Every condition set must hold; an unset condition (null, or no
 * headers) matches every call.
 */
public final class CapMatch {
  /** Matches every call. */
  public static final CapMatch ALL = new CapMatch(null, null, Map.of());

  private final String provider;
  private final ModelGlob model;
  private final Map<String, String> headers;

  /**
   * @param provider provider id ({@code openai}...), compared ignoring case; null for any
   * @param model model pattern with {@code *} wildcards, compared ignoring case; null for any
   * @param headers header name to exact value; names are lower-cased
   */
  public CapMatch(String provider, String model, Map<String, String> headers) {
    this.provider = provider == null ? null : provider.toLowerCase(Locale.ROOT);
    this.model = model == null ? null : ModelGlob.compile(model);
    TreeMap<String, String> lower = new TreeMap<>();
    headers.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), Objects.requireNonNull(v)));
    this.headers = Map.copyOf(lower);
  }

  public String provider() {
    return provider;
  }

  /** The model pattern as written, or null. */
  public String model() {
    return model == null ? null : model.pattern();
  }

  public Map<String, String> headers() {
    return headers;
  }

  /** True when deciding needs the model, which the headers phase may not know yet. */
  public boolean dependsOnModel() {
    return model != null;
  }

  /** Whether the call satisfies every condition; a model condition fails when the model is null. */
  public boolean matches(CallAttributes call) {
    if (provider != null && !provider.equalsIgnoreCase(call.provider())) {
      return false;
    }
    if (model != null && !model.matches(call.model())) {
      return false;
    }
    for (Map.Entry<String, String> h : headers.entrySet()) {
      if (!h.getValue().equals(call.headers().get(h.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CapMatch other
        && Objects.equals(provider, other.provider)
        && Objects.equals(model, other.model)
        && headers.equals(other.headers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(provider, model, headers);
  }

  @Override
  public String toString() {
    return "CapMatch{provider=" + provider + ", model=" + model() + ", headers=" + headers + "}";
  }
}
