package io.llmcap.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminWritesTest {
  private static final String TOKEN = "s3cret-admin-token-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final MutableClock clock = MutableClock.at("2026-11-23T10:00:00Z");
  private final HttpClient http = HttpClient.newHttpClient();
  private final Engine engine = TestEngines.inMemory("""
      caps:
        - {name: org-daily, limitUsd: 10, window: day}
        - {name: per-service, limitUsd: 1, window: day, per: service}
      """, clock);
  private AdminHttpServer admin;

  @AfterEach
  void stop() {
    if (admin != null) {
      admin.close();
    }
  }

  private void start(AdminToken token) throws Exception {
    admin = AdminHttpServer.start(new InetSocketAddress("127.0.0.1", 0), () -> engine, () -> true,
        new AdminFeatures(null, token, new RecentDenials(10)));
  }

  private HttpResponse<String> send(String method, String path, String authorization, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      b.header("authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return send("POST", path, "Bearer " + TOKEN, body);
  }

  private CapInstance instance(String name, String subject, long limit) {
    return new CapInstance(name, subject, "day", Instant.parse("2026-11-23T00:00:00Z"),
        Instant.parse("2026-11-24T00:00:00Z"), limit, CapAction.ENFORCE);
  }

  private void spend(CapInstance cap, String callId, long nanos) throws Exception {
    engine.ledger().reserve(callId, List.of(cap), nanos, clock.instant());
    engine.ledger().settle(callId, nanos, clock.instant());
  }

  private JsonNode caps() throws Exception {
    return JSON.readTree(send("GET", "/v1/caps", null, null).body());
  }

  @Test
  void writesAreRefusedWithAClearMessageWhenNoTokenIsConfigured() throws Exception {
    start(AdminToken.none());
    HttpResponse<String> r = post("/v1/caps/org-daily/reset", null);
    assertEquals(403, r.statusCode());
    assertTrue(r.body().contains("--admin-token-file"), r.body());
  }

  @Test
  void writesWithoutATokenAre401AndWithAWrongOne403() throws Exception {
    start(AdminToken.of(TOKEN, "test"));
    HttpResponse<String> missing = send("POST", "/v1/caps/org-daily/reset", null, null);
    assertEquals(401, missing.statusCode());
    assertEquals("Bearer realm=\"llmcap-admin\"", missing.headers().firstValue("www-authenticate").orElseThrow());
    assertEquals(403, send("POST", "/v1/caps/org-daily/reset", "Bearer " + TOKEN + "x", null).statusCode());
    assertEquals(403, send("POST", "/v1/caps/org-daily/limit", "Bearer nope", "{\"limitUsd\":\"1\"}").statusCode());
    assertEquals(401, send("POST", "/v1/caps/org-daily/reset", "Basic " + TOKEN, null).statusCode());
  }

  @Test
  void resetZeroesTheCapsSpendAndSaysHowManyInstances() throws Exception {
    start(AdminToken.of(TOKEN, "test"));
    spend(instance("per-service", "checkout", 1_000_000_000L), "c1", 300);
    spend(instance("per-service", "search", 1_000_000_000L), "c2", 200);

    HttpResponse<String> one = post("/v1/caps/per-service/reset?subject=search", null);
    assertEquals(200, one.statusCode(), one.body());
    assertEquals(1, JSON.readTree(one.body()).path("instancesReset").asInt());
    assertEquals(List.of(300L, 0L), spentOf("per-service"));

    HttpResponse<String> all = post("/v1/caps/per-service/reset", null);
    assertEquals(2, JSON.readTree(all.body()).path("instancesReset").asInt());
    assertEquals(List.of(0L, 0L), spentOf("per-service"));
  }

  private List<Long> spentOf(String cap) throws Exception {
    List<Long> out = new java.util.ArrayList<>();
    for (JsonNode c : caps().path("caps")) {
      if (c.path("name").asText().equals(cap)) {
        out.add(c.path("spentNanoUsd").asLong());
      }
    }
    return out;
  }

  @Test
  void aLimitOverrideIsExactAndShowsInCapsUntilRemoved() throws Exception {
    start(AdminToken.of(TOKEN, "test"));
    spend(instance("org-daily", "", 10_000_000_000L), "c1", 1_000_000_000L);

    HttpResponse<String> r = post("/v1/caps/org-daily/limit", "{\"limitUsd\": \"12.345678901\"}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("10.000000000", JSON.readTree(r.body()).path("previousLimitUsd").asText());
    assertEquals(12_345_678_901L, engine.policy().limitOf(engine.policy().cap("org-daily").orElseThrow()));

    JsonNode doc = caps();
    JsonNode instance = doc.path("caps").get(0);
    assertEquals(12_345_678_901L, instance.path("limitNanoUsd").asLong(), "the limit in force, not the stored one");
    assertEquals(11_345_678_901L, instance.path("remainingNanoUsd").asLong());
    JsonNode def = doc.path("definitions").get(0);
    assertTrue(def.path("limitOverridden").asBoolean());
    assertEquals("10.000000000", def.path("configuredLimitUsd").asText());

    assertEquals(200, send("DELETE", "/v1/caps/org-daily/limit", "Bearer " + TOKEN, null).statusCode());
    assertFalse(caps().path("definitions").get(0).path("limitOverridden").asBoolean());
    assertEquals(10_000_000_000L, caps().path("caps").get(0).path("limitNanoUsd").asLong());
  }

  @Test
  void badLimitsAreRefusedSayingWhatToSend() throws Exception {
    start(AdminToken.of(TOKEN, "test"));
    for (String body : List.of("", "nope", "{}", "{\"limitUsd\": \"-1\"}", "{\"limitUsd\": \"0\"}",
        "{\"limitUsd\": \"1.0000000001\"}", "{\"limitUsd\": \"ten\"}", "{\"limitUsd\": true}")) {
      HttpResponse<String> r = post("/v1/caps/org-daily/limit", body);
      assertEquals(400, r.statusCode(), body + " -> " + r.body());
      assertTrue(r.body().contains("limitUsd"), r.body());
    }
    assertEquals(null, engine.policy().limitOverride("org-daily"));
    assertEquals(200, post("/v1/caps/org-daily/limit", "{\"limitUsd\": 2.5}").statusCode(), "a JSON number is exact too");
    assertEquals(2_500_000_000L, engine.policy().limitOverride("org-daily"));
  }

  @Test
  void unknownCapsAndEndpointsAre404AndWrongMethods405() throws Exception {
    start(AdminToken.of(TOKEN, "test"));
    assertEquals(404, post("/v1/caps/nope/reset", null).statusCode());
    assertEquals(404, post("/v1/caps/org-daily/explode", null).statusCode());
    assertEquals(405, send("GET", "/v1/caps/org-daily/reset", "Bearer " + TOKEN, null).statusCode());
    assertEquals(405, send("POST", "/v1/caps", "Bearer " + TOKEN, null).statusCode());
  }

  @Test
  void theTokenComesFromAFileOrTheEnvironmentAndMustNotBeShort(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, TOKEN + "\n");
    assertEquals(AdminToken.Verdict.GRANTED, AdminToken.load(file, null).check("Bearer " + TOKEN));
    assertEquals(AdminToken.Verdict.GRANTED, AdminToken.load(null, TOKEN).check("bearer " + TOKEN));
    assertFalse(AdminToken.load(null, null).enabled());
    assertThrows(IllegalArgumentException.class, () -> AdminToken.load(null, "short"));
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> AdminToken.load(dir.resolve("absent"), null));
    assertTrue(missing.getMessage().contains("absent"));
    assertFalse(AdminToken.of(TOKEN, "test").toString().contains(TOKEN), "the token is never printed");
  }
}
