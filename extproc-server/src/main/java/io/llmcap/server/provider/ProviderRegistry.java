package io.llmcap.server.provider;

import io.llmcap.server.provider.anthropic.AnthropicMessagesApi;
import io.llmcap.server.provider.bedrock.BedrockConverseApi;
import io.llmcap.server.provider.cohere.CohereChatApi;
import io.llmcap.server.provider.gemini.GeminiGenerateContentApi;
import io.llmcap.server.provider.openai.OpenAiChatApi;
import io.llmcap.server.provider.openai.OpenAiCompletionsApi;
import io.llmcap.server.provider.openai.OpenAiEmbeddingsApi;
import io.llmcap.server.provider.openai.OpenAiResponsesApi;
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
 * route), else from the provider's public host (or a host added with {@link #withHost}), else
 * from the path alone: a path several providers share ({@code /v1/chat/completions}) is then
 * taken as OpenAI's, the others (Azure deployments, Vertex publishers, Bedrock models, Cohere v2)
 * belong to one provider. Percent-escapes are decoded before matching, so an escaped {@code :} or
 * {@code /} cannot hide a billable method.
 */
public final class ProviderRegistry {

  private static final Map<String, Provider> HOSTS =
      Map.of(
          "api.openai.com", Provider.OPENAI,
          "api.anthropic.com", Provider.ANTHROPIC,
          "generativelanguage.googleapis.com", Provider.GEMINI,
          "aiplatform.googleapis.com", Provider.VERTEX,
          "api.mistral.ai", Provider.MISTRAL,
          "api.cohere.com", Provider.COHERE,
          "api.cohere.ai", Provider.COHERE);

  private static final Map<String, Provider> HOST_SUFFIXES =
      Map.of(
          ".openai.azure.com", Provider.AZURE,
          ".cognitiveservices.azure.com", Provider.AZURE,
          ".services.ai.azure.com", Provider.AZURE,
          "-aiplatform.googleapis.com", Provider.VERTEX);

  private static final Pattern BEDROCK_HOST =
      Pattern.compile("bedrock-runtime(?:-fips)?\\.[a-z0-9-]+\\.amazonaws\\.com(?:\\.cn)?");

  private static final Pattern GEMINI_METHOD =
      Pattern.compile(
          "(?:.*/)?v1(?:alpha|beta)?/((?:models|tunedModels)/[^/:]+)"
              + ":(generateContent|streamGenerateContent|countTokens)");

  /** Vertex AI publisher models, regional or global, and the API-key "express" form. */
  private static final Pattern VERTEX_METHOD =
      Pattern.compile(
          "(?:.*/)?v1(?:beta1)?/(?:projects/[^/]+/locations/[^/]+/)?publishers/(google|anthropic)"
              + "/models/([^/:]+):(generateContent|streamGenerateContent|countTokens"
              + "|rawPredict|streamRawPredict)");

  /** Bedrock Runtime; the model id may be an ARN whose {@code /} arrived escaped. */
  private static final Pattern BEDROCK_METHOD =
      Pattern.compile(
          "(?:.*/)?model/(.+)/(converse|converse-stream|invoke|invoke-with-response-stream)");

  private static final Pattern AZURE_DEPLOYMENT =
      Pattern.compile("(?:.*/)?openai/deployments/([^/]+)/(chat/completions|completions|embeddings)");

  private final Map<String, Provider> extraHosts;

  private ProviderRegistry(Map<String, Provider> extraHosts) {
    this.extraHosts = Map.copyOf(extraHosts);
  }

  /** The registry of every API LLMCap prices (see the README's table of supported APIs). */
  public static ProviderRegistry standard() {
    return new ProviderRegistry(Map.of());
  }

