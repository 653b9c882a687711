package io.llmcap.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.llmcap.server.Engine;
import io.llmcap.server.LlmcapServer;
import io.llmcap.server.extproc.CallListener;
import io.llmcap.server.testing.TestEngines;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadGeneratorTest {
  private static final Duration SHORT = Duration.ofMillis(300);

  @Test
  void everyCallOfEveryWorkloadCompletesAgainstTheBaseline() throws Exception {
    Server server = BaselineServer.start(0);
    try (LoadGenerator load = new LoadGenerator(server.getPort(), 2)) {
      for (Workload w : List.of(Workload.chat("chat", 2048), Workload.streamed("stream", 2048, 200))) {
        LoadGenerator.Run run = load.closed(w, 4, Duration.ZERO, SHORT, () -> {}, () -> {});
        assertEquals(0, run.failed.get(), w.name() + ": " + run.failures);
        assertTrue(run.completed.get() > 0, w.name() + " completed no call");
        assertEquals(run.completed.get(), run.wholeCall.getIntervalHistogram().getTotalCount());
      }
    } finally {
      server.shutdownNow();
    }
  }

  @Test
  void llmcapReservesAndSettlesEveryBenchmarkCallRatherThanDenyingOrPassingIt(@TempDir Path dir) throws Exception {
    Engine engine = TestEngines.inMemory(java.nio.file.Files.readString(
        BenchMain.capsFile(dir, "memory", null)), Clock.systemUTC());
    ConcurrentLinkedQueue<CallListener.Outcome> outcomes = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Long> settled = new ConcurrentLinkedQueue<>();
    CallListener listener = new CallListener() {
      @Override
      public void decided(Decision decision) {
        outcomes.add(decision.outcome());
      }

      @Override
      public void settled(Settlement settlement) {
        settled.add(settlement.settledNanos());
      }
    };
    try (LlmcapServer server = new LlmcapServer(Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()),
        engine, Duration.ofSeconds(1), listener).start(null);
         LoadGenerator load = new LoadGenerator(server.grpcPort(), 1)) {
      for (Workload w : List.of(Workload.chat("chat", 2048), Workload.streamed("stream", 2048, 200))) {
        LoadGenerator.Run run = load.open(w, 50, Duration.ZERO, SHORT, () -> {}, () -> {});
        assertEquals(0, run.failed.get(), w.name() + ": " + run.failures);
        assertTrue(run.completed.get() > 0);
      }
    }
    assertTrue(outcomes.stream().allMatch(o -> o == CallListener.Outcome.ALLOWED), outcomes.toString());
    assertEquals(outcomes.size(), settled.size());
    assertTrue(settled.stream().allMatch(n -> n > 0), "every call is billed its usage: " + settled);
  }

  @Test
  void bodiesHaveTheSizesTheCasesAreNamedFor() {
    assertEquals(2048, Bodies.chatRequest(2048, false).length, 2);
    assertEquals(1024 * 1024, Bodies.chatRequest(1024 * 1024, false).length, 2);
    List<byte[]> sse = Bodies.sseChunks(200);
    assertEquals(200, sse.size());
    assertTrue(new String(sse.get(199), java.nio.charset.StandardCharsets.UTF_8).contains("\"usage\""));
  }
}
