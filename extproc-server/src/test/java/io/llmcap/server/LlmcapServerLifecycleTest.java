package io.llmcap.server;

import static io.llmcap.server.testing.ExtProcTestClient.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.llmcap.server.config.CapsConfig;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.memory.MemoryLedgerStore;
import io.llmcap.server.testing.ExtProcTestClient;
import io.llmcap.server.testing.MutableClock;
import io.llmcap.server.testing.TestEngines;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start, health and shutdown: a stopping server settles the calls it still carries. */
class LlmcapServerLifecycleTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

  @Test
  void shutdownGoesNotServingAndSettlesInFlightCallsBeforeClosingTheStore(@TempDir Path dir) throws Exception {
    CapsConfig config = TestEngines.caps("caps: [{name: org, limitUsd: 10, window: day}]");
    Engine engine = TestEngines.with(config, MemoryLedgerStore.open(dir, Duration.ofMinutes(10), clock), clock);
    String name = InProcessServerBuilder.generateName();
    LlmcapServer server = new LlmcapServer(InProcessServerBuilder.forName(name), engine, Duration.ofMillis(300)).start(null);
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    var health = HealthGrpc.newBlockingStub(channel);
    assertEquals(HealthCheckResponse.ServingStatus.SERVING,
        health.check(HealthCheckRequest.getDefaultInstance()).getStatus());

    ExtProcTestClient call = new ExtProcTestClient(channel, "openai");
    call.requestHeaders(headers(":method", "POST", ":path", "/v1/chat/completions", ":authority", "api.openai.com"), false);
    call.requestBody("{\"model\":\"gpt-4o-mini\",\"max_tokens\":100,\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    call.responseHeaders(headers(":status", "200", "content-type", "text/event-stream"), false);
    long held = engine.ledger().snapshot(clock.instant()).stream().mapToLong(CapStatus::reservedNanos).sum();
    assertTrue(held > 0);

    CompletableFuture.runAsync(server::close).get();
    channel.shutdownNow();

    try (MemoryLedgerStore reopened = MemoryLedgerStore.open(dir, Duration.ofMinutes(10), clock)) {
      assertEquals(0, reopened.recovery().chargedHolds(), "the call was settled before the store closed");
      long spent = reopened.snapshot(clock.instant()).stream().mapToLong(CapStatus::spentNanos).sum();
      // Charged in full: its exact bound (the hold was the looser byte bound), never zero.
      assertTrue(spent > 0 && spent <= held, "a call cut by shutdown is charged its bound: " + spent + " of " + held);
    }
  }
}