  /**
   * This registry with one more host bound to a provider, e.g. an OpenAI-compatible server
   * ({@code vllm.internal:8000} to {@link Provider#OPENAI_COMPATIBLE}). Matched without the port.
   */
  public ProviderRegistry withHost(String host, Provider provider) {
    Map<String, Provider> hosts = new java.util.HashMap<>(extraHosts);
    hosts.put(normalizeHost(host), provider);
    return new ProviderRegistry(hosts);
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
    if (provider.isPresent()) {
      return match(provider.get(), apiPath, sse);
    }
    for (Provider candidate :
        new Provider[] {
          Provider.OPENAI, Provider.ANTHROPIC, Provider.GEMINI, Provider.AZURE, Provider.VERTEX,
          Provider.BEDROCK, Provider.COHERE
        }) {
      Optional<ApiRoute> route = match(candidate, apiPath, sse);
      if (route.isPresent()) {
        return route;
      }
    }
    return Optional.empty();
  }

  private static Optional<ApiRoute> match(Provider provider, String path, boolean sse) {
    return switch (provider) {
      case OPENAI, OPENAI_COMPATIBLE -> matchOpenAi(provider, path, false);
      case AZURE -> matchAzure(path);
      case ANTHROPIC -> matchAnthropic(path);
      case GEMINI -> matchGemini(path, sse);
      case VERTEX -> matchVertex(path, sse);
      case BEDROCK -> matchBedrock(path);
      case MISTRAL -> path.endsWith("/v1/chat/completions")
          ? Optional.of(route(OpenAiChatApi.MISTRAL, Provider.MISTRAL, null, false, false))
          : Optional.empty();
      case COHERE -> path.endsWith("/v2/chat")
          ? Optional.of(route(CohereChatApi.INSTANCE, Provider.COHERE, null, false, false))
          : Optional.empty();
    };
  }

  private static ApiRoute route(
      ProviderApi api, Provider provider, String pathModel, boolean streaming, boolean free) {
    return new ApiRoute(api, provider, pathModel, streaming, false, free, false);
  }

  private static Optional<ApiRoute> matchOpenAi(
      Provider provider, String path, boolean deployment) {
    ProviderApi chat = switch (provider) {
      case AZURE -> OpenAiChatApi.AZURE;
      case OPENAI_COMPATIBLE -> OpenAiChatApi.COMPATIBLE;
      default -> OpenAiChatApi.INSTANCE;
    };
    ProviderApi api = null;
    boolean free = false;
    if (path.endsWith("/v1/chat/completions")) {
      api = chat;
    } else if (path.endsWith("/v1/responses")) {
      api = OpenAiResponsesApi.INSTANCE;
    } else if (path.endsWith("/v1/responses/input_tokens")) {
      api = OpenAiResponsesApi.INSTANCE;
      free = true;
    } else if (path.endsWith("/v1/embeddings")) {
      api = OpenAiEmbeddingsApi.INSTANCE;
    } else if (path.endsWith("/v1/completions")) {
      api = OpenAiCompletionsApi.INSTANCE;
    }
    return api == null
        ? Optional.empty()
        : Optional.of(new ApiRoute(api, provider, null, false, false, free, deployment));
  }

  /**
   * Azure OpenAI: {@code /openai/deployments/{deployment}/...} names the deployment in the path;
   * the v1 API ({@code /openai/v1/...}) and {@code /openai/responses} name it in the body's
   * {@code model}. Either way it is a deployment name.
   */
  private static Optional<ApiRoute> matchAzure(String path) {
    Matcher m = AZURE_DEPLOYMENT.matcher(path);
    if (m.matches()) {
      ProviderApi api = switch (m.group(2)) {
        case "chat/completions" -> OpenAiChatApi.AZURE;
        case "completions" -> OpenAiCompletionsApi.INSTANCE;
        default -> OpenAiEmbeddingsApi.INSTANCE;
      };
      return Optional.of(new ApiRoute(api, Provider.AZURE, m.group(1), false, false, false, true));
    }
    if (path.endsWith("/openai/responses")) {
      return Optional.of(
          new ApiRoute(OpenAiResponsesApi.INSTANCE, Provider.AZURE, null, false, false, false, true));
    }
    return matchOpenAi(Provider.AZURE, path, true);
  }

