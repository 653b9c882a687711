package io.llmcap.server.provider;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmcap.pricing.Usage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A mutation fuzzer run by JUnit with fixed seeds and bounded iterations, so that it is
 * deterministic and takes a few seconds: every request parser and every response parser is fed
 * mutated valid inputs (byte flips, insertions, deletions, splices of security-relevant JSON
 * fragments).
 *
 * <p>Properties: a request parser either refuses with {@link InvalidRequestException} or returns
 * a model and a bounded output limit that a second, lenient JSON parser (last duplicate wins)
 * reads the same way, and the clamped body reads back at most the clamp; a response parser never
 * throws, never hangs, and reports non-negative usage.
 */
class ParserFuzzTest {

  private static final ProviderRegistry REGISTRY = ProviderRegistry.standard();
  private static final ObjectMapper LENIENT = new ObjectMapper();
  private static final int REQUEST_ITERATIONS = 1_500;
  private static final int RESPONSE_ITERATIONS = 400;
  private static final String[] FRAGMENTS = {
    "\"max_tokens\":1,", "\"max_completion_tokens\":99999999999,", "\"stream\":true,",
    "\"model\":\"x\",", "\"mod\\u0065l\":\"y\",", "/*c*/", "\uFEFF", "1e400", "-0", "\"100\"",
    "{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "0.5", "\"n\":3,",
    "\"maxOutputTokens\":5,", "\"max_output_tokens\":7,", "\"inferenceConfig\":{\"maxTokens\":1},",
    "\"background\":true,", "\u0000", "\r\n", "data: ", "event: message_delta\n", "\n\n",
  };

