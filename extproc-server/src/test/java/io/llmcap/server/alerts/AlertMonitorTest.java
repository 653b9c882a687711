package io.llmcap.server.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.llmcap.server.Engine;
import io.llmcap.server.LlmcapServer;
import io.llmcap.server.extproc.CallListeners;
import io.llmcap.server.testing.MutableClock;
import io.llmcap.server.testing.OpenAiCalls;
import io.llmcap.server.testing.TestEngines;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AlertMonitorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final MutableClock clock = MutableClock.at("2026-11-23T10:00:00Z");
  private final List<JsonNode> delivered = new CopyOnWriteArrayList<>();
  private final AtomicInteger posts = new AtomicInteger();
  private HttpServer webhook;
  private LlmcapServer server;
  private ManagedChannel channel;
  private AlertMonitor replicaA;
  private AlertMonitor replicaB;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
    if (replicaA != null) {
      replicaA.close();
      replicaB.close();
    }
    if (webhook != null) {
      webhook.stop(0);
    }
  }

  /** A loopback webhook that fails the first {@code failures} posts with 503. */
  private URI startWebhook(int failures) throws Exception {
    webhook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    webhook.createContext("/hook", ex -> {
      byte[] body = ex.getRequestBody().readAllBytes();
      int n = posts.incrementAndGet();
      if (n <= failures) {
        ex.sendResponseHeaders(503, -1);
      } else {
        delivered.add(JSON.readTree(body));
        ex.sendResponseHeaders(204, -1);
      }
      ex.close();
    });
    webhook.start();
    return URI.create("http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook");
  }

  private Engine start(String capsYaml, URI hook) throws Exception {
    Engine engine = TestEngines.inMemory(capsYaml, clock);
    // Two replicas' monitors on one store, both told of every decision: each alert must still fire once.
    replicaA = new AlertMonitor(engine.config().alerts(), engine::ledger, new WebhookSink(hook, 4, Duration.ofMillis(20)));
    replicaB = new AlertMonitor(engine.config().alerts(), engine::ledger, new WebhookSink(hook, 4, Duration.ofMillis(20)));
    String name = InProcessServerBuilder.generateName();
    server = new LlmcapServer(InProcessServerBuilder.forName(name).directExecutor(), engine, Duration.ofSeconds(1),
        CallListeners.of(List.of(replicaA, replicaB))).start(null);
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    return engine;
  }

  private Set<String> deliveredAlerts() throws Exception {
    replicaA.awaitIdle(Duration.ofSeconds(5));
    replicaB.awaitIdle(Duration.ofSeconds(5));
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    int seen = -1;
    // Deliveries run on the webhook threads; wait until they settle.
    while (System.nanoTime() < deadline) {
      Thread.sleep(150);
      if (delivered.size() == seen) {
        break;
      }
      seen = delivered.size();
    }
    Set<String> out = new TreeSet<>();
    for (JsonNode n : delivered) {
      JsonNode a = n.path("alert");
      assertTrue(n.path("text").asText().startsWith("LLMCap: "), n.toString());
      String name = a.path("cap").asText() + "@" + a.path("windowStart").asText().substring(0, 10) + "@" + (a.path("threshold").isNull() ? a.path("kind").asText()
          : a.path("threshold").asText());
      assertTrue(out.add(name), "alert sent twice: " + name + " in " + delivered);
    }
    return out.stream().map(s -> s.replace("@2026-11-23", "")).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
  }

  @Test
  void eachThresholdFiresOncePerInstanceAcrossReplicasAndShadowCapsAlertOnWouldBeDenials() throws Exception {
    start("""
        caps:
          - {name: team, limitUsd: 0.002, window: day}
          - {name: trial, limitUsd: 0.001, window: day, action: shadow}
        alerts:
          thresholds: [0.5, 0.8, 1.0]
        """, startWebhook(0));
    for (int i = 0; i < 6; i++) {
      OpenAiCalls.call(channel, "checkout", "key-1", 1000);
    }
    Set<String> got = deliveredAlerts();
    assertTrue(got.containsAll(Set.of("team@0.5", "team@0.8", "trial@0.5", "trial@0.8", "trial@1",
        "trial@shadow_would_deny")), got.toString());
    assertEquals(posts.get(), delivered.size(), "nothing failed, nothing was retried");
  }

  @Test
  void aFailingWebhookIsRetriedWithBackoffUntilItAnswers() throws Exception {
    start("""
        caps: [{name: team, limitUsd: 0.001, window: day}]
        alerts: {thresholds: [0.5]}
        """, startWebhook(2));
    OpenAiCalls.call(channel, "checkout", "key-1", 1000);
    assertEquals(Set.of("team@0.5"), deliveredAlerts());
    assertEquals(3, posts.get(), "two 503s, then delivered");
  }

  @Test
  void aNewWindowFiresTheThresholdAgain() throws Exception {
    start("""
        caps: [{name: team, limitUsd: 0.001, window: day}]
        alerts: {thresholds: [0.5]}
        """, startWebhook(0));
    OpenAiCalls.call(channel, "checkout", "key-1", 1000);
    OpenAiCalls.call(channel, "checkout", "key-1", 1000);
    assertEquals(1, deliveredAlerts().size());
    clock.advance(Duration.ofDays(1));
    OpenAiCalls.call(channel, "checkout", "key-1", 1000);
    assertEquals(Set.of("team@0.5", "team@2026-11-24@0.5"), deliveredAlerts());
    assertTrue(delivered.get(1).path("alert").path("windowStart").asText().startsWith("2026-11-24"));
  }

  @Test
  void thresholdsCompareExactly() {
    var monitor = new AlertMonitor(new io.llmcap.server.config.AlertsConfig(
        List.of(new java.math.BigDecimal("0.50"), new java.math.BigDecimal("1")), null), () -> null, AlertSink.NONE);
    assertEquals(List.of("0.5", "1"), monitor.thresholdNames());
    monitor.close();
  }

  @Test
  void aReloadedCapsFileBringsItsOwnThresholds() {
    var current = new java.util.concurrent.atomic.AtomicReference<>(new io.llmcap.server.config.AlertsConfig(
        List.of(new java.math.BigDecimal("0.5")), null));
    var monitor = new AlertMonitor(current::get, () -> null, AlertSink.NONE);
    assertEquals(List.of("0.5"), monitor.thresholdNames());
    current.set(new io.llmcap.server.config.AlertsConfig(
        List.of(new java.math.BigDecimal("0.9"), new java.math.BigDecimal("1.0")), null));
    assertEquals(List.of("0.9", "1"), monitor.thresholdNames());
    monitor.close();
  }
}
