package io.llmcap.server.cap;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a cap keeps one counter per: nothing (one counter for every matching call), the calling
 * service, the provider API key, a request header, the model or the provider.
 *
 * <p><b>Missing identity.</b> A call that lacks the identity a cap counts by (no service
 * principal, no key, no such header) is counted under the fixed subject {@value #MISSING}, which
 * all such calls share. Skipping the cap instead would let any caller escape it by stripping the
 * identity; a shared subject keeps them all capped together, which can only deny earlier, never
 * overspend.
 *
 * <p>Header values are caller-controlled: a cap {@code per: header:x-user} gives every new value a
 * fresh budget. Pair such caps with a cap on a trusted identity (service) or a global cap.
 *
 * @param kind what the counter is keyed by
 * @param headerName the lower-case header name for {@link Kind#HEADER}, else null
 */
public record Per(Kind kind, String headerName) {

  /** Subject of calls that lack the identity the cap counts by (shared by all of them). */
  public static final String MISSING = "(none)";

  /**
   * Longer identities are cut to this many characters, bounding memory and journal size per
   * counter; values that collide after the cut share a budget, which errs on the safe side.
   */
  public static final int MAX_SUBJECT_LENGTH = 256;

  public static final Per NONE = new Per(Kind.NONE, null);
  public static final Per SERVICE = new Per(Kind.SERVICE, null);
  public static final Per API_KEY = new Per(Kind.API_KEY, null);
  public static final Per MODEL = new Per(Kind.MODEL, null);
  public static final Per PROVIDER = new Per(Kind.PROVIDER, null);

  /** The forms a caps file may use, for error messages. */
  public static final String VALID_FORMS = "service | apiKey | header:<name> | model | provider";

  private static final Pattern HEADER_TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9a-z-]+");

  public enum Kind {
    NONE,
    SERVICE,
    API_KEY,
    HEADER,
    MODEL,
    PROVIDER
  }

  public Per {
    if (kind == null) {
      throw new IllegalArgumentException("per kind must not be null");
    }
    if (kind == Kind.HEADER) {
      if (headerName == null || !HEADER_TOKEN.matcher(headerName).matches()) {
        throw new IllegalArgumentException(
            "per header needs a lower-case HTTP header name, got " + headerName);
      }
    } else if (headerName != null) {
      throw new IllegalArgumentException("only per header takes a header name");
    }
  }

  public static Per header(String name) {
    return new Per(Kind.HEADER, name.toLowerCase(Locale.ROOT));
  }

  /**
   * Parses the caps-file form ({@code service}, {@code apiKey}, {@code header:x-team},
   * {@code model}, {@code provider}).
   *
   * @throws IllegalArgumentException naming the valid forms
   */
  private static final java.util.Set<String> CREDENTIAL_HEADERS =
      java.util.Set.of("authorization", "x-api-key", "x-goog-api-key", "api-key", "proxy-authorization", "cookie");

  public static Per parse(String text) {
    String t = text == null ? "" : text.trim();
    if (t.regionMatches(true, 0, "header:", 0, 7)) {
      String name = t.substring(7).trim().toLowerCase(Locale.ROOT);
      if (!HEADER_TOKEN.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "header:<name> needs a valid HTTP header name, got \"" + text + "\"");
      }
      if (CREDENTIAL_HEADERS.contains(name)) {
        // The subject is stored, exported in /v1/caps and named in denials: never a raw key.
        throw new IllegalArgumentException("header:" + name + " carries the provider key, which LLMCap never stores;"
            + " use per: apiKey (a SHA-256 fingerprint of the key) instead");
      }
      return header(name);
    }
    return switch (t) {
      case "service" -> SERVICE;
      case "apiKey" -> API_KEY;
      case "model" -> MODEL;
      case "provider" -> PROVIDER;
      default -> throw new IllegalArgumentException(
          "must be one of " + VALID_FORMS + ", got \"" + text + "\"");
    };
  }

  /** The counter's subject for this call; {@code ""} for {@link #NONE}. */
  public String subjectOf(CallAttributes call) {
    String value =
        switch (kind) {
          case NONE -> "";
          case SERVICE -> call.service();
          case API_KEY -> call.apiKeyFingerprint();
          case HEADER -> call.headers().get(headerName);
          case MODEL -> call.model();
          case PROVIDER -> call.provider();
        };
    if (value == null || value.isEmpty() && kind != Kind.NONE) {
      return MISSING;
    }
    return value.length() > MAX_SUBJECT_LENGTH ? value.substring(0, MAX_SUBJECT_LENGTH) : value;
  }

  /** True when the subject needs the model, which the headers phase may not know yet. */
  public boolean dependsOnModel() {
    return kind == Kind.MODEL;
  }

  /** The caps-file form; {@code ""} for {@link #NONE}. */
  @Override
  public String toString() {
    return switch (kind) {
      case NONE -> "";
      case SERVICE -> "service";
      case API_KEY -> "apiKey";
      case HEADER -> "header:" + headerName;
      case MODEL -> "model";
      case PROVIDER -> "provider";
    };
  }
}
