package io.llmcap.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmcap.server.Engine;
import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.testing.MutableClock;
import io.llmcap.server.testing.TestEngines;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class AdminHttpServerTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(AdminHttpServer admin, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void capsListsEveryTouchedInstanceWithExactAndReadableMoney() throws Exception {
    Engine engine = TestEngines.inMemory("caps: [{name: per-service-daily, limitUsd: 50, window: day, per: service}]", clock);
    CapInstance cap = new CapInstance("per-service-daily", "spiffe://cluster.local/ns/shop/sa/checkout", "day",
        Instant.parse("2026-11-23T00:00:00Z"), Instant.parse("2026-11-24T00:00:00Z"), 50_000_000_000L, CapAction.ENFORCE);
    engine.ledger().reserve("c1", List.of(cap), 2_000_000_000L, clock.instant());
    engine.ledger().settle("c1", 1_234_567_890L, clock.instant());

    try (AdminHttpServer admin = AdminHttpServer.start(new InetSocketAddress("127.0.0.1", 0), () -> engine, () -> true)) {
      HttpResponse<String> response = get(admin, "/v1/caps");
      assertEquals(200, response.statusCode());
      assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
      JsonNode c = new ObjectMapper().readTree(response.body()).path("caps").get(0);
      assertEquals("per-service-daily", c.path("name").asText());
      assertEquals("spiffe://cluster.local/ns/shop/sa/checkout", c.path("subject").asText());
      assertEquals("2026-11-23T00:00:00Z", c.path("windowStart").asText());
      assertEquals("2026-11-24T00:00:00Z", c.path("resetsAt").asText());
      assertEquals("enforce", c.path("action").asText());
      assertEquals(50_000_000_000L, c.path("limitNanoUsd").asLong());
      assertEquals(1_234_567_890L, c.path("spentNanoUsd").asLong());
      assertEquals(0, c.path("reservedNanoUsd").asLong());
      assertEquals(48_765_432_110L, c.path("remainingNanoUsd").asLong());
      assertEquals("1.234567890", c.path("spentUsd").asText());
      assertEquals("48.765432110", c.path("remainingUsd").asText());
    }
  }

  @Test
  void readinessFollowsServingState() throws Exception {
    Engine engine = TestEngines.inMemory("caps: []", clock);
    AtomicBoolean serving = new AtomicBoolean(true);
    try (AdminHttpServer admin = AdminHttpServer.start(new InetSocketAddress("127.0.0.1", 0), () -> engine, serving::get)) {
      assertEquals(200, get(admin, "/healthz").statusCode());
      assertEquals(200, get(admin, "/readyz").statusCode());
      serving.set(false);
      assertEquals(503, get(admin, "/readyz").statusCode());
      assertEquals(200, get(admin, "/healthz").statusCode(), "alive while draining");
    }
  }
}
