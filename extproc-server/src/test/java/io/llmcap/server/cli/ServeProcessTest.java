package io.llmcap.server.cli;

import static io.llmcap.server.testing.ExtProcTestClient.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.llmcap.server.testing.ExtProcTestClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code llmcap serve} as a real process: settled spend survives {@code kill -9}, and SIGTERM
 * drains and exits cleanly.
 */
class ServeProcessTest {
  private static final String USAGE = "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini\","
      + "\"choices\":[],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":100,\"total_tokens\":1100}}";
  /** 1,000 input tokens at 150 and 100 output tokens at 600 nano-dollars (gpt-4o-mini). */
  private static final long USAGE_NANOS = 1000 * 150 + 100 * 600;

  @TempDir Path dir;
  private Process process;
  private Path log;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void kill() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private Process serve(Path caps, int grpcPort, int adminPort) throws Exception {
    log = dir.resolve("serve-" + System.nanoTime() + ".log");
    Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
        "--config", caps.toString(), "--grpc-port", Integer.toString(grpcPort),
        "--admin-port", Integer.toString(adminPort), "--admin-address", "127.0.0.1", "--grace", "5s"))
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (get(adminPort, "/readyz").statusCode() == 200) {
          return p;
        }
      } catch (IOException notYet) {
        // still starting
      }
      if (!p.isAlive()) {
        throw new AssertionError("serve exited early: " + Files.readString(log));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("serve did not become ready: " + Files.readString(log));
  }

  private HttpResponse<String> get(int adminPort, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static void oneCall(int grpcPort) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(headers(":method", "POST", ":path", "/v1/chat/completions", ":authority", "api.openai.com"), false);
      call.requestBody("{\"model\":\"gpt-4o-mini\",\"max_tokens\":200,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      call.responseHeaders(headers(":status", "200", "content-type", "application/json"), false);
      call.responseBody(USAGE, true);
    } finally {
      channel.shutdownNow();
    }
  }

  private long spent(int adminPort) throws Exception {
    JsonNode caps = new ObjectMapper().readTree(get(adminPort, "/v1/caps").body()).path("caps");
    long sum = 0;
    for (JsonNode c : caps) {
      sum += c.path("spentNanoUsd").asLong();
    }
    return sum;
  }

  @Test
  void settledSpendSurvivesKillNineAndSigtermDrainsCleanly() throws Exception {
    Path caps = dir.resolve("caps.yaml");
    Files.writeString(caps, "store: {type: memory, path: ./data}\ncaps: [{name: org, limitUsd: 10, window: day}]\n");
    int grpcPort = freePort();
    int adminPort = freePort();

    process = serve(caps, grpcPort, adminPort);
    oneCall(grpcPort);
    oneCall(grpcPort);
    assertEquals(2 * USAGE_NANOS, spent(adminPort));
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs

    process = serve(caps, grpcPort, adminPort);
    assertEquals(2 * USAGE_NANOS, spent(adminPort), "every settled nano-dollar survived kill -9");

    process.destroy(); // SIGTERM: drain, then exit
    assertTrue(process.waitFor(20, TimeUnit.SECONDS), "serve exits after SIGTERM");
    assertEquals(143, process.exitValue(), "the JVM's exit code after a handled SIGTERM");
    String output = Files.readString(log);
    assertTrue(output.contains("shutting down") && output.contains("LLMCap stopped"), output);
  }
}
