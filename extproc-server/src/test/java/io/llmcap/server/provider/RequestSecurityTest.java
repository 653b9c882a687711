package io.llmcap.server.provider;

import static java.nio.charset.StandardCharsets.UTF_16LE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bodies that LLMCap and the provider could read differently are refused, with a message that
 * names the problem, for each body-model API.
 */
class RequestSecurityTest {

  private static final ProviderRegistry REGISTRY = ProviderRegistry.standard();

  /** Each API with a valid minimal body whose output-limit field is {@code LIMIT}. */
  static Stream<Arguments> apis() {
    return Stream.of(
        Arguments.of(
            route("api.openai.com", "/v1/chat/completions"),
            "{\"model\":\"gpt-4o\",\"max_completion_tokens\":LIMIT,\"stream\":STREAM,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "max_completion_tokens"),
        Arguments.of(
            route("api.anthropic.com", "/v1/messages"),
            "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":LIMIT,\"stream\":STREAM,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "max_tokens"),
        Arguments.of(
            route("api.openai.com", "/v1/responses"),
            "{\"model\":\"gpt-5-mini\",\"max_output_tokens\":LIMIT,\"stream\":STREAM,"
                + "\"input\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "max_output_tokens"),
        Arguments.of(
            route("api.openai.com", "/v1/completions"),
            "{\"model\":\"gpt-3.5-turbo-instruct\",\"max_tokens\":LIMIT,\"stream\":STREAM,"
                + "\"prompt\":\"hi\"}",
            "max_tokens"),
        Arguments.of(
            route("r.openai.azure.com", "/openai/v1/chat/completions"),
            "{\"model\":\"my-deployment\",\"max_completion_tokens\":LIMIT,\"stream\":STREAM,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "max_completion_tokens"),
        Arguments.of(
            route("api.mistral.ai", "/v1/chat/completions"),
            "{\"model\":\"mistral-large-latest\",\"max_tokens\":LIMIT,\"stream\":STREAM,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "max_tokens"),
        Arguments.of(
            REGISTRY.identify("vllm", "/v1/chat/completions", "openai-compatible").orElseThrow(),
            "{\"model\":\"llama-3.1-8b\",\"max_tokens\":LIMIT,\"stream\":STREAM,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "max_tokens"),
        Arguments.of(
            route("api.cohere.com", "/v2/chat"),
            "{\"model\":\"command-a-03-2025\",\"max_tokens\":LIMIT,\"stream\":STREAM,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "max_tokens"));
  }

  static Stream<Arguments> allApis() {
    return Stream.concat(
        apis(),
        Stream.of(
            Arguments.of(
                route("generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-flash:generateContent"),
                "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}],"
                    + "\"generationConfig\":{\"maxOutputTokens\":LIMIT}}",
                "generationConfig.maxOutputTokens"),
            Arguments.of(
                route("us-central1-aiplatform.googleapis.com",
                    "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-pro:generateContent"),
                "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}],"
                    + "\"generationConfig\":{\"maxOutputTokens\":LIMIT}}",
                "generationConfig.maxOutputTokens"),
            Arguments.of(
                route("us-east5-aiplatform.googleapis.com",
                    "/v1/projects/p/locations/l/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict"),
                "{\"anthropic_version\":\"vertex-2023-10-16\",\"max_tokens\":LIMIT,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "max_tokens"),
            Arguments.of(
                route("bedrock-runtime.us-east-1.amazonaws.com",
                    "/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/converse"),
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}],"
                    + "\"inferenceConfig\":{\"maxTokens\":LIMIT}}",
                "inferenceConfig.maxTokens"),
            Arguments.of(
                route("bedrock-runtime.us-east-1.amazonaws.com",
                    "/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke"),
                "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":LIMIT,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "max_tokens")));
  }

  private static ApiRoute route(String host, String path) {
    return REGISTRY.identify(host, path, null).orElseThrow();
  }

  private static String valid(String template) {
    return template.replace("LIMIT", "100").replace("STREAM", "false");
  }

  private static String refuse(ApiRoute route, byte[] body) {
    return assertThrows(
            InvalidRequestException.class, () -> route.api().parseRequest(route, body))
        .getMessage();
  }

  private static String refuse(ApiRoute route, String body) {
    return refuse(route, body.getBytes(UTF_8));
  }

  @ParameterizedTest
  @MethodSource("allApis")
  void validTemplateIsAccepted(ApiRoute route, String template, String limitField)
      throws InvalidRequestException {
    ParsedRequest parsed = route.api().parseRequest(route, valid(template).getBytes(UTF_8));

    assertEquals(100L, parsed.maxOutputTokens());
  }

  @ParameterizedTest
  @MethodSource("allApis")
  void duplicateKeyAtTopLevelIsRefused(ApiRoute route, String template, String limitField) {
    String body = valid(template).replaceFirst("\\{", "{\"x\":1,\"x\":2,");

    assertTrue(refuse(route, body).contains("duplicate key 'x'"), refuse(route, body));
  }

  @ParameterizedTest
  @MethodSource("allApis")
  void duplicateOutputLimitIsRefused(ApiRoute route, String template, String limitField) {
    String field = limitField.substring(limitField.lastIndexOf('.') + 1);
    String body = valid(template).replace("\"" + field + "\":100", "\"" + field + "\":100,\"" + field + "\":999999");

    assertTrue(refuse(route, body).contains("duplicate key"));
  }

  @ParameterizedTest
  @MethodSource("allApis")
  void duplicateKeyDeepInsideIsRefused(ApiRoute route, String template, String limitField) {
    String body = valid(template).replace("\"hi\"", "\"hi\",\"deep\":{\"a\":[{\"b\":1,\"b\":1}]}");

    assertTrue(refuse(route, body).contains("duplicate key 'b'"), refuse(route, body));
  }

  @ParameterizedTest
  @MethodSource("apis")
  void escapedKeyDecodesToTheSameNameAndItsDuplicateIsRefused(
      ApiRoute route, String template, String limitField) throws InvalidRequestException {
    String escaped = valid(template).replace("\"model\"", "\"mod\\u0065l\"");
    java.util.regex.Matcher model =
        java.util.regex.Pattern.compile("\"model\":\"([^\"]+)\"").matcher(template);
    assertTrue(model.find());
    assertEquals(
        model.group(1), route.api().parseRequest(route, escaped.getBytes(UTF_8)).model());

    String duplicated = valid(template).replaceFirst("\\{", "{\"mod\\\\u0065l\":\"cheap-model\",");
    assertTrue(refuse(route, duplicated).contains("duplicate key 'model'"));
  }

  @ParameterizedTest
  @MethodSource("allApis")
  void invalidUtf8IsRefused(ApiRoute route, String template, String limitField) {
    byte[] body = valid(template).replace("hi", "h\u00ffi").getBytes(UTF_8);
    // Turn the two-byte UTF-8 sequence of ÿ into a lone continuation byte.
    for (int i = 0; i < body.length; i++) {
      if (body[i] == (byte) 0xC3) {
        body[i] = 'x';
      }
    }
    assertTrue(refuse(route, body).contains("not valid UTF-8"));
  }

  @ParameterizedTest
  @MethodSource("allApis")
  void utf16BodyIsRefused(ApiRoute route, String template, String limitField) {
    assertTrue(refuse(route, valid(template).getBytes(UTF_16LE)).contains("strict JSON"));
  }

  @ParameterizedTest
  @MethodSource("allApis")
  void byteOrderMarkIsRefused(ApiRoute route, String template, String limitField) {
    assertTrue(refuse(route, "\uFEFF" + valid(template)).contains("byte order mark"));
  }

  @ParameterizedTest
  @MethodSource("allApis")
  void commentsAreRefused(ApiRoute route, String template, String limitField) {
    String body = valid(template).replaceFirst("\\{", "{/* \"max_tokens\":1, */");

    assertTrue(refuse(route, body).contains("strict JSON"));
    assertTrue(refuse(route, valid(template) + "// trailing").contains("strict JSON"));
  }

  @ParameterizedTest
  @MethodSource("allApis")
  void trailingDataIsRefused(ApiRoute route, String template, String limitField) {
    assertTrue(refuse(route, valid(template) + " {}").contains("strict JSON"));
    assertTrue(refuse(route, valid(template) + "x").contains("strict JSON"));
  }

  @ParameterizedTest
  @MethodSource("allApis")
  void nonObjectTopLevelIsRefused(ApiRoute route, String template, String limitField) {
    assertTrue(refuse(route, "[" + valid(template) + "]").contains("must be a JSON object"));
    assertTrue(refuse(route, "\"text\"").contains("must be a JSON object"));
    assertTrue(refuse(route, "null").contains("must be a JSON object"));
  }

  @ParameterizedTest
  @MethodSource("allApis")
  void emptyBodyIsRefused(ApiRoute route, String template, String limitField) {
    assertTrue(refuse(route, new byte[0]).contains("empty"));
    assertTrue(refuse(route, "  ").contains("JSON object"));
  }

  @ParameterizedTest
  @MethodSource("apis")
  void missingOrNonStringModelIsRefused(ApiRoute route, String template, String limitField) {
    String missing = valid(template).replaceFirst("\"model\":\"[^\"]*\",", "");
    String number = valid(template).replaceFirst("\"model\":\"[^\"]*\"", "\"model\":4");
    String array = valid(template).replaceFirst("\"model\":\"[^\"]*\"", "\"model\":[\"gpt-4o\"]");

    assertTrue(refuse(route, missing).contains("'model'"));
    assertTrue(refuse(route, number).contains("'model' must be a string"));
    assertTrue(refuse(route, array).contains("'model' must be a string"));
  }

  @ParameterizedTest
  @MethodSource("allApis")
  void outputLimitThatIsNotAPlainIntegerIsRefused(
      ApiRoute route, String template, String limitField) {
    for (String bad : new String[] {"\"100\"", "1.5", "100.0", "1e2", "-1", "2147483648", "true"}) {
      String body = template.replace("LIMIT", bad).replace("STREAM", "false");
      String message = refuse(route, body);
      assertTrue(message.contains("'" + limitField + "'"), bad + ": " + message);
    }
  }

  @ParameterizedTest
  @MethodSource("allApis")
  void largestIntegerOutputLimitIsAccepted(ApiRoute route, String template, String limitField)
      throws InvalidRequestException {
    byte[] body = template.replace("LIMIT", "2147483647").replace("STREAM", "false").getBytes(UTF_8);

    assertEquals(2147483647L, route.api().parseRequest(route, body).maxOutputTokens());
  }

  @ParameterizedTest
  @MethodSource("apis")
  void nonBooleanStreamIsRefused(ApiRoute route, String template, String limitField) {
    for (String bad : new String[] {"\"true\"", "1", "{}"}) {
      String body = template.replace("LIMIT", "100").replace("STREAM", bad);
      assertTrue(refuse(route, body).contains("'stream' must be true or false"), bad);
    }
  }

  @org.junit.jupiter.api.Test
  void mistralRefusesTheLimitFieldItDoesNotRead() {
    ApiRoute mistral = route("api.mistral.ai", "/v1/chat/completions");
    String message = refuse(mistral, "{\"model\":\"mistral-large-latest\","
        + "\"max_completion_tokens\":10,\"messages\":[]}");
    assertTrue(message.contains("max_completion_tokens") && message.contains("max_tokens"),
        message);
  }

  @org.junit.jupiter.api.Test
  void aPathModelPlatformRefusesABodyModelOrAStreamFlagThatDisagreesWithThePath() {
    ApiRoute vertex = route("us-east5-aiplatform.googleapis.com",
        "/v1/projects/p/locations/l/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict");
    String body = "{\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    assertTrue(refuse(vertex, body.replace("{", "{\"model\":\"claude-3-haiku\",") + "}")
        .contains("'model'"));
    assertTrue(refuse(vertex, body + ",\"stream\":true}").contains("'stream'"));
  }

  @org.junit.jupiter.api.Test
  void bedrockRefusesAnOutputLimitHiddenInAdditionalModelFields() {
    ApiRoute converse = route("bedrock-runtime.us-east-1.amazonaws.com",
        "/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/converse");
    String message = refuse(converse, "{\"messages\":[],\"inferenceConfig\":{\"maxTokens\":10},"
        + "\"additionalModelRequestFields\":{\"max_tokens\":64000}}");
    assertTrue(message.contains("additionalModelRequestFields.max_tokens"), message);
  }

  @org.junit.jupiter.api.Test
  void openAiResponsesRefusesBackgroundAndBoundsServerHeldContext()
      throws InvalidRequestException {
    ApiRoute responses = route("api.openai.com", "/v1/responses");
    assertTrue(refuse(responses, "{\"model\":\"gpt-5\",\"input\":\"hi\",\"background\":true}")
        .contains("background"));
    ParsedRequest followUp = responses.api().parseRequest(responses,
        "{\"model\":\"gpt-5\",\"input\":\"and?\",\"previous_response_id\":\"resp_1\"}"
            .getBytes(UTF_8));
    assertEquals(1, followUp.mediaCount());
  }
}
