package io.llmcap.server.provider;

import io.llmcap.server.provider.anthropic.AnthropicMessagesApi;
import io.llmcap.server.provider.gemini.GeminiGenerateContentApi;
import io.llmcap.server.provider.openai.OpenAiChatApi;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Identifies the provider API of a request from its headers, before any body arrives.
 *
 * <p>The path is matched as the client sent it, so Envoy's route prefix may still be on it
 * ({@code /openai/v1/chat/completions}): APIs are recognised by their path suffix. The provider
 * comes from the {@code x-llmcap-provider} hint when given (the shipped Envoy config sets it per
 * route), else from the provider's public host, else from the suffix alone (each suffix belongs to
 * one provider). Percent-escapes are decoded before matching, so an escaped {@code :} or {@code /}
 * cannot hide a billable method.
 */
public final class ProviderRegistry {

  private static final Map<String, Provider> HOSTS =
      Map.of(
          "api.openai.com", Provider.OPENAI,
          "api.anthropic.com", Provider.ANTHROPIC,
          "generativelanguage.googleapis.com", Provider.GEMINI);

  private static final Pattern GEMINI_METHOD =
      Pattern.compile(
          "(?:.*/)?v1(?:alpha|beta)?/((?:models|tunedModels)/[^/:]+)"
              + ":(generateContent|streamGenerateContent|countTokens)");

  private final ProviderApi openAiChat;
  private final ProviderApi anthropicMessages;
  private final ProviderApi geminiGenerateContent;

  private ProviderRegistry(
      ProviderApi openAiChat, ProviderApi anthropicMessages, ProviderApi geminiGenerateContent) {
    this.openAiChat = openAiChat;
    this.anthropicMessages = anthropicMessages;
    this.geminiGenerateContent = geminiGenerateContent;
  }

  /** The registry of the APIs LLMCap prices: OpenAI chat, Anthropic messages, Gemini. */
  public static ProviderRegistry standard() {
    return new ProviderRegistry(
        OpenAiChatApi.INSTANCE, AnthropicMessagesApi.INSTANCE, GeminiGenerateContentApi.INSTANCE);
  }

  /**
   * @param authority the {@code :authority} header (host, optional port), may be null
   * @param path the {@code :path} header including any query, as the client sent it
   * @param providerHint the {@code x-llmcap-provider} metadata value, or null; when present it
   *     decides the provider, and a value naming no known provider identifies nothing
   * @return the route, or empty for a path that is not a priced or free API of the provider
   */
  public Optional<ApiRoute> identify(String authority, String path, String providerHint) {
    if (path == null || path.isEmpty()) {
      return Optional.empty();
    }
    int queryStart = path.indexOf('?');
    String rawPath = queryStart < 0 ? path : path.substring(0, queryStart);
    String query = queryStart < 0 ? "" : path.substring(queryStart + 1);
    Optional<String> decoded = percentDecode(rawPath);
    if (decoded.isEmpty()) {
      return Optional.empty();
    }
    Optional<Provider> provider = provider(authority, providerHint);
    if (provider.isEmpty() && providerHint != null && !providerHint.isBlank()) {
      return Optional.empty();
    }
    String apiPath = decoded.get();
    boolean sse = "sse".equals(queryParameter(query, "alt"));
    Optional<ApiRoute> route = matchOpenAi(apiPath);
    if (route.isEmpty()) {
      route = matchAnthropic(apiPath);
    }
    if (route.isEmpty()) {
      route = matchGemini(apiPath, sse);
    }
    return route.filter(r -> provider.isEmpty() || r.provider() == provider.get());
  }

  private Optional<ApiRoute> matchOpenAi(String path) {
    if (path.endsWith("/v1/chat/completions")) {
      return Optional.of(new ApiRoute(openAiChat, null, false, false, false));
    }
    return Optional.empty();
  }

  private Optional<ApiRoute> matchAnthropic(String path) {
    if (path.endsWith("/v1/messages")) {
      return Optional.of(new ApiRoute(anthropicMessages, null, false, false, false));
    }
    if (path.endsWith("/v1/messages/count_tokens")) {
      return Optional.of(new ApiRoute(anthropicMessages, null, false, false, true));
    }
    return Optional.empty();
  }

  private Optional<ApiRoute> matchGemini(String path, boolean sse) {
    Matcher m = GEMINI_METHOD.matcher(path);
    if (!m.matches()) {
      return Optional.empty();
    }
    String resource = m.group(1);
    // Catalog keys name base models bare; a tuned model keeps its prefix so it never collides.
    String model =
        resource.startsWith("models/") ? resource.substring("models/".length()) : resource;
    String method = m.group(2);
    boolean streaming = method.equals("streamGenerateContent");
    boolean free = method.equals("countTokens");
    return Optional.of(
        new ApiRoute(geminiGenerateContent, model, streaming, streaming && sse, free));
  }

  private static Optional<Provider> provider(String authority, String providerHint) {
    if (providerHint != null && !providerHint.isBlank()) {
      return Provider.fromId(providerHint);
    }
    if (authority == null) {
      return Optional.empty();
    }
    String host = authority.trim().toLowerCase(Locale.ROOT);
    int port = host.lastIndexOf(':');
    if (port > 0 && host.indexOf(']') < port) {
      host = host.substring(0, port);
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    return Optional.ofNullable(HOSTS.get(host));
  }

  private static String queryParameter(String query, String name) {
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      if (percentDecode(key).filter(name::equals).isPresent()) {
        return eq < 0 ? "" : percentDecode(pair.substring(eq + 1)).orElse(null);
      }
    }
    return null;
  }

  /** RFC 3986 percent-decoding as UTF-8 ({@code +} stays a plus); empty on a malformed escape. */
  static Optional<String> percentDecode(String text) {
    if (text.indexOf('%') < 0) {
      return Optional.of(text);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
    byte[] raw = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] != '%') {
        bytes.write(raw[i]);
        continue;
      }
      if (i + 2 >= raw.length) {
        return Optional.empty();
      }
      int hi = Character.digit(raw[i + 1], 16);
      int lo = Character.digit(raw[i + 2], 16);
      if (hi < 0 || lo < 0) {
        return Optional.empty();
      }
      bytes.write(hi * 16 + lo);
      i += 2;
    }
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes.toByteArray()))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }
}