  static Stream<Arguments> requests() {
    return Stream.of(
        req("api.openai.com", "/v1/chat/completions", null,
            "{\"model\":\"gpt-4o\",\"max_completion_tokens\":100,\"stream\":true,\"n\":2,"
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]}",
            "model", "max_completion_tokens"),
        req("api.openai.com", "/v1/responses", null,
            "{\"model\":\"gpt-5\",\"max_output_tokens\":100,\"stream\":false,"
                + "\"input\":[{\"role\":\"user\",\"content\":\"hi\"}],\"instructions\":\"be brief\"}",
            "model", "max_output_tokens"),
        req("api.openai.com", "/v1/embeddings", null,
            "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",[1,2,3],\"b\"]}", "model", null),
        req("api.openai.com", "/v1/completions", null,
            "{\"model\":\"gpt-3.5-turbo-instruct\",\"max_tokens\":20,\"best_of\":2,\"prompt\":[\"a\"]}",
            "model", "max_tokens"),
        req("r.openai.azure.com", "/openai/deployments/dep/chat/completions", null,
            "{\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", null,
            "max_tokens"),
        req("api.anthropic.com", "/v1/messages", null,
            "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"system\":\"s\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\","
                + "\"cache_control\":{\"type\":\"ephemeral\"}}]}]}",
            "model", "max_tokens"),
        req("generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-flash:generateContent",
            null, "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}],"
                + "\"generationConfig\":{\"maxOutputTokens\":100,\"candidateCount\":1}}",
            null, null),
        req("bedrock-runtime.us-east-1.amazonaws.com", "/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/converse",
            null, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}],"
                + "\"inferenceConfig\":{\"maxTokens\":100},\"system\":[{\"text\":\"s\"}]}",
            null, null),
        req("api.mistral.ai", "/v1/chat/completions", null,
            "{\"model\":\"mistral-large-latest\",\"max_tokens\":100,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "model", "max_tokens"),
        req("api.cohere.com", "/v2/chat", null,
            "{\"model\":\"command-a-03-2025\",\"max_tokens\":100,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"documents\":[\"d\"]}",
            "model", "max_tokens"));
  }

  private static Arguments req(String host, String path, String hint, String body,
      String modelField, String limitField) {
    return Arguments.of(REGISTRY.identify(host, path, hint).orElseThrow(), body, modelField,
        limitField);
  }

  @ParameterizedTest
  @MethodSource("requests")
  void mutatedRequestsAreRefusedOrReadAsTheProviderWouldReadThem(
      ApiRoute route, String seed, String modelField, String limitField) {
    Random random = new Random(route.api().name().hashCode() * 31L + route.provider().ordinal());
    byte[] seedBytes = seed.getBytes(UTF_8);
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      for (int i = 0; i < REQUEST_ITERATIONS; i++) {
        byte[] body = mutate(seedBytes, random);
        ParsedRequest parsed;
        try {
          parsed = route.api().parseRequest(route, body);
        } catch (InvalidRequestException refused) {
          assertNotNull(refused.getMessage());
          continue;
        } catch (RuntimeException crash) {
          throw new AssertionError("parser crashed on " + printable(body), crash);
        }
        checkAccepted(route, body, parsed, modelField, limitField);
      }
    });
  }

  private static void checkAccepted(ApiRoute route, byte[] body, ParsedRequest parsed,
      String modelField, String limitField) throws Exception {
    String where = route.api().name() + " accepted " + printable(body);
    assertTrue(parsed.model() != null && !parsed.model().isEmpty(), where);
    Long limit = parsed.maxOutputTokens();
    assertTrue(limit == null || limit >= 0, where);
    JsonNode lenient = LENIENT.readTree(new String(body, UTF_8));
    if (modelField != null) {
      assertEquals(lenient.get(modelField).asText(), parsed.model(), where);
    }
    if (limitField != null && lenient.hasNonNull(limitField) && limit != null) {
      assertTrue(lenient.get(limitField).canConvertToLong()
          && lenient.get(limitField).longValue() <= limit, where);
    }
    if (lenient.has("stream") && lenient.get("stream").isBoolean() && route.pathModel() == null) {
      assertEquals(lenient.get("stream").booleanValue(), parsed.stream(), where);
    }
    if (limit != null && limit > 0) {
      byte[] clamped = route.api().withMaxOutputTokens(body, limit / 2);
      Long after = route.api().parseRequest(route, clamped).maxOutputTokens();
      assertTrue(after != null && after <= limit / 2, where + " clamped to " + after);
    }
  }

  static Stream<Arguments> responses() {
    return Stream.of(
        resp("api.openai.com", "/v1/chat/completions", "openai/chat-stream-azure.sse", true),
        resp("api.openai.com", "/v1/chat/completions", "openai/chat-completion.json", false),
        resp("api.openai.com", "/v1/responses", "golden/responses-stream.sse", true),
        resp("api.openai.com", "/v1/responses", "golden/responses.json", false),
        resp("api.openai.com", "/v1/completions", "golden/completions-stream.sse", true),
        resp("api.anthropic.com", "/v1/messages", "anthropic/messages-stream.sse", true),
        resp("generativelanguage.googleapis.com",
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent", "gemini/stream-array.json",
            false),
        resp("generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-flash:generateContent",
            "golden/gemini-audio.json", false),
        resp("api.cohere.com", "/v2/chat", "golden/cohere-stream.sse", true),
        resp("bedrock-runtime.us-east-1.amazonaws.com",
            "/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/converse", "golden/converse.json",
            false),
        Arguments.of(REGISTRY.identify("bedrock-runtime.us-east-1.amazonaws.com",
            "/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/converse-stream", null)
            .orElseThrow(), GoldenCostTest.converseStream(false), true));
  }

  private static Arguments resp(String host, String path, String fixture, boolean stream) {
    return Arguments.of(REGISTRY.identify(host, path, null).orElseThrow(),
        UsageParserFixtures.fixture(fixture), stream);
  }

  @ParameterizedTest
  @MethodSource("responses")
  void mutatedResponsesNeverCrashAndNeverReportNegativeUsage(
      ApiRoute route, byte[] seed, boolean stream) {
    Random random = new Random(Arrays.hashCode(seed));
    ParsedRequest request =
        new ParsedRequest("m", 10L, stream, List.of(), 1, 0, false, true);
    String contentType = !stream ? "application/json"
        : route.provider() == Provider.BEDROCK ? BaseUsageParser.AWS_EVENT_STREAM
        : "text/event-stream";
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      for (int i = 0; i < RESPONSE_ITERATIONS; i++) {
        byte[] body = mutate(seed, random);
        UsageParser parser = route.api().newUsageParser(route, request);
        try {
          parser.onResponseHeaders(random.nextInt(10) == 0 ? 500 : 200, contentType);
          int at = 0;
          while (at < body.length) {
            int size = 1 + random.nextInt(Math.min(body.length - at, 64));
            parser.onBody(Arrays.copyOfRange(body, at, at + size));
            at += size;
            if (random.nextInt(50) == 0) {
              parser.snapshot();
            }
          }
          parser.onEnd();
        } catch (RuntimeException crash) {
          fail(route.api().name() + " response parser crashed", crash);
        }
        Usage usage = parser.snapshot().usage();
        assertTrue(usage.promptTokens() >= 0 && usage.totalTokens() >= 0);
      }
    });
  }

  private static byte[] mutate(byte[] seed, Random random) {
    byte[] out = seed;
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits; e++) {
      int at = out.length == 0 ? 0 : random.nextInt(out.length);
      switch (random.nextInt(5)) {
        case 0 -> {
          if (out.length > 0) {
            out = out.clone();
            out[at] ^= (byte) (1 << random.nextInt(8));
          }
        }
        case 1 -> out = splice(out, at, 0, new byte[] {(byte) random.nextInt(256)});
        case 2 -> out = splice(out, at, Math.min(out.length - at, 1 + random.nextInt(8)),
            new byte[0]);
        case 3 -> out = splice(out, at, 0,
            FRAGMENTS[random.nextInt(FRAGMENTS.length)].getBytes(UTF_8));
        default -> {
          // Repeat a slice of the input: duplicated keys, events and frames.
          int length = Math.min(out.length - at, 1 + random.nextInt(40));
          out = splice(out, at, 0, Arrays.copyOfRange(out, at, at + length));
        }
      }
    }
    return out;
  }

  private static byte[] splice(byte[] in, int at, int remove, byte[] insert) {
    byte[] out = new byte[in.length - remove + insert.length];
    System.arraycopy(in, 0, out, 0, at);
    System.arraycopy(insert, 0, out, at, insert.length);
    System.arraycopy(in, at + remove, out, at + insert.length, in.length - at - remove);
    return out;
  }

  private static String printable(byte[] body) {
    return new String(body, UTF_8).replace("\n", "\\n");
  }
}
