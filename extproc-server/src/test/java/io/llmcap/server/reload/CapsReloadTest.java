package io.llmcap.server.reload;

import static io.llmcap.server.testing.ExtProcTestClient.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.llmcap.server.Engine;
import io.llmcap.server.LlmcapServer;
import io.llmcap.server.config.CapsConfig;
import io.llmcap.server.config.ConfigException;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.memory.MemoryLedgerStore;
import io.llmcap.server.testing.ExtProcTestClient;
import io.llmcap.server.testing.MutableClock;
import io.llmcap.server.testing.TestEngines;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Caps reloads from a ConfigMap volume: symlink swaps under load, refusals, and mid-window rules. */
class CapsReloadTest {
  private static final Map<String, String> OPENAI_CHAT = headers(
      ":method", "POST", ":path", "/openai/v1/chat/completions", ":authority", "localhost:10000",
      ":scheme", "http", "content-type", "application/json", "authorization", "Bearer test-key-1");
  private static final String CHAT_BODY =
      "{\"model\":\"gpt-4o-mini\",\"max_completion_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  /** 1,000 uncached + 200 cached input at $0.15/$0.075 per M, 300 output at $0.60 per M. */
  private static final String USAGE_JSON = """
      {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini-2024-07-18",
       "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
       "usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,
                "prompt_tokens_details":{"cached_tokens":200}}}""";
  private static final long CALL_NANOS = 1000 * 150 + 200 * 75 + 300 * 600;

  private static final String V1 = "caps:\n  - {name: org, limitUsd: 100, window: day}\n"
      + "  - {name: team, limitUsd: 100, window: day}\n";
  private static final String V2 = "caps:\n  - {name: org, limitUsd: 200, window: day}\n"
      + "  - {name: renamed-team, limitUsd: 100, window: day}\n";
  private static final String INVALID = "caps:\n  - {name: org, limitUsd: lots, window: day}\n";

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
  private final RecordingListener events = new RecordingListener();
  private LlmcapServer server;
  private ManagedChannel channel;
  private CapsFileWatcher watcher;
  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

  @AfterEach
  void stop() {
    if (watcher != null) {
      watcher.close();
    }
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  private KubeletConfigMapDir serve(Path dir, String caps, InetSocketAddress admin) throws Exception {
    KubeletConfigMapDir volume = KubeletConfigMapDir.create(dir, "caps.yaml", caps);
    CapsConfig config = TestEngines.caps(caps);
    Engine engine = TestEngines.with(config, MemoryLedgerStore.inMemory(config.store().holdTtl(), clock), clock);
    String name = InProcessServerBuilder.generateName();
    server = new LlmcapServer(InProcessServerBuilder.forName(name), engine, Duration.ofSeconds(2)).start(admin);
    channel = InProcessChannelBuilder.forName(name).build();
    return volume;
  }

  private CapsReloader reloader(KubeletConfigMapDir volume) {
    CapsReloader reloader = new CapsReloader(volume.file(), server, events, clock);
    server.readinessDetail(reloader::readinessDetail);
    return reloader;
  }

  @Test
  void symlinkSwapsUnderLoadApplyNewCapsWithoutFailingOrDoubleChargingACall(@TempDir Path dir) throws Exception {
    KubeletConfigMapDir volume = serve(dir, V1, null);
    watcher = CapsFileWatcher.start(volume.file(), reloader(volume), Duration.ofMillis(100));

    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService workers = Executors.newFixedThreadPool(6);
    List<Future<Integer>> done = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      done.add(workers.submit(() -> {
        int calls = 0;
        while (running.get()) {
          runAllowedCall(true);
          calls++;
        }
        return calls;
      }));
    }
    List<Engine> seen = new ArrayList<>();
    seen.add(server.engine());
    for (String next : List.of(V2, V1, INVALID, V2, V1, V2)) {
      Thread.sleep(100);
      awaitCallsInFlight();
      volume.update(next);
      Object outcome = events.next();
      if (next == INVALID) {
        assertTrue(outcome instanceof ConfigException, "an invalid file is refused, got " + outcome);
      } else {
        assertTrue(outcome instanceof CapsConfig, "a valid file is applied, got " + outcome);
        assertEquals(next == V2 ? 200 : 100, limitUsd(server.engine(), "org"));
      }
      seen.add(server.engine());
    }
    Thread.sleep(150);
    running.set(false);
    int calls = 0;
    for (Future<Integer> f : done) {
      calls += f.get(30, TimeUnit.SECONDS);
    }
    workers.shutdown();

    assertTrue(calls >= 6, "calls ran through the swaps: " + calls);
    assertEquals(7, seen.stream().distinct().count() + 1, "six swaps, one refused: six engines plus the first");
    assertEquals((long) calls * CALL_NANOS, spent(server.engine(), "org"), "every call charged exactly once");
    assertEquals(0, reserved(server.engine()), "no reservation left behind");
    for (Engine e : seen) {
      assertSame(seen.get(0).ledger(), e.ledger(), "the ledger is shared, never reopened");
    }
  }