  private static Optional<ApiRoute> matchAnthropic(String path) {
    if (path.endsWith("/v1/messages")) {
      return Optional.of(route(AnthropicMessagesApi.INSTANCE, Provider.ANTHROPIC, null, false, false));
    }
    if (path.endsWith("/v1/messages/count_tokens")) {
      return Optional.of(route(AnthropicMessagesApi.INSTANCE, Provider.ANTHROPIC, null, false, true));
    }
    return Optional.empty();
  }

  private static Optional<ApiRoute> matchGemini(String path, boolean sse) {
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
        new ApiRoute(GeminiGenerateContentApi.INSTANCE, Provider.GEMINI, model, streaming,
            streaming && sse, free, false));
  }

  private static Optional<ApiRoute> matchVertex(String path, boolean sse) {
    Matcher m = VERTEX_METHOD.matcher(path);
    if (!m.matches()) {
      return Optional.empty();
    }
    boolean anthropic = m.group(1).equals("anthropic");
    String model = m.group(2);
    String method = m.group(3);
    boolean raw = method.endsWith("awPredict");
    if (anthropic != raw) {
      // Claude is only served through rawPredict, Gemini only through generateContent.
      return Optional.empty();
    }
    if (anthropic) {
      boolean free = model.equals("count-tokens");
      return Optional.of(new ApiRoute(AnthropicMessagesApi.INSTANCE, Provider.VERTEX,
          free ? null : model, method.equals("streamRawPredict"), false, free, false));
    }
    boolean streaming = method.equals("streamGenerateContent");
    return Optional.of(new ApiRoute(GeminiGenerateContentApi.INSTANCE, Provider.VERTEX, model,
        streaming, streaming && sse, method.equals("countTokens"), false));
  }

  private static Optional<ApiRoute> matchBedrock(String path) {
    Matcher m = BEDROCK_METHOD.matcher(path);
    if (!m.matches()) {
      return Optional.empty();
    }
    String model = m.group(1);
    String method = m.group(2);
    boolean streaming = method.endsWith("-stream");
    ProviderApi api = method.startsWith("converse")
        ? BedrockConverseApi.INSTANCE
        : AnthropicMessagesApi.INSTANCE;
    if (api == AnthropicMessagesApi.INSTANCE && !model.contains("anthropic.")) {
      // InvokeModel bodies are each model family's native schema; only Anthropic's is read.
      return Optional.empty();
    }
    return Optional.of(new ApiRoute(api, Provider.BEDROCK, model, streaming, false, false, false));
  }

  /**
   * The provider a request is for, from the route's hint or the host alone, whatever its path:
   * a known provider with a path that {@link #identify} does not recognise is an API LLMCap cannot
   * price, and must not pass uncapped.
   */
  public Optional<Provider> providerOf(String authority, String providerHint) {
    return provider(authority, providerHint);
  }

  private Optional<Provider> provider(String authority, String providerHint) {
    if (providerHint != null && !providerHint.isBlank()) {
      return Provider.fromId(providerHint);
    }
    if (authority == null) {
      return Optional.empty();
    }
    String host = normalizeHost(authority);
    Provider known = extraHosts.get(host);
    if (known == null) {
      known = HOSTS.get(host);
    }
    if (known == null) {
      for (Map.Entry<String, Provider> suffix : HOST_SUFFIXES.entrySet()) {
        if (host.endsWith(suffix.getKey())) {
          known = suffix.getValue();
        }
      }
    }
    if (known == null && BEDROCK_HOST.matcher(host).matches()) {
      known = Provider.BEDROCK;
    }
    return Optional.ofNullable(known);
  }

  private static String normalizeHost(String authority) {
    String host = authority.trim().toLowerCase(Locale.ROOT);
    int port = host.lastIndexOf(':');
    if (port > 0 && host.indexOf(']') < port) {
      host = host.substring(0, port);
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    return host;
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
