package io.llmcap.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.llmcap.server.Engine;
import io.llmcap.server.LlmcapServer;
import io.llmcap.server.admin.AdminFeatures;
import io.llmcap.server.admin.AdminToken;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.ledger.LedgerStore;
import io.llmcap.server.ledger.ReserveOutcome;
import io.llmcap.server.testing.MutableClock;
import io.llmcap.server.testing.OpenAiCalls;
import io.llmcap.server.testing.TestEngines;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {
  private final MutableClock clock = MutableClock.at("2026-11-23T10:00:00Z");
  private final HttpClient http = HttpClient.newHttpClient();
  private LlmcapServer server;
  private ManagedChannel channel;
  private LlmcapMetrics metrics;

  private void start(String capsYaml, int topSubjects) throws Exception {
    Engine plain = TestEngines.inMemory(capsYaml, clock);
    AtomicReference<Engine> current = new AtomicReference<>();
    metrics = new LlmcapMetrics(current::get, topSubjects);
    Engine engine = TestEngines.with(plain.config(), metrics.timed(plain.ledger()), clock);
    current.set(engine);
    String name = InProcessServerBuilder.generateName();
    server = new LlmcapServer(InProcessServerBuilder.forName(name).directExecutor(), engine, Duration.ofSeconds(1),
        metrics.callListener())
        .adminFeatures(new AdminFeatures(metrics, AdminToken.none(), null))
        .start(new InetSocketAddress("127.0.0.1", 0));
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  private String scrape() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.adminPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("text/plain; version=0.0.4"));
    return r.body();
  }

  private static double value(String body, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(body);
    assertTrue(m.find(), "no series " + series + " in:\n" + body);
    return Double.parseDouble(m.group(1));
  }

  @Test
  void decisionsSpendStoreAndPhaseLatencyAreExposed() throws Exception {
    start("caps: [{name: org-daily, limitUsd: 0.001, window: day}]", 10);
    assertEquals(200, OpenAiCalls.call(channel, "checkout", "key-1", 1000));
    assertEquals(200, OpenAiCalls.call(channel, "checkout", "key-1", 1000));
    assertEquals(429, OpenAiCalls.call(channel, "checkout", "key-1", 1000), "0.00069 spent, 0.0006 bound > 0.00031 left");

    String body = scrape();
    assertEquals(2, value(body, "llmcap_decisions_total{outcome=\"allowed\",provider=\"openai\"}"));
    assertEquals(1, value(body, "llmcap_decisions_total{outcome=\"denied_cap\",provider=\"openai\"}"));
    assertEquals(2, value(body, "llmcap_settlements_total{provider=\"openai\"}"));
    assertEquals(2 * OpenAiCalls.USAGE_NANOS / 1e9, value(body, "llmcap_settled_usd_total{provider=\"openai\"}"), 1e-12);
    assertEquals(0.001, value(body, "llmcap_cap_limit_usd{cap=\"org-daily\"}"), 1e-12);
    assertEquals(2 * OpenAiCalls.USAGE_NANOS / 1e9, value(body, "llmcap_cap_spent_usd{cap=\"org-daily\"}"), 1e-12);
    assertEquals(0, value(body, "llmcap_cap_reserved_usd{cap=\"org-daily\"}"));
    assertEquals((1_000_000 - 2 * OpenAiCalls.USAGE_NANOS) / 1e9,
        value(body, "llmcap_cap_remaining_usd{cap=\"org-daily\"}"), 1e-12);
    assertEquals(1, value(body,
        "llmcap_cap_info{action=\"enforce\",cap=\"org-daily\",per=\"none\",window=\"day\"}"));
    assertEquals(3, value(body, "llmcap_store_operation_seconds_count{op=\"reserve\"}"),
        "every reservation timed, the refused one too");
    assertEquals(2, value(body, "llmcap_store_operation_seconds_count{op=\"settle\"}"));
    assertEquals(3, value(body, "llmcap_extproc_phase_seconds_count{phase=\"request_body\"}"));
    assertEquals(2, value(body, "llmcap_extproc_phase_seconds_count{phase=\"response_body\"}"));
    assertEquals(0, value(body, "llmcap_config_reloads_total{result=\"applied\"}"));
  }

  @Test
  void configReloadsAreCountedThroughTheirApi() throws Exception {
    start("caps: []", 10);
    metrics.configReloads().applied();
    metrics.configReloads().applied();
    metrics.configReloads().refused();
    String body = scrape();
    assertEquals(2, value(body, "llmcap_config_reloads_total{result=\"applied\"}"));
    assertEquals(1, value(body, "llmcap_config_reloads_total{result=\"refused\"}"));
  }

  @Test
  void onlyTheTopSubjectsOfAPerCapGetSeriesOfTheirOwn() throws Exception {
    start("caps: [{name: per-service, limitUsd: 1, window: day, per: service}]", 2);
    for (int i = 1; i <= 4; i++) {
      for (int n = 0; n < i; n++) {
        assertEquals(200, OpenAiCalls.call(channel, "svc-" + i, "key", 1000));
      }
    }
    String body = scrape();
    assertEquals(4, value(body, "llmcap_cap_subjects{cap=\"per-service\"}"));
    assertEquals(10 * OpenAiCalls.USAGE_NANOS / 1e9, value(body, "llmcap_cap_spent_usd{cap=\"per-service\"}"), 1e-12);
    assertEquals(4 * OpenAiCalls.USAGE_NANOS / 1e9,
        value(body, "llmcap_cap_subject_spent_usd{cap=\"per-service\",subject=\"svc-4\"}"), 1e-12);
    assertTrue(body.contains("subject=\"svc-3\""));
    assertFalse(body.contains("subject=\"svc-2\""), "beyond the top 2");
    assertFalse(body.contains("subject=\"svc-1\""));
    assertEquals((1_000_000_000 - 4 * OpenAiCalls.USAGE_NANOS) / 1e9,
        value(body, "llmcap_cap_remaining_usd{cap=\"per-service\"}"), 1e-12, "the tightest subject's room");
  }

  @Test
  void auditRecordsLostBySinkAreVisible() throws Exception {
    start("caps: []", 10);
    metrics.auditDrops("file", () -> 7);
    metrics.auditDrops("redis", () -> 0);
    String body = scrape();
    assertEquals(7, value(body, "llmcap_audit_dropped_total{sink=\"file\"}"));
    assertEquals(0, value(body, "llmcap_audit_dropped_total{sink=\"redis\"}"));
  }

  @Test
  void storeFailuresAreCountedByOperation() throws Exception {
    start("caps: []", 10);
    LedgerStore failing = metrics.timed(new io.llmcap.server.testing.SwitchableLedgerStore(
        io.llmcap.server.ledger.memory.MemoryLedgerStore.inMemory(java.time.Duration.ofMinutes(1),
            java.time.Clock.systemUTC())).down(true));
    for (int i = 0; i < 3; i++) {
      try {
        failing.reserve("c" + i, List.of(), 1, clock.instant());
      } catch (LedgerException expected) {
        // counted
      }
    }
    assertEquals(3, value(scrape(), "llmcap_store_errors_total{op=\"reserve\"}"));
  }
}