  @Test
  void aCallInFlightAcrossAReloadSettlesAgainstTheCapsItReserved(@TempDir Path dir) throws Exception {
    KubeletConfigMapDir volume = serve(dir, V1, null);
    CapsReloader reloader = reloader(volume);
    assertEquals(ReloadOutcome.APPLIED, reloader.reloadIfChanged(), "the first look confirms the file");

    try (var call = new ExtProcTestClient(channel, "openai")) {
      call.requestHeaders(OPENAI_CHAT, false);
      assertTrue(call.requestBody(CHAT_BODY).hasRequestBody(), "reserved under V1 (org + team)");

      volume.update(V2);
      assertEquals(ReloadOutcome.APPLIED, reloader.reloadIfChanged());
      assertEquals(ReloadOutcome.UNCHANGED, reloader.reloadIfChanged(), "same bytes: nothing to do");

      call.responseHeaders(headers(":status", "200", "content-type", "application/json"), false);
      call.responseBody(USAGE_JSON, true);
    }
    assertEquals(CALL_NANOS, spent(server.engine(), "team"), "the removed cap still settles what it reserved");
    assertEquals(CALL_NANOS, spent(server.engine(), "org"));

    runAllowedCall(false);
    assertEquals(CALL_NANOS, spent(server.engine(), "team"), "a removed cap stops applying to new calls");
    assertEquals(CALL_NANOS, spent(server.engine(), "renamed-team"), "a renamed cap starts from zero");
    assertEquals(2 * CALL_NANOS, spent(server.engine(), "org"));
    assertEquals(0, reserved(server.engine()));
  }

  @Test
  void aLoweredLimitAppliesToTheNextCallAndSpentSoFarCounts(@TempDir Path dir) throws Exception {
    KubeletConfigMapDir volume = serve(dir, "caps: [{name: org, limitUsd: 0.01, window: day}]", null);
    CapsReloader reloader = reloader(volume);
    reloader.reloadIfChanged();
    runAllowedCall(false);
    runAllowedCall(false);

    volume.update("caps: [{name: org, limitUsd: 0.0006, window: day}]");
    assertEquals(ReloadOutcome.APPLIED, reloader.reloadIfChanged());
    try (var call = new ExtProcTestClient(channel, "openai")) {
      // An exhausted cap is refused at the request headers, before the body is even buffered.
      ProcessingResponse denied = call.requestHeaders(OPENAI_CHAT, false);
      assertTrue(denied.hasImmediateResponse(), "$0.00069 spent already exceeds the new $0.0006 limit");
      assertEquals(429, denied.getImmediateResponse().getStatus().getCodeValue());
    }
    assertEquals(2 * CALL_NANOS, spent(server.engine(), "org"));
  }

  @Test
  void anInvalidFileKeepsTheLastGoodCapsAndSaysWhyInReadiness(@TempDir Path dir) throws Exception {
    KubeletConfigMapDir volume = serve(dir, V1, new InetSocketAddress("127.0.0.1", 0));
    CapsReloader reloader = reloader(volume);
    reloader.reloadIfChanged();
    Engine good = server.engine();

    volume.update(INVALID);
    assertEquals(ReloadOutcome.REFUSED, reloader.reloadIfChanged());
    assertEquals(ReloadOutcome.UNCHANGED, reloader.reloadIfChanged(), "a refusal is reported once, not every poll");
    assertSame(good, server.engine(), "the last good caps stay in force");
    ConfigException refusal = (ConfigException) events.next();
    assertEquals("caps[0].limitUsd", refusal.field());
    assertEquals(2, refusal.line());

    HttpResponse<String> ready = readyz();
    assertEquals(200, ready.statusCode(), "still ready: the last good caps are enforced");
    assertTrue(ready.body().startsWith("ready\ncaps reload refused at "), ready.body());
    assertTrue(ready.body().contains("caps[0].limitUsd"), ready.body());
    assertTrue(ready.body().contains("keeping caps file sha256 "), ready.body());
    runAllowedCall(false);

    volume.update(V2);
    assertEquals(ReloadOutcome.APPLIED, reloader.reloadIfChanged());
    assertEquals("ready\n", readyz().body(), "a good file clears the refusal");
  }

  @Test
  void aStoreChangeIsRefusedWithRestartAdvice(@TempDir Path dir) throws Exception {
    KubeletConfigMapDir volume = serve(dir, V1, null);
    CapsReloader reloader = reloader(volume);
    reloader.reloadIfChanged();
    Engine before = server.engine();

    volume.update("store: {type: memory, path: /var/lib/elsewhere}\n" + V2);
    assertEquals(ReloadOutcome.REFUSED, reloader.reloadIfChanged());
    ConfigException refusal = (ConfigException) events.next();
    assertEquals("store", refusal.field());
    assertTrue(refusal.getMessage().contains("restart to change the store"), refusal.getMessage());
    assertSame(before, server.engine());
    assertTrue(reloader.readinessDetail().contains("restart to change the store"));
  }

  @Test
  void anOnFailureChangeAppliesLiveBecauseEachCallReadsIt(@TempDir Path dir) throws Exception {
    KubeletConfigMapDir volume = serve(dir, V1, null);
    CapsReloader reloader = reloader(volume);
    reloader.reloadIfChanged();
    volume.update("store: {onFailure: open}\n" + V1);
    assertEquals(ReloadOutcome.APPLIED, reloader.reloadIfChanged());
    assertEquals("OPEN", server.engine().config().store().onFailure().name());
  }

  @Test
  void aDeletedFileIsRefusedAndTheCapsStay(@TempDir Path dir) throws Exception {
    KubeletConfigMapDir volume = serve(dir, V1, null);
    CapsReloader reloader = reloader(volume);
    reloader.reloadIfChanged();
    Engine before = server.engine();
    java.nio.file.Files.delete(volume.file());
    assertEquals(ReloadOutcome.REFUSED, reloader.reloadIfChanged());
    assertTrue(reloader.readinessDetail().contains("cannot read the caps file"), reloader.readinessDetail());
    assertSame(before, server.engine());
  }

  private void runAllowedCall(boolean pauseMidCall) throws Exception {
    try (var call = new ExtProcTestClient(channel, "openai")) {
      assertTrue(call.requestHeaders(OPENAI_CHAT, false).hasRequestHeaders());
      ProcessingResponse body = call.requestBody(CHAT_BODY);
      if (!body.hasRequestBody()) {
        throw new AssertionError("call refused: " + body);
      }
      if (pauseMidCall) {
        // Keep reservations held while the file is swapped.
        inFlight.incrementAndGet();
        Thread.sleep(1 + ThreadLocalRandom.current().nextInt(4));
        inFlight.decrementAndGet();
      }
      call.responseHeaders(headers(":status", "200", "content-type", "application/json"), false);
      call.responseBody(USAGE_JSON, true);
    }
  }

  /** Every swap happens while some call holds a reservation made under the caps being replaced. */
  private void awaitCallsInFlight() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (inFlight.get() == 0) {
      assertTrue(System.nanoTime() < deadline, "no call in flight within 10 s");
      Thread.sleep(0, 100_000);
    }
  }

  private HttpResponse<String> readyz() throws Exception {
    return HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + "/readyz")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static long limitUsd(Engine engine, String cap) {
    return engine.config().caps().stream().filter(c -> c.name().equals(cap)).findFirst().orElseThrow()
        .limitNanos() / 1_000_000_000L;
  }

  private long spent(Engine engine, String cap) throws Exception {
    return engine.ledger().snapshot(clock.instant()).stream()
        .filter(s -> s.cap().capName().equals(cap)).mapToLong(CapStatus::spentNanos).sum();
  }

  private long reserved(Engine engine) throws Exception {
    return engine.ledger().snapshot(clock.instant()).stream().mapToLong(CapStatus::reservedNanos).sum();
  }

  /** Queues each outcome: the applied config, or the refusal. */
  private static final class RecordingListener implements ReloadListener {
    private final BlockingQueue<Object> outcomes = new LinkedBlockingQueue<>();

    @Override
    public void applied(CapsConfig config, String sha256) {
      outcomes.add(config);
    }

    @Override
    public void refused(ConfigException error) {
      outcomes.add(error);
    }

    Object next() throws InterruptedException {
      Object outcome = outcomes.poll(10, TimeUnit.SECONDS);
      assertNotNull(outcome, "no reload outcome within 10 s");
      return outcome;
    }
  }
}
